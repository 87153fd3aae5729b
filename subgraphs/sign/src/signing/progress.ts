/**
 * Moving a request forward, shared by staff actions, the public signing API and lending's contract
 * consumer: who is invited when (SEQUENTIAL: the lowest unsigned position only; PARALLEL: everyone),
 * and completion: the current documents merged, a certificate-of-completion page appended, sealed
 * (PAdES) and recorded with its SHA-256, then sign.signature.completed.
 */
import crypto from 'node:crypto';
import { PDFDocument } from 'pdf-lib';
import type { Em } from '@imagy/platform/db';
import type { Outbox } from '@imagy/platform/events';
import type { SigningTokens } from '../common/token';
import { requestsStore, type SignatureDocument, type SignatureRequest, type Signer } from '../requests/requests.store';
import { appendEvidence } from '../seal/pdf';
import { sha256Hex, type Sealer } from '../seal/sealer';
import type { ActionMeta, Trail } from '../trail/trail.service';
import { trailStore } from '../trail/trail.store';
import type { Notifier, SigningChannel } from './notifier';

export interface ProgressSettings {
  /** Signing links are `<signingBaseUrl>/<token>` (the portal's signing page). */
  signingBaseUrl: string;
}

/** Signers who sign (viewers only look). */
export const signsRole = (s: Signer) => s.role !== 'VIEWER';

/** The latest version of each document position (ORIGINAL, or the newest COPY under SEQUENTIAL_COPIES). */
export function currentDocuments(docs: SignatureDocument[]): SignatureDocument[] {
  const byPosition = new Map<number, SignatureDocument>();
  for (const d of docs) if (d.kind !== 'SEALED') byPosition.set(d.position, d);
  return [...byPosition.values()].sort((a, b) => a.position - b.position);
}

/** The signer whose turn it is in a SEQUENTIAL request (null when every signing signer has signed). */
export function currentSigner(signers: Signer[]): Signer | null {
  return signers.filter(signsRole).sort((a, b) => a.position - b.position).find((s) => s.status !== 'SIGNED') ?? null;
}

export const channelOf = (s: Signer): { channel: SigningChannel; destination: string } =>
  (s.email ? { channel: 'EMAIL', destination: s.email } : { channel: 'SMS', destination: s.phone! });

const mask = (s: Signer): string => {
  if (s.email) { const [user, domain] = s.email.split('@'); return `${user!.slice(0, 1)}***@${domain}`; }
  return `${s.phone!.slice(0, 5)}****${s.phone!.slice(-4)}`;
};

const INVITATION = {
  es: { subject: (t: string) => `Solicitud de firma: ${t}`, body: (n: string, t: string, url: string, until: string) => `Hola ${n}, se le pide firmar "${t}". Revise y firme aquí: ${url} (válido hasta ${until}).` },
  en: { subject: (t: string) => `Signature request: ${t}`, body: (n: string, t: string, url: string, until: string) => `Hello ${n}, you are asked to sign "${t}". Review and sign here: ${url} (valid until ${until}).` },
};

const CERTIFICATE = {
  es: { heading: 'Certificado de finalización', request: 'Solicitud', documents: 'Documentos (SHA-256 original)', signers: 'Firmantes', seal: 'Sello', trail: 'Último hash de la bitácora' },
  en: { heading: 'Certificate of completion', request: 'Request', documents: 'Documents (original SHA-256)', signers: 'Signers', seal: 'Seal', trail: 'Last trail hash' },
};

export class Progress {
  constructor(
    private readonly outbox: Outbox,
    private readonly trail: Trail,
    private readonly notifier: Notifier,
    private readonly tokens: SigningTokens,
    private readonly sealer: Sealer,
    private readonly settings: ProgressSettings,
  ) {}

  signingUrl(tenantId: string, signer: Signer): string {
    return `${this.settings.signingBaseUrl}/${this.tokens.issue({ tenantId, signerId: signer.id, generation: signer.tokenGeneration })}`;
  }

  /** Invites (once) every signer whose turn it is: viewers and, by order, the signers who sign now (an external provider invites its own). */
  async inviteDue(em: Em, request: SignatureRequest, meta: ActionMeta): Promise<void> {
    if (request.provider !== 'BUILT_IN') return;
    const signers = await requestsStore.signersOf(em, [request.id]);
    const due = signers.filter((s) => s.status === 'WAITING' && this.isDue(request, signers, s));
    for (const s of due) await this.invite(em, request, s, meta, false);
  }

  /** Whether it is this signer's turn to be invited (viewers, PARALLEL, or the current SEQUENTIAL signer). */
  isDue(request: SignatureRequest, signers: Signer[], signer: Signer): boolean {
    return !signsRole(signer) || request.signingOrder === 'PARALLEL' || currentSigner(signers)?.id === signer.id;
  }

  /** Sends the signer their link (a resend first makes the earlier link worthless: a new token generation). */
  async invite(em: Em, request: SignatureRequest, signer: Signer, meta: ActionMeta, resend: boolean): Promise<void> {
    const generation = resend ? await requestsStore.nextGeneration(em, signer.id) : signer.tokenGeneration;
    const s = { ...signer, tokenGeneration: generation };
    const text = INVITATION[request.locale === 'en' ? 'en' : 'es'];
    const { channel, destination } = channelOf(s);
    await this.notifier.send(meta, {
      channel, recipient: destination, subject: channel === 'EMAIL' ? text.subject(request.title) : null,
      body: text.body(s.name, request.title, this.signingUrl(request.tenantId, s), request.expiresAt.slice(0, 10)),
      locale: request.locale, idempotencyKey: `sign:${s.id}:invite:${generation}`, recipientUserId: s.userId, signerName: s.name,
    });
    await requestsStore.invite(em, s.id);
    await this.trail.record(em, meta, request.id, 'INVITED', s.id, { channel, destination: mask(s), ...(resend ? { resent: true, generation } : {}) });
  }

  /** A signature (built-in or reported by a provider): recorded on the signer, in the trail and as sign.signer.signed, then the request moves on. */
  async recordSigned(em: Em, request: SignatureRequest, signer: Signer, meta: ActionMeta, evidence: { geolocation: string | null; signedSha256: string; data: Record<string, unknown> }): Promise<void> {
    await requestsStore.markSigned(em, signer.id, { ip: meta.ip, userAgent: meta.userAgent?.slice(0, 400) ?? null, geolocation: evidence.geolocation, signedSha256: evidence.signedSha256 });
    await this.trail.record(em, meta, request.id, 'SIGNED', signer.id, { signedSha256: evidence.signedSha256, geolocation: evidence.geolocation, ...evidence.data });
    await this.outbox.publish(em, 'sign.signer.signed', { signatureRequestId: request.id, externalRef: request.externalRef, signerId: signer.id, order: signer.position },
      { tenantId: request.tenantId, actor: meta.actor, requestId: meta.requestId });
    await this.afterSignature(em, request, meta);
  }

  /** A signer declined (built-in or at a provider): the request ends REJECTED and sign.signature.rejected is published. */
  async recordRejected(em: Em, request: SignatureRequest, signer: Signer, meta: ActionMeta, reason: string, data: Record<string, unknown> = {}): Promise<void> {
    await requestsStore.markRejected(em, signer.id, { ip: meta.ip, userAgent: meta.userAgent?.slice(0, 400) ?? null, reason });
    await requestsStore.setStatus(em, request.id, 'REJECTED');
    await this.trail.record(em, meta, request.id, 'REJECTED', signer.id, { reason, ...data });
    await this.outbox.publish(em, 'sign.signature.rejected', { signatureRequestId: request.id, externalRef: request.externalRef, signerId: signer.id, reason },
      { tenantId: request.tenantId, actor: meta.actor, requestId: meta.requestId });
  }

  /** After a signature: completes the request when every signing signer has signed, else invites whoever is next. */
  private async afterSignature(em: Em, request: SignatureRequest, meta: ActionMeta): Promise<void> {
    const signers = await requestsStore.signersOf(em, [request.id]);
    if (signers.filter(signsRole).every((s) => s.status === 'SIGNED')) return this.complete(em, request, signers, meta);
    await requestsStore.setStatus(em, request.id, 'PARTIALLY_SIGNED');
    await this.inviteDue(em, request, meta);
  }

  private async complete(em: Em, request: SignatureRequest, signers: Signer[], meta: ActionMeta): Promise<void> {
    const all = await requestsStore.documentsOf(em, [request.id]);
    const current = currentDocuments(all);
    const contents = await requestsStore.contents(em, current.map((d) => d.id));
    let merged: Buffer;
    if (current.length === 1) merged = contents.get(current[0]!.id)!;
    else {
      const doc = await PDFDocument.create();
      for (const d of current) {
        const src = await PDFDocument.load(contents.get(d.id)!, { updateMetadata: false });
        for (const page of await doc.copyPages(src, src.getPageIndices())) doc.addPage(page);
      }
      merged = Buffer.from(await doc.save());
    }
    const trail = await trailStore.of(em, [request.id]);
    const c = CERTIFICATE[request.locale === 'en' ? 'en' : 'es'];
    const completedAt = new Date();
    const lines = [
      `${c.request}: ${request.title} (${request.id})`,
      `${request.createdAt} -> ${completedAt.toISOString()}`,
      `${c.documents}:`,
      ...all.filter((d) => d.kind === 'ORIGINAL').map((d) => `  ${d.name}: ${d.sha256}`),
      `${c.signers}:`,
      ...signers.map((s) => `  ${s.position}. ${s.name} <${mask(s)}> ${s.role} ${s.status} ${s.signedAt ?? ''} IP ${s.ip ?? '-'} ${s.geolocation ? `geo ${s.geolocation}` : ''}`.trimEnd()),
      ...signers.filter((s) => s.signedSha256).map((s) => `     ${s.position}. SHA-256: ${s.signedSha256}`),
      ...signers.filter((s) => s.userAgent).map((s) => `     ${s.position}. ${s.userAgent!.slice(0, 160)}`),
      ...(request.provider !== 'BUILT_IN' ? [`Provider: ${request.provider} ${request.providerRef ?? ''}`.trimEnd()] : []),
      `${c.seal}: ${this.sealer.identity.commonName} (SHA-256 ${this.sealer.identity.fingerprint})`,
      `${c.trail}: ${trail.at(-1)?.hash ?? '-'}`,
    ];
    const withCertificate = await appendEvidence(merged, c.heading, lines);
    const sealed = await this.sealer.seal(withCertificate, `${c.heading}: ${request.title}`.slice(0, 200), completedAt);
    const sha256 = sha256Hex(sealed);
    const id = crypto.randomUUID();
    await requestsStore.insertDocument(em, { id, tenantId: request.tenantId, requestId: request.id, kind: 'SEALED', position: 0, signerId: null, name: `${request.title.slice(0, 100)}.pdf`, sha256, content: sealed });
    await requestsStore.setStatus(em, request.id, 'COMPLETED', { completed: true, sealedDocumentId: id });
    await this.trail.record(em, meta, request.id, 'COMPLETED', null, { sealedSha256: sha256 });
    await this.outbox.publish(em, 'sign.signature.completed', { signatureRequestId: request.id, externalRef: request.externalRef, documentSha256: sha256, completedAt: completedAt.toISOString() },
      { tenantId: request.tenantId, actor: meta.actor, requestId: meta.requestId });
  }
}
