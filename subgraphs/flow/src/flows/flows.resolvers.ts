/** Thin resolvers of flow definitions: arguments in, service or loader out. */
import { requireRole } from '@imagy/platform/server';
import type { Resolvers } from '../__generated__/graphql';
import { FLOW_READERS } from '../common/roles';

export const flowResolvers: Resolvers = {
  Query: {
    flows: (_p, args, ctx) => ctx.services.flows.list(ctx.auth, args),
    flow: (_p, { id }, ctx) => {
      requireRole(ctx.auth, ...FLOW_READERS);
      return ctx.loaders.flowById.load(id);
    },
    flowByCode: (_p, { code }, ctx) => ctx.services.flows.byCode(ctx.auth, code),
  },
  Mutation: {
    createFlow: (_p, { input }, ctx) => ctx.services.flows.createFlow(ctx.caller, input),
    assignFlow: (_p, { input }, ctx) => ctx.services.flows.assignFlow(ctx.caller, input),
    createFlowDraft: (_p, { input }, ctx) => ctx.services.flows.createDraft(ctx.caller, input.flowId),
    updateFlowDraft: (_p, { input }, ctx) => ctx.services.flows.updateDraft(ctx.caller, input),
    discardFlowDraft: (_p, { input }, ctx) => ctx.services.flows.discardDraft(ctx.caller, input.versionId),
    publishFlowVersion: (_p, { input }, ctx) => ctx.services.flows.publish(ctx.caller, input.versionId),
    archiveFlowVersion: (_p, { input }, ctx) => ctx.services.flows.archive(ctx.caller, input.versionId),
    addFlowStep: (_p, { input }, ctx) => ctx.services.flows.addStep(ctx.caller, input),
    updateFlowStep: (_p, { input }, ctx) => ctx.services.flows.updateStep(ctx.caller, input),
    removeFlowStep: (_p, { input }, ctx) => ctx.services.flows.removeStep(ctx.caller, input.stepId),
    reorderFlowSteps: (_p, { input }, ctx) => ctx.services.flows.reorderSteps(ctx.caller, input),
    addFlowRule: (_p, { input }, ctx) => ctx.services.flows.addRule(ctx.caller, input),
    updateFlowRule: (_p, { input }, ctx) => ctx.services.flows.updateRule(ctx.caller, input),
    removeFlowRule: (_p, { input }, ctx) => ctx.services.flows.removeRule(ctx.caller, input.ruleId),
  },
  Flow: {
    __resolveReference: (ref, ctx) => (ctx.auth.kind === 'anonymous' ? null : ctx.loaders.flowById.load(ref.id)),
    versions: (flow, _a, ctx) => ctx.loaders.versionsOfFlow.load(flow.id),
    publishedVersion: async (flow, _a, ctx) => (await ctx.loaders.versionsOfFlow.load(flow.id)).find((v) => v.status === 'PUBLISHED') ?? null,
    draftVersion: async (flow, _a, ctx) => (await ctx.loaders.versionsOfFlow.load(flow.id)).find((v) => v.status === 'DRAFT') ?? null,
  },
  FlowVersion: {
    steps: (v, _a, ctx) => ctx.loaders.stepsOfVersion.load(v.id),
    rules: (v, _a, ctx) => ctx.loaders.rulesOfVersion.load(v.id),
  },
};
