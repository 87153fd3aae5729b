import type { IdentityContext } from '../context';
import type { ApiKey, CreateApiKeyInput } from './api-keys.service';
import { API_KEY_SCOPES } from './api-keys.rules';

type Ctx = IdentityContext;

export const apiKeyResolvers = {
  Query: {
    apiKeys: (_: unknown, args: { first?: number | null; after?: string | null }, ctx: Ctx) => ctx.services.apiKeys.list(ctx.auth, args),
    apiKey: (_: unknown, { id }: { id: string }, ctx: Ctx) => ctx.services.apiKeys.byId(ctx.auth, id),
    apiKeyScopes: () => API_KEY_SCOPES,
  },
  Mutation: {
    createApiKey: (_: unknown, { input }: { input: CreateApiKeyInput }, ctx: Ctx) => ctx.services.apiKeys.create(ctx.caller, input),
    rotateApiKey: (_: unknown, { input }: { input: { id: string; overlapMinutes?: number | null } }, ctx: Ctx) => ctx.services.apiKeys.rotate(ctx.caller, input),
    revokeApiKey: (_: unknown, { input }: { input: { id: string } }, ctx: Ctx) => ctx.services.apiKeys.revoke(ctx.caller, input.id),
  },
  ApiKey: {
    createdBy: (k: ApiKey, _: unknown, ctx: Ctx) => (k.createdById ? ctx.loaders.userById.load(k.createdById) : null),
  },
};
