import type { Resolvers } from '../__generated__/graphql';

/** Public: no token needed; the tenant comes from the slug or the portal's host. */
export const simulatorResolvers: Resolvers = {
  Query: {
    simulatorConfig: (_p, args, ctx) => ctx.services.simulator.config(args.productCode, args),
    simulateCredit: (_p, { input }, ctx) => ctx.services.simulator.simulate(input),
  },
};
