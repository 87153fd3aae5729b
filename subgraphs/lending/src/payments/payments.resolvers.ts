import type { Resolvers } from '../__generated__/graphql';

export const paymentResolvers: Resolvers = {
  Query: {
    payoffQuote: (_p, { creditId, date }, ctx) => ctx.services.payments.quote(ctx.auth, creditId, date),
  },
  Mutation: {
    registerPayment: (_p, { input }, ctx) => ctx.services.payments.register(ctx.caller, input),
    reversePayment: (_p, { input }, ctx) => ctx.services.payments.reverse(ctx.caller, input.paymentId, input.reason),
  },
};
