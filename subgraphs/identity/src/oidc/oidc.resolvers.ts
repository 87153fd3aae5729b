import { rootFieldCount } from '@imagy/platform/graphql';
import { BadInputError } from '@imagy/platform/server';
import type { Resolvers } from '../__generated__/graphql';

/** Like `login`: one completion per operation (each one calls the tenant's provider). */
export const MAX_OIDC_COMPLETIONS_PER_OPERATION = 1;

/** Thin: OidcService holds the rules (oidc.service.ts). */
export const oidcResolvers: Resolvers = {
  Query: {
    oidcProvider: (_p, _a, ctx) => ctx.services.oidc.provider(ctx.caller.auth),
    oidcLoginOptions: (_p, args, ctx) => ctx.services.oidc.loginOptions(args),
  },
  Mutation: {
    configureOidcProvider: (_p, { input }, ctx) => ctx.services.oidc.configure(ctx.caller, input),
    completeOidcLogin: (_p, { input }, ctx, info) => {
      if (rootFieldCount(info.operation, info.fragments, 'completeOidcLogin') > MAX_OIDC_COMPLETIONS_PER_OPERATION) throw new BadInputError('An operation may contain at most one completeOidcLogin field', 'completeOidcLogin');
      return ctx.services.oidc.completeLogin(ctx.caller, input);
    },
  },
};
