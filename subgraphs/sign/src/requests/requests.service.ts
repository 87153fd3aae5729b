/**
 * Staff side of signature requests: create (DRAFT, documents checked as PDF and hashed), send,
 * cancel, list with filters, verify a sealed document. Every change is one tenant transaction that
 * also appends to the request's trail. Never builds SQL (requests.store.ts does).
 */
import crypto from 'node:crypto';
import type { AuthContext } from '@imagy/platform/auth';
import { inTenantTx, isUuid, type Em, type Orm } from '@imagy/platform/db';
import { payload } from '@imagy/platform/graphql';
import { actorOf, decodeCursor, pageSize, requireRole, toConnection, BadInputError, SYSTEM_ACTOR, type Caller, type Connection } from '@imagy/platform/server';
import type { CancelSignatureRequestInput, CreateSignatureRequestInput, SignatureRequestFilter } from '../__generated__/graphql';
import { STAFF } from '../common/roles';
import { reject, userError } from '../i18n/messages';
import { ProviderError, type SignatureProvider } from '../providers/provider';
import { sha256Hex } from '../seal/sealer';
import type { Progress } from '../signing/progress';
import type { ActionMeta, Trail, TrailEntry } from '../trail/trail.service';
import { trailStore } from '../trail/trail.store';
import { requestsStore, OPEN_STATUSES, type SignatureDocument, type SignatureRequest, type Signer } from './requests.store';
import { cleanRequest, plainLine, type CleanRequest } from './validate';

export type { SignatureRequest, Signer };

/** A document as GraphQL shows it: its content is loaded on demand, in the tenant it was authorised for. */
export interface DocumentView { doc: SignatureDocument; tenantId: string }

export interface Verification { valid: boolean; sha256: string | null; signatureRequest: SignatureRequest | null }

const SHA256 = /^[0-9a-f]{64}$/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const isStaff = (auth: AuthContext) => STAFF.some((r) => auth.roles.includes(r));

export const metaOf = (caller: Caller, tenantId: string): ActionMeta => ({ tenantId, actor: actorOf(caller), requestId: caller.requestId, ip: caller.ip, userAgent: caller.userAgent });

export class RequestsService {
  constructor(private readonly orm: Orm, private readonly trail: Trail, private readonly progress: Progress, private readonly providers: SignatureProvider[] = []) {}

  async create(caller: Caller, input: CreateSignatureRequestInput) {
    const auth = requireRole(caller.auth, ...STAFF);
    return payload(async () => {
      const clean = await cleanRequest(input, this.providers.map((p) => p.kind));
      return inTenantTx(this.orm, { tenantId: auth.tenantId }, async (em) => ({ signatureRequest: await this.createIn(em, clean, metaOf(caller, auth.tenantId), auth.userId) }));
    }, { signatureRequest: null }, { onUniqueViolation: () => userError('EXTERNAL_REF_TAKEN', { field: 'externalRef' }) });
  }

  /** Writes a DRAFT request with its documents and signers (input already clean) inside an open tenant transaction. */
  async createIn(em: Em, clean: CleanRequest, meta: ActionMeta, createdBy: string | null): Promise<SignatureRequest> {
    if (clean.externalRef && (await requestsStore.byExternalRef(em, clean.externalRef))) reject('EXTERNAL_REF_TAKEN', { field: 'externalRef' });
    const id = crypto.randomUUID();
    await requestsStore.insert(em, { id, tenantId: meta.tenantId, title: clean.title, signingOrder: clean.signingOrder, strategy: clean.strategy, locale: clean.locale, externalRef: clean.externalRef, expiresInDays: clean.expiresInDays, createdBy, provider: clean.provider });
    const documents: Array<{ name: string; sha256: string }> = [];
    for (const [position, d] of clean.documents.entries()) {
      const sha256 = sha256Hex(d.content);
      await requestsStore.insertDocument(em, { id: crypto.randomUUID(), tenantId: meta.tenantId, requestId: id, kind: 'ORIGINAL', position: position + 1, signerId: null, name: d.name, sha256, content: d.content });
      documents.push({ name: d.name, sha256 });
    }
    for (const [position, s] of clean.signers.entries()) {
      await requestsStore.insertSigner(em, { id: crypto.randomUUID(), tenantId: meta.tenantId, requestId: id, position: position + 1, ...s });
    }
    await this.trail.record(em, meta, id, 'CREATED', null, { documents, signers: clean.signers.length, signingOrder: clean.signingOrder, strategy: clean.strategy, provider: clean.provider });
    return (await requestsStore.byId(em, id))!;
  }

  send(caller: Caller, id: string) {
    const auth = requireRole(caller.auth, ...STAFF);
    return payload(() => inTenantTx(this.orm, { tenantId: auth.tenantId }, async (em) => {
      const request = isUuid(id) ? await requestsStore.byId(em, id, true) : null;
      if (!request) return reject('REQUEST_NOT_FOUND', { field: 'id' });
      if (request.status !== 'DRAFT') reject('REQUEST_NOT_DRAFT', { field: 'id', params: { status: request.status } });
      return { signatureRequest: await this.sendIn(em, request, metaOf(caller, auth.tenantId)) };
    }), { signatureRequest: null });
  }

  async sendIn(em: Em, request: SignatureRequest, meta: ActionMeta): Promise<SignatureRequest> {
    await requestsStore.setStatus(em, request.id, 'SENT', { sent: true });
    if (request.provider === 'BUILT_IN') {
      await this.trail.record(em, meta, request.id, 'SENT', null);
      await this.progress.inviteDue(em, request, meta);
    } else {
      const started = await this.startAtProvider(em, request);
      await this.trail.record(em, meta, request.id, 'SENT', null, { provider: request.provider, providerRef: started.providerRef });
    }
    return (await requestsStore.byId(em, request.id))!;
  }

  /** Hands the documents and signing signers to the request's external provider, which invites them itself. */
  private async startAtProvider(em: Em, request: SignatureRequest) {
    const provider = this.providers.find((p) => p.kind === request.provider);
    if (!provider) return reject('PROVIDER_NOT_CONFIGURED', { field: 'id', params: { provider: request.provider } });
    const docs = (await requestsStore.documentsOf(em, [request.id])).filter((d) => d.kind === 'ORIGINAL');
    const contents = await requestsStore.contents(em, docs.map((d) => d.id));
    const signers = (await requestsStore.signersOf(em, [request.id])).filter((s) => s.role !== 'VIEWER');
    try {
      const started = await provider.start({
        tenantId: request.tenantId, requestId: request.id, title: request.title, signingOrder: request.signingOrder, locale: request.locale,
        documents: docs.map((d) => ({ name: d.name, content: contents.get(d.id)! })), signers: signers.map((s) => ({ id: s.id, name: s.name, email: s.email, phone: s.phone })),
      });
      await requestsStore.setProviderRefs(em, request.id, started.providerRef, started.signers);
      return started;
    } catch (e) {
      if (e instanceof ProviderError) return reject('PROVIDER_UNAVAILABLE', { field: 'id' });
      throw e;
    }
  }

  /** Marks open requests past their expiry EXPIRED (trail entry EXPIRED), each in its own tenant transaction; returns how many. */
  async sweepExpired(limit = 500): Promise<number> {
    const due = await inTenantTx(this.orm, { tenantId: null, allTenants: true }, (em) => requestsStore.dueForExpiry(em, limit));
    let expired = 0;
    for (const { tenantId, id } of due) {
      const done = await inTenantTx(this.orm, { tenantId }, async (em) => {
        const request = await requestsStore.byId(em, id, true);
        if (!request || !OPEN_STATUSES.includes(request.status) || !request.expired) return false;
        await requestsStore.setStatus(em, id, 'EXPIRED');
        await this.trail.record(em, { tenantId, actor: SYSTEM_ACTOR, requestId: null, ip: null, userAgent: null }, id, 'EXPIRED', null);
        return true;
      });
      if (done) expired += 1;
    }
    return expired;
  }

  /** Sends a signer a new link (the earlier one stops working): lost e-mail, changed phone, expired code. */
  resendInvitation(caller: Caller, signerId: string) {
    const auth = requireRole(caller.auth, ...STAFF);
    return payload(() => inTenantTx(this.orm, { tenantId: auth.tenantId }, async (em) => {
      const signer = isUuid(signerId) ? await requestsStore.signerById(em, signerId) : null;
      if (!signer) return reject('SIGNER_NOT_FOUND', { field: 'signerId' });
      const request = (await requestsStore.byId(em, signer.requestId, true))!;
      if (!OPEN_STATUSES.includes(request.status) || request.expired) reject('REQUEST_NOT_OPEN', { field: 'signerId', params: { status: request.expired ? 'EXPIRED' : request.status } });
      if (request.provider !== 'BUILT_IN') reject('SIGNED_AT_PROVIDER', { field: 'signerId' });
      if (signer.status === 'SIGNED' || signer.status === 'REJECTED') reject('ALREADY_SIGNED', { field: 'signerId' });
      const signers = await requestsStore.signersOf(em, [request.id]);
      if (!this.progress.isDue(request, signers, signer)) reject('SIGNER_NOT_CURRENT', { field: 'signerId' });
      await this.progress.invite(em, request, signers.find((s) => s.id === signer.id)!, metaOf(caller, auth.tenantId), true);
      return { signatureRequest: (await requestsStore.byId(em, request.id))! };
    }), { signatureRequest: null });
  }

  cancel(caller: Caller, input: CancelSignatureRequestInput) {
    const auth = requireRole(caller.auth, ...STAFF);
    return payload(() => inTenantTx(this.orm, { tenantId: auth.tenantId }, async (em) => {
      const reason = plainLine(input.reason, 500);
      if (!reason) return reject('REASON_INVALID', { field: 'reason' });
      const request = isUuid(input.id) ? await requestsStore.byId(em, input.id, true) : null;
      if (!request) return reject('REQUEST_NOT_FOUND', { field: 'id' });
      if (request.status !== 'DRAFT' && !OPEN_STATUSES.includes(request.status)) reject('REQUEST_NOT_OPEN', { field: 'id', params: { status: request.status } });
      await requestsStore.setStatus(em, request.id, 'CANCELLED', { cancelReason: reason });
      await this.trail.record(em, metaOf(caller, auth.tenantId), request.id, 'CANCELLED', null, { reason });
      return { signatureRequest: (await requestsStore.byId(em, request.id))! };
    }), { signatureRequest: null });
  }

  async list(auth: AuthContext, args: { first?: number | null; after?: string | null; filter?: SignatureRequestFilter | null }): Promise<Connection<SignatureRequest>> {
    const user = requireRole(auth, ...STAFF);
    const limit = pageSize(args.first);
    const after = decodeCursor<{ createdAt: string; id: string }>(args.after);
    const f = args.filter ?? {};
    const titleContains = f.titleContains?.trim() || null;
    if (titleContains !== null && (titleContains.length > 200 || plainLine(titleContains, 200) === null)) throw new BadInputError('filter.titleContains must be plain text of at most 200 characters', 'filter.titleContains');
    if (f.externalRef != null && (f.externalRef.length > 200 || plainLine(f.externalRef, 200) === null)) throw new BadInputError('filter.externalRef must be plain text of at most 200 characters', 'filter.externalRef');
    const rows = await inTenantTx(this.orm, { tenantId: user.tenantId }, (em) => requestsStore.page(em, limit, after, {
      status: f.status, externalRef: f.externalRef, titleContains, createdFrom: f.createdFrom, createdTo: f.createdTo,
    }));
    return toConnection(rows, limit, (r) => ({ createdAt: r.createdAt, id: r.id }));
  }

  /** For the DataLoader: staff see the tenant's requests, other users only those they sign. */
  async byIds(auth: AuthContext, ids: readonly string[]): Promise<(SignatureRequest | null)[]> {
    if (auth.kind === 'anonymous' || !auth.tenantId) return ids.map(() => null);
    const valid = ids.filter(isUuid);
    const { found, signers } = await inTenantTx(this.orm, { tenantId: auth.tenantId }, async (em) => ({ found: await requestsStore.byIds(em, valid), signers: isStaff(auth) ? [] : await requestsStore.signersOf(em, valid) }));
    const visible = found.filter((r) => isStaff(auth) || (r.status !== 'DRAFT' && signers.some((s) => s.requestId === r.id && s.userId === auth.userId)));
    const byId = new Map(visible.map((r) => [r.id, r]));
    return ids.map((id) => byId.get(id) ?? null);
  }

  /** User.signatureRequests: the user themself, or staff of the tenant. */
  async ofUser(auth: AuthContext, userId: string, first: number | null | undefined): Promise<SignatureRequest[]> {
    if (auth.kind === 'anonymous' || !auth.tenantId || !isUuid(userId)) return [];
    if (auth.userId !== userId && !isStaff(auth)) return [];
    return inTenantTx(this.orm, { tenantId: auth.tenantId }, (em) => requestsStore.ofUser(em, userId, pageSize(first)));
  }

  async documentsOf(tenantId: string, requestIds: readonly string[]): Promise<SignatureDocument[][]> {
    const docs = await inTenantTx(this.orm, { tenantId }, (em) => requestsStore.documentsOf(em, requestIds));
    return requestIds.map((id) => docs.filter((d) => d.requestId === id));
  }

  async signersOf(tenantId: string, requestIds: readonly string[]): Promise<Signer[][]> {
    const signers = await inTenantTx(this.orm, { tenantId }, (em) => requestsStore.signersOf(em, requestIds));
    return requestIds.map((id) => signers.filter((s) => s.requestId === id));
  }

  async trailsOf(tenantId: string, requestIds: readonly string[]): Promise<TrailEntry[][]> {
    const entries = await inTenantTx(this.orm, { tenantId }, (em) => trailStore.of(em, requestIds));
    return requestIds.map((id) => entries.filter((e) => e.requestId === id));
  }

  async contents(tenantId: string, documentIds: readonly string[]): Promise<(Buffer | null)[]> {
    const found = await inTenantTx(this.orm, { tenantId }, (em) => requestsStore.contents(em, documentIds));
    return documentIds.map((id) => found.get(id) ?? null);
  }

  /** Whether the caller manages the tenant's requests (the trail, with every signer's address, is theirs to read). */
  isStaff(auth: AuthContext): boolean {
    return isStaff(auth);
  }

  trailVerified(entries: TrailEntry[]): boolean {
    return this.trail.verified(entries);
  }

  /**
   * Staff hand a link over by another means; the signer themself, signed in, gets their own (the
   * portal's embedded signing step): the link is worth no more than their session, since signing
   * still takes the one-time code sent to their verified destination.
   */
  signingUrl(auth: AuthContext, signer: Signer, request: SignatureRequest): string | null {
    const ownLink = auth.kind !== 'anonymous' && auth.userId !== null && signer.userId === auth.userId;
    if ((!isStaff(auth) && !ownLink) || !auth.tenantId || request.provider !== 'BUILT_IN' || signer.status === 'SIGNED' || signer.status === 'REJECTED') return null;
    if (request.status !== 'DRAFT' && !OPEN_STATUSES.includes(request.status)) return null;
    return this.progress.signingUrl(auth.tenantId, signer);
  }

  /** Whether a PDF (base64) or a SHA-256 is the sealed document of a COMPLETED request of the caller's tenant. */
  async verify(auth: AuthContext, args: { contentBase64?: string | null; sha256?: string | null }) {
    const user = requireRole(auth, ...STAFF);
    return payload(async (): Promise<Verification> => {
      const given = [args.contentBase64, args.sha256].filter((v) => v != null);
      if (given.length !== 1) reject('VERIFY_INPUT_REQUIRED', { field: 'contentBase64' });
      let sha256: string;
      if (args.sha256 != null) {
        sha256 = args.sha256.trim().toLowerCase();
        if (!SHA256.test(sha256)) reject('SHA256_INVALID', { field: 'sha256' });
      } else {
        const b64 = args.contentBase64!;
        if (!b64 || b64.length % 4 !== 0 || !BASE64.test(b64)) reject('DOCUMENT_NOT_BASE64', { field: 'contentBase64' });
        sha256 = sha256Hex(Buffer.from(b64, 'base64'));
      }
      return inTenantTx(this.orm, { tenantId: user.tenantId }, async (em) => {
        const doc = await requestsStore.sealedBySha256(em, sha256);
        const request = doc ? await requestsStore.byId(em, doc.requestId) : null;
        const valid = !!request && request.status === 'COMPLETED' && request.sealedDocumentId === doc!.id;
        return { valid, sha256, signatureRequest: valid ? request : null };
      });
    }, { valid: false, sha256: null, signatureRequest: null });
  }
}
