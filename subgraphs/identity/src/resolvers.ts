/**
 * identity's whole resolver map, typed by the generated `Resolvers`: every feature's map, the
 * platform DateTime scalar and the localised UserError.message. Feature maps are merged type by
 * type here, each already checked against the SDL in its own file.
 */
import { DateTimeScalar, userErrorResolvers } from '@imagy/platform/graphql';
import type { Resolvers } from './__generated__/graphql';
import { apiKeyResolvers } from './api-keys/api-keys.resolvers';
import { authResolvers } from './auth/auth.resolvers';
import { brandingResolvers } from './branding/branding.resolvers';
import { messages } from './i18n/messages';
import { tenantResolvers } from './tenants/tenants.resolvers';
import { userResolvers } from './users/users.resolvers';

export const resolvers: Resolvers = {
  DateTime: DateTimeScalar,
  Query: { ...tenantResolvers.Query, ...userResolvers.Query, ...apiKeyResolvers.Query },
  Mutation: { ...tenantResolvers.Mutation, ...userResolvers.Mutation, ...authResolvers.Mutation, ...apiKeyResolvers.Mutation, ...brandingResolvers.Mutation },
  Tenant: { ...tenantResolvers.Tenant, ...brandingResolvers.Tenant },
  User: userResolvers.User,
  ApiKey: apiKeyResolvers.ApiKey,
  ...userErrorResolvers(messages),
};
