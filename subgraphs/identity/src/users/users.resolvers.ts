import { requireUser } from '@imagy/platform/server';
import type { Resolvers } from '../__generated__/graphql';
import { canReadUser } from './users.service';

export const userResolvers: Resolvers = {
  Query: {
    me: (_p, _a, ctx) => ctx.loaders.userById.load(requireUser(ctx.auth).userId),
    user: (_p, { id }, ctx) => {
      requireUser(ctx.auth);
      return canReadUser(ctx.auth, id) ? ctx.loaders.userById.load(id) : null;
    },
    users: (_p, args, ctx) => ctx.services.users.list(ctx.auth, args),
  },
  Mutation: {
    createUser: (_p, { input }, ctx) => ctx.services.users.create(ctx.caller, input),
    updateUser: (_p, { input }, ctx) => ctx.services.users.update(ctx.caller, input),
    disableUser: (_p, { input }, ctx) => ctx.services.users.disable(ctx.caller, input.id),
  },
  User: {
    // RLS scopes the loader to the caller's tenant: another tenant's user id resolves to null.
    __resolveReference: (ref, ctx) => (canReadUser(ctx.auth, ref.id) ? ctx.loaders.userById.load(ref.id) : null),
    tenant: (u, _a, ctx) => ctx.loaders.tenantById.load(u.tenantId),
  },
};
