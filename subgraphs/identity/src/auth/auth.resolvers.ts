import type { IdentityContext } from '../context';

type Ctx = IdentityContext;

export const authResolvers = {
  Mutation: {
    login: (_: unknown, { input }: { input: { tenantSlug: string; email: string; password: string } }, ctx: Ctx) => ctx.services.auth.login(ctx.caller, input),
    refreshToken: (_: unknown, { input }: { input: { refreshToken: string } }, ctx: Ctx) => ctx.services.auth.refresh(ctx.caller, input.refreshToken),
    logout: (_: unknown, { input }: { input: { refreshToken: string } }, ctx: Ctx) => ctx.services.auth.logout(ctx.caller, input.refreshToken),
  },
};
