/**
 * The public signing API, reached with a signing token (common/token.ts) and no login: the session
 * (request, documents, whether it is this signer's turn), a one-time code sent by notifications,
 * signing with that code plus explicit acceptance, and rejecting with a reason. IP, user agent, time
 * and an optional geolocation are captured with each signature; every action joins the trail.
 */
import crypto from 'node:crypto';
import type { RevocationView } from '@imagy/platform/auth';
import { inTenantTx, type Em, type Orm } from '@imagy/platform/db';
import { payload } from '@imagy/platform/graphql';
import { actorOf, type Caller } from '@imagy/platform/server';
import type { SignDocumentInput } from '../__generated__/graphql';
import type { SigningTokens } from '../common/token';
import { reject } from '../i18n/messages';
import type { DocumentView } from '../requests/requests.service';
import { OPEN_STATUSES, requestsStore, type RequestStatus, type SignatureRequest, type Signer, type SignerStatus } from '../requests/requests.store';
import { plainLine } from '../requests/validate';
import { appendEvidence } from '../seal/pdf';
import { sha256Hex } from '../seal/sealer';
import type { ActionMeta, Trail } from '../trail/trail.service';
import type { Notifier } from './notifier';
import { channelOf, currentDocuments, currentSigner, signsRole, type Progress } from './progress';

export interface SigningSessionView {
  title: string;
  requestStatus: RequestStatus;
  signerName: string;
  signerStatus: SignerStatus;
  order: number;
  canSign: boolean;
  expiresAt: string;
  documents: DocumentView[];
}

const GEO = /^(-?\d{1,2}(\.\d{1,8})?),\s*(-?\d{1,3}(\.\d{1,8})?)$/;

interface Opened { request: SignatureRequest; signer: Signer; signers: Signer[] }

export class SigningService {
  constructor(
    private readonly orm: Orm,
    private readonly tokens: SigningTokens,
    private readonly notifier: Notifier,
    private readonly trail: Trail,
    private readonly progress: Progress,
    private readonly revocations: Pick<RevocationView, 'check'>,
  ) {}

  /**
   * Opens what a token names, in its tenant's transaction with the request locked. Forged, altered
   * or superseded tokens reject TOKEN_INVALID; an open request past its expiry is marked EXPIRED
   * (committed) and answered TOKEN_EXPIRED.
   */
  private async withToken<T>(caller: Caller, token: string, work: (em: Em, opened: Opened, meta: ActionMeta) => Promise<T>): Promise<T> {
    const claims = this.tokens.read(token);
    if (!claims) return reject('TOKEN_INVALID', { field: 'token' });
    // A suspended tenant's links open nothing, as its users' bearer tokens do not.
    if (this.revocations.check({ tenantId: claims.tenantId, userId: null }) === 'TENANT_SUSPENDED') reject('TENANT_SUSPENDED', { field: 'token' });
    const meta: ActionMeta = { tenantId: claims.tenantId, actor: actorOf(caller), requestId: caller.requestId, ip: caller.ip, userAgent: caller.userAgent };
    const outcome = await inTenantTx(this.orm, { tenantId: claims.tenantId }, async (em) => {
      const signer = await requestsStore.signerById(em, claims.signerId);
      if (!signer || signer.tokenGeneration !== claims.generation) return reject('TOKEN_INVALID', { field: 'token' });
      const request = (await requestsStore.byId(em, signer.requestId, true))!;
      if (request.status === 'DRAFT') reject('TOKEN_INVALID', { field: 'token' });
      if (request.status === 'EXPIRED') return { expired: true as const };
      if (request.expired && OPEN_STATUSES.includes(request.status)) {
        await requestsStore.setStatus(em, request.id, 'EXPIRED');
        await this.trail.record(em, meta, request.id, 'EXPIRED', null);
        return { expired: true as const };
      }
      const signers = await requestsStore.signersOf(em, [request.id]);
      return { expired: false as const, value: await work(em, { request, signer: signers.find((s) => s.id === signer.id)!, signers }, meta) };
    });
    if (outcome.expired) return reject('TOKEN_EXPIRED', { field: 'token' });
    return outcome.value;
  }

  private canSign({ request, signer, signers }: Opened): boolean {
    return OPEN_STATUSES.includes(request.status) && request.provider === 'BUILT_IN' && signsRole(signer) && signer.status !== 'SIGNED' && signer.status !== 'REJECTED'
      && (request.signingOrder === 'PARALLEL' || currentSigner(signers)?.id === signer.id);
  }

  /** Rejects with the reason this signer may not sign now. */
  private mustSign(opened: Opened): void {
    const { request, signer, signers } = opened;
    if (!OPEN_STATUSES.includes(request.status)) reject('REQUEST_NOT_OPEN', { field: 'token', params: { status: request.status } });
    if (request.provider !== 'BUILT_IN') reject('SIGNED_AT_PROVIDER', { field: 'token' });
    if (!signsRole(signer)) reject('SIGNER_CANNOT_SIGN', { field: 'token' });
    if (signer.status === 'SIGNED' || signer.status === 'REJECTED') reject('ALREADY_SIGNED', { field: 'token' });
    if (request.signingOrder === 'SEQUENTIAL' && currentSigner(signers)?.id !== signer.id) reject('SIGNER_NOT_CURRENT', { field: 'token' });
  }

  private async view(em: Em, opened: Opened): Promise<SigningSessionView> {
    const { request, signer } = opened;
    const docs = await requestsStore.documentsOf(em, [request.id]);
    const shown = request.status === 'COMPLETED' ? docs.filter((d) => d.id === request.sealedDocumentId) : currentDocuments(docs);
    return {
      title: request.title, requestStatus: request.status, signerName: signer.name, signerStatus: signer.status, order: signer.position,
      canSign: this.canSign(opened), expiresAt: request.expiresAt, documents: shown.map((doc) => ({ doc, tenantId: request.tenantId })),
    };
  }

  session(caller: Caller, token: string) {
    return payload(() => this.withToken(caller, token, async (em, opened) => ({ session: await this.view(em, opened) })), { session: null });
  }

  requestCode(caller: Caller, token: string) {
    return payload(() => this.withToken(caller, token, async (em, opened, meta) => {
      this.mustSign(opened);
      const { request, signer } = opened;
      const { channel, destination } = channelOf(signer);
      const sent = await this.notifier.requestCode(meta, { channel, destination, locale: request.locale, recipientUserId: signer.userId, ip: caller.ip });
      await requestsStore.setChallenge(em, signer.id, sent.challengeId);
      await this.trail.record(em, meta, request.id, 'CODE_SENT', signer.id, { channel, destination: sent.destinationMasked });
      return { destinationMasked: sent.destinationMasked, expiresAt: sent.expiresAt };
    }), { destinationMasked: null, expiresAt: null });
  }

  sign(caller: Caller, input: SignDocumentInput) {
    return payload(() => this.withToken(caller, input.token, async (em, opened, meta) => {
      this.mustSign(opened);
      if (input.accept !== true) reject('ACCEPTANCE_REQUIRED', { field: 'accept' });
      const geolocation = input.geolocation?.trim() || null;
      if (geolocation !== null) {
        const m = GEO.exec(geolocation);
        if (!m || Math.abs(Number(m[1])) > 90 || Math.abs(Number(m[3])) > 180) reject('GEOLOCATION_INVALID', { field: 'geolocation' });
      }
      const { request, signer } = opened;
      if (!signer.otpChallengeId) return reject('CODE_NOT_REQUESTED', { field: 'code' });
      await this.notifier.verifyCode(meta, signer.otpChallengeId, input.code, caller.ip);

      const docs = currentDocuments(await requestsStore.documentsOf(em, [request.id]));
      // What this signer saw and signed; under SEQUENTIAL_COPIES their signature also produces the copy the next signer signs.
      const signedSha256 = docs.map((d) => d.sha256).join(',');
      const copies = request.strategy === 'SEQUENTIAL_COPIES' ? await this.copyFor(em, request, signer, docs.map((d) => d.id), new Date().toISOString(), caller.ip) : [];
      await this.progress.recordSigned(em, request, signer, meta, { geolocation, signedSha256, data: { copiesSha256: copies, otp: true, accepted: true } });
      const after = (await requestsStore.byId(em, request.id))!;
      const signers = await requestsStore.signersOf(em, [request.id]);
      return { session: await this.view(em, { request: after, signer: signers.find((s) => s.id === signer.id)!, signers }) };
    }), { session: null });
  }

  /** SEQUENTIAL_COPIES: this signer's copy is the current documents with a page stating the signature; the next signer signs it. */
  private async copyFor(em: Em, request: SignatureRequest, signer: Signer, documentIds: string[], signedAt: string, ip: string | null): Promise<string[]> {
    const contents = await requestsStore.contents(em, documentIds);
    const docs = currentDocuments(await requestsStore.documentsOf(em, [request.id]));
    const hashes: string[] = [];
    for (const d of docs) {
      const stamped = await appendEvidence(contents.get(d.id)!, request.locale === 'en' ? 'Signature' : 'Firma', [
        `${signer.position}. ${signer.name} (${signer.role})`, signedAt, `IP ${ip ?? '-'}`, `SHA-256: ${d.sha256}`,
      ]);
      const bytes = Buffer.from(await stamped.save());
      const sha256 = sha256Hex(bytes);
      await requestsStore.insertDocument(em, { id: crypto.randomUUID(), tenantId: request.tenantId, requestId: request.id, kind: 'COPY', position: d.position, signerId: signer.id, name: d.name, sha256, content: bytes });
      hashes.push(sha256);
    }
    return hashes;
  }

  rejectSignature(caller: Caller, token: string, reasonText: string) {
    return payload(() => this.withToken(caller, token, async (em, opened, meta) => {
      const { request, signer } = opened;
      if (!OPEN_STATUSES.includes(request.status)) reject('REQUEST_NOT_OPEN', { field: 'token', params: { status: request.status } });
      if (request.provider !== 'BUILT_IN') reject('SIGNED_AT_PROVIDER', { field: 'token' });
      if (!signsRole(signer)) reject('SIGNER_CANNOT_SIGN', { field: 'token' });
      if (signer.status === 'SIGNED' || signer.status === 'REJECTED') reject('ALREADY_SIGNED', { field: 'token' });
      const reason = plainLine(reasonText, 500);
      if (!reason) return reject('REASON_INVALID', { field: 'reason' });
      await this.progress.recordRejected(em, request, signer, meta, reason);
      const after = (await requestsStore.byId(em, request.id))!;
      const signers = await requestsStore.signersOf(em, [request.id]);
      return { session: await this.view(em, { request: after, signer: signers.find((s) => s.id === signer.id)!, signers }) };
    }), { session: null });
  }
}
