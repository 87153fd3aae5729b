import { requireUser } from '@imagy/platform/server';
import type { IdentityContext } from '../context';
import { canReadUser, type CreateUserInput, type UpdateUserInput, type User, type UserFilter } from './users.service';

type Ctx = IdentityContext;

export const userResolvers = {
  Query: {
    me: (_: unknown, __: unknown, ctx: Ctx) => ctx.loaders.userById.load(requireUser(ctx.auth).userId),
    user: (_: unknown, { id }: { id: string }, ctx: Ctx) => {
      requireUser(ctx.auth);
      return canReadUser(ctx.auth, id) ? ctx.loaders.userById.load(id) : null;
    },
    users: (_: unknown, args: { first?: number | null; after?: string | null; filter?: UserFilter | null }, ctx: Ctx) => ctx.services.users.list(ctx.auth, args),
  },
  Mutation: {
    createUser: (_: unknown, { input }: { input: CreateUserInput }, ctx: Ctx) => ctx.services.users.create(ctx.caller, input),
    updateUser: (_: unknown, { input }: { input: UpdateUserInput }, ctx: Ctx) => ctx.services.users.update(ctx.caller, input),
    disableUser: (_: unknown, { input }: { input: { id: string } }, ctx: Ctx) => ctx.services.users.disable(ctx.caller, input.id),
  },
  User: {
    // RLS scopes the loader to the caller's tenant: another tenant's user id resolves to null.
    __resolveReference: (ref: { id: string }, ctx: Ctx) => (canReadUser(ctx.auth, ref.id) ? ctx.loaders.userById.load(ref.id) : null),
    tenant: (u: User, _: unknown, ctx: Ctx) => ctx.loaders.tenantById.load(u.tenantId),
  },
};
