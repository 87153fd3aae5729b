import { requireRole } from '@imagy/platform/server';
import { isUuid } from '@imagy/platform/db';
import type { LendingContext } from '../context';
import { PRODUCT_READERS } from '../common/roles';
import { termsView } from './terms';
import type { ChangeRequest, ChangeStatus, CreditProduct, CreateDraftInput, CreateProductInput, ProductVersion, UpdateDraftInput } from './products.service';

type Ctx = LendingContext;

export const productResolvers = {
  Query: {
    creditProducts: (_: unknown, args: { first?: number | null; after?: string | null }, ctx: Ctx) => ctx.services.products.list(ctx.auth, args.first, args.after),
    creditProduct: (_: unknown, { id }: { id: string }, ctx: Ctx) => {
      requireRole(ctx.auth, ...PRODUCT_READERS);
      return isUuid(id) ? ctx.loaders.productById.load(id) : null;
    },
    changeRequests: (_: unknown, args: { status?: ChangeStatus | null; first?: number | null; after?: string | null }, ctx: Ctx) => ctx.services.products.listChangeRequests(ctx.auth, args.status, args.first, args.after),
  },
  Mutation: {
    createCreditProduct: (_: unknown, { input }: { input: CreateProductInput }, ctx: Ctx) => ctx.services.products.create(ctx.caller, input),
    createDraftVersion: (_: unknown, { input }: { input: CreateDraftInput }, ctx: Ctx) => ctx.services.products.createDraftVersion(ctx.caller, input),
    updateDraftVersion: (_: unknown, { input }: { input: UpdateDraftInput }, ctx: Ctx) => ctx.services.products.updateDraftVersion(ctx.caller, input),
    discardDraftVersion: (_: unknown, { input }: { input: { versionId: string } }, ctx: Ctx) => ctx.services.products.discardDraftVersion(ctx.caller, input.versionId),
    requestPublication: (_: unknown, { input }: { input: { versionId: string } }, ctx: Ctx) => ctx.services.products.requestPublication(ctx.caller, input.versionId),
    requestProductArchival: (_: unknown, { input }: { input: { productId: string } }, ctx: Ctx) => ctx.services.products.requestProductArchival(ctx.caller, input.productId),
    approveChangeRequest: (_: unknown, { input }: { input: { id: string } }, ctx: Ctx) => ctx.services.products.approve(ctx.caller, input.id),
    rejectChangeRequest: (_: unknown, { input }: { input: { id: string; reason: string } }, ctx: Ctx) => ctx.services.products.reject(ctx.caller, input.id, input.reason),
  },
  CreditProduct: {
    __resolveReference: (ref: { id: string }, ctx: Ctx) => (ctx.services.products.canReadProducts(ctx.auth) ? ctx.loaders.productById.load(ref.id) : null),
    versions: (p: CreditProduct, _: unknown, ctx: Ctx) => ctx.loaders.versionsByProductId.load(p.id),
    publishedVersion: async (p: CreditProduct, _: unknown, ctx: Ctx) => (await ctx.loaders.versionsByProductId.load(p.id)).find((v) => v.status === 'PUBLISHED') ?? null,
    pendingChangeRequests: (p: CreditProduct, _: unknown, ctx: Ctx) => ctx.loaders.pendingRequestsByProductId.load(p.id),
  },
  ProductVersion: {
    __resolveReference: (ref: { id: string }, ctx: Ctx) => (ctx.services.products.canReadProducts(ctx.auth) ? ctx.loaders.versionById.load(ref.id) : null),
    product: (v: ProductVersion, _: unknown, ctx: Ctx) => ctx.loaders.productById.load(v.productId),
    // The amounts of terms are in the product's currency: formatted at its minor unit, with it.
    terms: async (v: ProductVersion, _: unknown, ctx: Ctx) => {
      const product = await ctx.loaders.productById.load(v.productId);
      if (!product) throw new Error(`version ${v.id} without its product`);
      return termsView(v.terms, product.currency);
    },
  },
  ChangeRequest: {
    product: (c: ChangeRequest, _: unknown, ctx: Ctx) => ctx.loaders.productById.load(c.productId),
    version: (c: ChangeRequest, _: unknown, ctx: Ctx) => (c.versionId ? ctx.loaders.versionById.load(c.versionId) : null),
  },
};
