import type { Resolvers } from '../__generated__/graphql';

export const delinquencyResolvers: Resolvers = {
  Mutation: {
    runDelinquency: (_p, { input }, ctx) => ctx.services.delinquency.runForCaller(ctx.caller, input.businessDate),
  },
};
