import { requireUser } from '@imagy/platform/server';
import type { IdentityContext } from '../context';
import type { Resolvers } from '../__generated__/graphql';
import { canSeeTenantPrivate, type Tenant } from './tenants.service';

/** A private field: its value for the tenant's own users and platform roles, null for anyone else. */
const hidden = <K extends keyof Tenant>(key: K) => (t: Tenant, _a: unknown, ctx: IdentityContext): Tenant[K] | null => (canSeeTenantPrivate(ctx.auth, t.id) ? t[key] : null);

export const tenantResolvers: Resolvers = {
  Query: {
    tenants: (_p, args, ctx) => ctx.services.tenants.list(ctx.auth, args.first, args.after),
    tenant: (_p, { id }, ctx) => {
      requireUser(ctx.auth);
      return ctx.services.tenants.canRead(ctx.auth, id) ? ctx.loaders.tenantById.load(id) : null;
    },
    currentTenant: (_p, _a, ctx) => ctx.loaders.tenantById.load(requireUser(ctx.auth).tenantId),
    tenantByHost: (_p, { host }, ctx) => ctx.services.tenants.byHost(host),
  },
  Mutation: {
    createTenant: (_p, { input }, ctx) => ctx.services.tenants.create(ctx.caller, input),
    updateTenant: (_p, { input }, ctx) => ctx.services.tenants.update(ctx.caller, input),
  },
  Tenant: {
    __resolveReference: (ref, ctx) => (ctx.services.tenants.canRead(ctx.auth, ref.id) ? ctx.loaders.tenantById.load(ref.id) : null),
    hostnames: hidden('hostnames'),
    timezone: hidden('timezone'),
    createdAt: hidden('createdAt'),
  },
};
