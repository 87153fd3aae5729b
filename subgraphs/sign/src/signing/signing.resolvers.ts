/** Thin resolvers of the public signing API (no login: the signing token is the credential). */
import type { Resolvers } from '../__generated__/graphql';

export const signingResolvers: Resolvers = {
  Query: {
    signingSession: (_parent, { token }, ctx) => ctx.services.signing.session(ctx.caller, token),
  },
  Mutation: {
    requestSigningCode: (_parent, { input }, ctx) => ctx.services.signing.requestCode(ctx.caller, input.token),
    signDocument: (_parent, { input }, ctx) => ctx.services.signing.sign(ctx.caller, input),
    rejectSignature: (_parent, { input }, ctx) => ctx.services.signing.rejectSignature(ctx.caller, input.token, input.reason),
  },
};
