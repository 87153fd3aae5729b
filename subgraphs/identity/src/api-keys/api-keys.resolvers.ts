import type { Resolvers } from '../__generated__/graphql';
import { API_KEY_SCOPES } from './api-keys.rules';

export const apiKeyResolvers: Resolvers = {
  Query: {
    apiKeys: (_p, args, ctx) => ctx.services.apiKeys.list(ctx.auth, args),
    apiKey: (_p, { id }, ctx) => ctx.services.apiKeys.byId(ctx.auth, id),
    apiKeyScopes: () => [...API_KEY_SCOPES],
  },
  Mutation: {
    createApiKey: (_p, { input }, ctx) => ctx.services.apiKeys.create(ctx.caller, input),
    rotateApiKey: (_p, { input }, ctx) => ctx.services.apiKeys.rotate(ctx.caller, input),
    revokeApiKey: (_p, { input }, ctx) => ctx.services.apiKeys.revoke(ctx.caller, input.id),
  },
  ApiKey: {
    createdBy: (k, _a, ctx) => (k.createdById ? ctx.loaders.userById.load(k.createdById) : null),
  },
};
