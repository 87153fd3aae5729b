import { Kind, type GraphQLResolveInfo, type SelectionSetNode } from 'graphql';
import { BadInputError } from '@imagy/platform/server';
import type { Resolvers } from '../__generated__/graphql';

/**
 * Root `login` fields of the operation, aliases and fragments included. More than one is refused:
 * otherwise one request could carry hundreds of password guesses (`a1: login(...) a2: login(...)`)
 * that all run before any throttle sees the first result.
 */
export function loginFieldsIn(info: Pick<GraphQLResolveInfo, 'operation' | 'fragments'>): number {
  const count = (set: SelectionSetNode, seen: Set<string>): number => {
    let n = 0;
    for (const s of set.selections) {
      if (s.kind === Kind.FIELD) n += s.name.value === 'login' ? 1 : 0;
      else if (s.kind === Kind.INLINE_FRAGMENT) n += count(s.selectionSet, seen);
      else if (!seen.has(s.name.value)) {
        const fragment = info.fragments[s.name.value];
        if (fragment) n += count(fragment.selectionSet, new Set([...seen, s.name.value]));
      }
    }
    return n;
  };
  return count(info.operation.selectionSet, new Set());
}

export const MAX_LOGINS_PER_OPERATION = 1;

export const authResolvers: Resolvers = {
  Mutation: {
    login: (_p, { input }, ctx, info) => {
      // Refused before any attempt is counted or any password is checked.
      if (loginFieldsIn(info) > MAX_LOGINS_PER_OPERATION) throw new BadInputError('An operation may contain at most one login field', 'login');
      return ctx.services.auth.login(ctx.caller, input);
    },
    refreshToken: (_p, { input }, ctx) => ctx.services.auth.refresh(ctx.caller, input.refreshToken),
    logout: (_p, { input }, ctx) => ctx.services.auth.logout(ctx.caller, input.refreshToken),
  },
};
