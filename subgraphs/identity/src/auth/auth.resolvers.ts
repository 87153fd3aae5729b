import { rootFieldCount } from '@imagy/platform/graphql';
import { BadInputError } from '@imagy/platform/server';
import type { Resolvers } from '../__generated__/graphql';

/**
 * More than one root `login` in an operation is refused (platform rootFieldCount: aliases and
 * fragments count), before any attempt is counted or any password is checked; the gateway refuses
 * a batch that carries more than one.
 */
export const MAX_LOGINS_PER_OPERATION = 1;

export const authResolvers: Resolvers = {
  Mutation: {
    login: (_p, { input }, ctx, info) => {
      // Refused before any attempt is counted or any password is checked.
      if (rootFieldCount(info.operation, info.fragments, 'login') > MAX_LOGINS_PER_OPERATION) throw new BadInputError('An operation may contain at most one login field', 'login');
      return ctx.services.auth.login(ctx.caller, input);
    },
    refreshToken: (_p, { input }, ctx) => ctx.services.auth.refresh(ctx.caller, input.refreshToken),
    logout: (_p, { input }, ctx) => ctx.services.auth.logout(ctx.caller, input.refreshToken),
  },
};
