/** Thin resolvers of pipeline configuration, legal documents and the public landing. */
import type { Resolvers } from '../__generated__/graphql';
import { toJson as json } from '../common/json';


export const pipelineResolvers: Resolvers = {
  Query: {
    originationLanding: (_p, { productCode, tenantSlug, host }, ctx) => ctx.services.pipeline.landing(productCode, { tenantSlug, host }),
    originationLandings: (_p, { tenantSlug, host }, ctx) => ctx.services.pipeline.landings({ tenantSlug, host }),
    legalDocuments: (_p, { code }, ctx) => ctx.services.pipeline.legalDocuments(ctx.auth, code),
  },
  Mutation: {
    updateDraftPipeline: (_p, { input }, ctx) => ctx.services.pipeline.updateDraft(ctx.caller, input),
    publishLegalDocument: (_p, { input }, ctx) => ctx.services.pipeline.publishLegalDocument(ctx.caller, input),
  },
  ProductVersion: {
    pipeline: (v, _a, ctx) => ctx.loaders.pipelineByVersionId.load(v.id),
  },
  PipelineStep: {
    config: (s) => json(s.config),
  },
  OriginationLanding: {
    blocks: (l) => json(l.blocks),
  },
};
