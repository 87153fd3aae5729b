/** Thin resolvers of executions, the public token API and the provider configuration. */
import { requireRole } from '@imagy/platform/server';
import type { Resolvers } from '../__generated__/graphql';
import { loaded } from '../common/loaded';
import { FLOW_READERS } from '../common/roles';

export const executionResolvers: Resolvers = {
  Query: {
    flowRequests: (_p, args, ctx) => ctx.services.executions.list(ctx.auth, args),
    flowRequest: (_p, { id }, ctx) => {
      requireRole(ctx.auth, ...FLOW_READERS);
      return ctx.loaders.requestById.load(id);
    },
    flowSession: (_p, { accessToken }, ctx) => ctx.services.executions.session(accessToken),
    providerConfigs: (_p, _a, ctx) => ctx.services.providers.list(ctx.auth),
    providerSecrets: (_p, _a, ctx) => ctx.services.providers.secrets(ctx.auth),
  },
  Mutation: {
    triggerExecution: (_p, { input }, ctx) => ctx.services.executions.triggerExecution(ctx.caller, input),
    cancelExecution: (_p, { input }, ctx) => ctx.services.executions.cancel(ctx.caller, input.requestId),
    issueFlowAccessToken: (_p, { input }, ctx) => ctx.services.executions.issueAccessToken(ctx.caller, input.externalRef),
    submitFlowStep: (_p, { input }, ctx) => ctx.services.executions.submitStep(ctx.caller, input),
    requestFlowUpload: (_p, { input }, ctx) => ctx.services.executions.requestUpload(input, ctx.origin),
    setProviderConfig: (_p, { input }, ctx) => ctx.services.providers.set(ctx.caller, input),
    setProviderSecret: (_p, { input }, ctx) => ctx.services.providers.setSecret(ctx.caller, input),
    removeProviderSecret: (_p, { input }, ctx) => ctx.services.providers.removeSecret(ctx.caller, input.provider),
  },
  FlowRequest: {
    __resolveReference: (ref, ctx) => (ctx.auth.kind === 'anonymous' ? null : ctx.loaders.requestById.load(ref.id)),
    flow: (r, _a, ctx) => loaded(ctx.loaders.flowById.load(r.flowId), 'flow'),
    version: (r, _a, ctx) => loaded(ctx.loaders.versionById.load(r.versionId), 'flow version'),
    steps: (r, _a, ctx) => ctx.loaders.resultsOfRequest.load(r.id),
    providerCalls: (r, _a, ctx) => ctx.loaders.callsOfRequest.load(r.id),
    files: (r, _a, ctx) => ctx.loaders.filesOfRequest.load(r.id),
  },
  FlowFile: {
    downloadUrl: (f, _a, ctx) => ctx.services.executions.downloadUrl(f, ctx.origin),
  },
};
