/** Thin resolvers: arguments in, service or loader out. */
import { requireUser } from '@imagy/platform/server';
import type { Resolvers } from '../__generated__/graphql';

export const itemResolvers: Resolvers = {
  Query: {
    signItems: (_parent, args, ctx) => ctx.services.items.list(ctx.auth, args),
    signItem: (_parent, { id }, ctx) => {
      requireUser(ctx.auth);
      return ctx.loaders.itemById.load(id);
    },
  },
  Mutation: {
    createSignItem: (_parent, { input }, ctx) => ctx.services.items.create(ctx.caller, input),
  },
  SignItem: {
    __resolveReference: (ref, ctx) => (ctx.auth.kind === 'anonymous' ? null : ctx.loaders.itemById.load(ref.id)),
  },
};
