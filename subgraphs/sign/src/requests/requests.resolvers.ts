/** Thin resolvers of the staff and portal side: arguments in, service or loader out. */
import { requireUser } from '@imagy/platform/server';
import type { Resolvers } from '../__generated__/graphql';
import { currentDocuments } from '../signing/progress';

export const requestResolvers: Resolvers = {
  Query: {
    signatureRequests: (_parent, args, ctx) => ctx.services.requests.list(ctx.auth, args),
    signatureRequest: (_parent, { id }, ctx) => {
      requireUser(ctx.auth);
      return ctx.loaders.requestById.load(id);
    },
    verifySignedDocument: (_parent, args, ctx) => ctx.services.requests.verify(ctx.auth, args),
  },
  Mutation: {
    createSignatureRequest: (_parent, { input }, ctx) => ctx.services.requests.create(ctx.caller, input),
    sendSignatureRequest: (_parent, { input }, ctx) => ctx.services.requests.send(ctx.caller, input.id),
    cancelSignatureRequest: (_parent, { input }, ctx) => ctx.services.requests.cancel(ctx.caller, input),
    resendSigningInvitation: (_parent, { input }, ctx) => ctx.services.requests.resendInvitation(ctx.caller, input.signerId),
  },
  SignatureRequest: {
    __resolveReference: (ref, ctx) => (ctx.auth.kind === 'anonymous' ? null : ctx.loaders.requestById.load(ref.id)),
    documents: async (r, _args, ctx) => currentDocuments(await ctx.loaders.documentsByRequest.load(r.id)).map((doc) => ({ doc, tenantId: r.tenantId })),
    sealedDocument: async (r, _args, ctx) => {
      const doc = (await ctx.loaders.documentsByRequest.load(r.id)).find((d) => d.id === r.sealedDocumentId);
      return doc ? { doc, tenantId: r.tenantId } : null;
    },
    signers: (r, _args, ctx) => ctx.loaders.signersByRequest.load(r.id),
    trail: async (r, _args, ctx) => (ctx.services.requests.isStaff(ctx.auth) ? ctx.loaders.trailByRequest.load(r.id) : []),
    trailVerified: async (r, _args, ctx) => ctx.services.requests.trailVerified(await ctx.loaders.trailByRequest.load(r.id)),
  },
  SignatureDocument: {
    id: (d) => d.doc.id,
    name: (d) => d.doc.name,
    sha256: (d) => d.doc.sha256,
    sizeBytes: (d) => d.doc.sizeBytes,
    sealed: (d) => d.doc.kind === 'SEALED',
    contentBase64: async (d, _args, ctx) => (await ctx.loaders.content.load(`${d.tenantId}:${d.doc.id}`))?.toString('base64') ?? '',
  },
  Signer: {
    order: (s) => s.position,
    signingUrl: async (s, _args, ctx) => {
      const request = await ctx.loaders.requestById.load(s.requestId);
      return request ? ctx.services.requests.signingUrl(ctx.auth, s, request) : null;
    },
  },
  User: {
    __resolveReference: (ref) => ({ id: ref.id }),
    signatureRequests: (u, args, ctx) => ctx.services.requests.ofUser(ctx.auth, u.id, args.first),
  },
};
