import { isUuid } from '@imagy/platform/db';
import { requireRole } from '@imagy/platform/server';
import type { Resolvers } from '../__generated__/graphql';
import { PRODUCT_READERS } from '../common/roles';
import { loaded } from '../common/loaded';
import { termsView } from './terms';

export const productResolvers: Resolvers = {
  Query: {
    creditProducts: (_p, args, ctx) => ctx.services.products.list(ctx.auth, args.first, args.after),
    creditProduct: (_p, { id }, ctx) => {
      requireRole(ctx.auth, ...PRODUCT_READERS);
      return isUuid(id) ? ctx.loaders.productById.load(id) : null;
    },
    changeRequests: (_p, args, ctx) => ctx.services.products.listChangeRequests(ctx.auth, args.status, args.first, args.after),
  },
  Mutation: {
    createCreditProduct: (_p, { input }, ctx) => ctx.services.products.create(ctx.caller, input),
    createDraftVersion: (_p, { input }, ctx) => ctx.services.products.createDraftVersion(ctx.caller, input),
    updateDraftVersion: (_p, { input }, ctx) => ctx.services.products.updateDraftVersion(ctx.caller, input),
    discardDraftVersion: (_p, { input }, ctx) => ctx.services.products.discardDraftVersion(ctx.caller, input.versionId),
    requestPublication: (_p, { input }, ctx) => ctx.services.products.requestPublication(ctx.caller, input.versionId),
    requestProductArchival: (_p, { input }, ctx) => ctx.services.products.requestProductArchival(ctx.caller, input.productId),
    approveChangeRequest: (_p, { input }, ctx) => ctx.services.products.approve(ctx.caller, input.id),
    rejectChangeRequest: (_p, { input }, ctx) => ctx.services.products.reject(ctx.caller, input.id, input.reason),
  },
  CreditProduct: {
    __resolveReference: (ref, ctx) => (ctx.services.products.canReadProducts(ctx.auth) ? ctx.loaders.productById.load(ref.id) : null),
    versions: (p, _a, ctx) => ctx.loaders.versionsByProductId.load(p.id),
    publishedVersion: async (p, _a, ctx) => (await ctx.loaders.versionsByProductId.load(p.id)).find((v) => v.status === 'PUBLISHED') ?? null,
    pendingChangeRequests: (p, _a, ctx) => ctx.loaders.pendingRequestsByProductId.load(p.id),
  },
  ProductVersion: {
    __resolveReference: (ref, ctx) => (ctx.services.products.canReadProducts(ctx.auth) ? ctx.loaders.versionById.load(ref.id) : null),
    product: (v, _a, ctx) => loaded(ctx.loaders.productById.load(v.productId), `product of version ${v.id}`),
    // The amounts of terms are in the product's currency: formatted at its minor unit, with it.
    terms: async (v, _a, ctx) => termsView(v.terms, (await loaded(ctx.loaders.productById.load(v.productId), `product of version ${v.id}`)).currency),
  },
  ChangeRequest: {
    product: (c, _a, ctx) => loaded(ctx.loaders.productById.load(c.productId), `product of change request ${c.id}`),
    version: (c, _a, ctx) => (c.versionId ? ctx.loaders.versionById.load(c.versionId) : null),
  },
};
