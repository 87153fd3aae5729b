/** Thin resolvers of the portfolio figures (src/portfolio/portfolio.service.ts). */
import type { Resolvers } from '../__generated__/graphql';

export const portfolioResolvers: Resolvers = {
  Query: {
    portfolioSummary: (_p, { currency }, ctx) => ctx.services.portfolio.scope(ctx.auth, currency),
  },
  PortfolioSummary: {
    byBucket: (s, _a, ctx) => ctx.services.portfolio.byBucket(s),
    monthly: (s, { from, to }, ctx) => ctx.services.portfolio.monthly(s, from, to),
  },
};
