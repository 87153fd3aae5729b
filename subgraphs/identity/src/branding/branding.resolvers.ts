/** Thin resolvers of tenant branding: a public field of Tenant and the tenant_admin mutation. */
import type { Resolvers } from '../__generated__/graphql';
import { brandingView } from './branding.service';

export const brandingResolvers: Resolvers = {
  Mutation: {
    updateTenantBranding: (_p, { input }, ctx) => ctx.services.branding.update(ctx.caller, input),
  },
  Tenant: {
    // Public like name and slug: the portal shows it to anonymous visitors (tenantByHost).
    branding: async (t, _a, ctx) => brandingView(t, await ctx.loaders.brandingByTenantId.load(t.id)),
  },
};
