import type { Resolvers } from '../__generated__/graphql';

/** Thin: OidcService holds the rules (oidc.service.ts). */
export const oidcResolvers: Resolvers = {
  Query: {
    oidcProvider: (_p, _a, ctx) => ctx.services.oidc.provider(ctx.caller.auth),
    oidcLoginOptions: (_p, args, ctx) => ctx.services.oidc.loginOptions(args),
  },
  Mutation: {
    configureOidcProvider: (_p, { input }, ctx) => ctx.services.oidc.configure(ctx.caller, input),
    completeOidcLogin: (_p, { input }, ctx) => ctx.services.oidc.completeLogin(ctx.caller, input),
  },
};
