import { requireUser } from '@imagy/platform/server';
import type { IdentityContext } from '../context';
import { canSeeTenantPrivate, type CreateTenantInput, type Tenant, type UpdateTenantInput } from './tenants.service';

type Ctx = IdentityContext;
const hidden = <K extends keyof Tenant>(key: K) => (t: Tenant, _: unknown, ctx: Ctx) => (canSeeTenantPrivate(ctx.auth, t.id) ? t[key] : null);

export const tenantResolvers = {
  Query: {
    tenants: (_: unknown, args: { first?: number | null; after?: string | null }, ctx: Ctx) => ctx.services.tenants.list(ctx.auth, args.first, args.after),
    tenant: (_: unknown, { id }: { id: string }, ctx: Ctx) => {
      requireUser(ctx.auth);
      return ctx.services.tenants.canRead(ctx.auth, id) ? ctx.loaders.tenantById.load(id) : null;
    },
    currentTenant: (_: unknown, __: unknown, ctx: Ctx) => ctx.loaders.tenantById.load(requireUser(ctx.auth).tenantId),
    tenantByHost: (_: unknown, { host }: { host: string }, ctx: Ctx) => ctx.services.tenants.byHost(host),
  },
  Mutation: {
    createTenant: (_: unknown, { input }: { input: CreateTenantInput }, ctx: Ctx) => ctx.services.tenants.create(ctx.caller, input),
    updateTenant: (_: unknown, { input }: { input: UpdateTenantInput }, ctx: Ctx) => ctx.services.tenants.update(ctx.caller, input),
  },
  Tenant: {
    __resolveReference: (ref: { id: string }, ctx: Ctx) => (ctx.services.tenants.canRead(ctx.auth, ref.id) ? ctx.loaders.tenantById.load(ref.id) : null),
    hostnames: hidden('hostnames'),
    timezone: hidden('timezone'),
    createdAt: hidden('createdAt'),
  },
};
