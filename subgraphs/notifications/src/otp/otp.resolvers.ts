/** Thin resolvers of OTP. */
import type { Resolvers } from '../__generated__/graphql';

export const otpResolvers: Resolvers = {
  Mutation: {
    requestOtp: (_p, { input }, ctx) => ctx.services.otp.request(ctx.caller, input),
    verifyOtp: (_p, { input }, ctx) => ctx.services.otp.verify(ctx.caller, input),
  },
};
