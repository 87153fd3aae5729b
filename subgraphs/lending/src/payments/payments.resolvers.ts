import type { Resolvers } from '../__generated__/graphql';

export const paymentResolvers: Resolvers = {
  Mutation: {
    registerPayment: (_p, { input }, ctx) => ctx.services.payments.register(ctx.caller, input),
    reversePayment: (_p, { input }, ctx) => ctx.services.payments.reverse(ctx.caller, input.paymentId, input.reason),
  },
};
