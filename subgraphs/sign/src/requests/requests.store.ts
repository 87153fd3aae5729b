/** All SQL of requests, documents and signers: typed rows in, domain objects out. Runs in the caller's tenant transaction (RLS). */
import { iso, jsonParam, likeEscape, UUID_ARRAY_PARAM, type Em } from '@imagy/platform/db';

export type RequestStatus = 'DRAFT' | 'SENT' | 'PARTIALLY_SIGNED' | 'COMPLETED' | 'REJECTED' | 'CANCELLED' | 'EXPIRED';
export type SigningOrder = 'SEQUENTIAL' | 'PARALLEL';
export type Strategy = 'EVIDENCE_PACKAGE' | 'SEQUENTIAL_COPIES';
export type SignerRole = 'SIGNER' | 'APPROVER' | 'VIEWER';
export type SignerStatus = 'WAITING' | 'INVITED' | 'SIGNED' | 'REJECTED';
export type DocumentKind = 'ORIGINAL' | 'COPY' | 'SEALED';
export type ProviderKind = 'BUILT_IN' | 'DOCUSEAL';

export const OPEN_STATUSES: RequestStatus[] = ['SENT', 'PARTIALLY_SIGNED'];

export interface SignatureRequest {
  id: string;
  tenantId: string;
  title: string;
  status: RequestStatus;
  signingOrder: SigningOrder;
  strategy: Strategy;
  locale: string;
  externalRef: string | null;
  expiresAt: string;
  createdBy: string | null;
  createdAt: string;
  sentAt: string | null;
  completedAt: string | null;
  sealedDocumentId: string | null;
  /** Who collects the signatures: the built-in OTP signature or an external provider. */
  provider: ProviderKind;
  providerRef: string | null;
  /** expires_at has passed (by the database clock). */
  expired: boolean;
}

export interface SignatureDocument {
  id: string;
  requestId: string;
  kind: DocumentKind;
  position: number;
  signerId: string | null;
  name: string;
  sha256: string;
  sizeBytes: number;
  createdAt: string;
}

export interface Signer {
  id: string;
  requestId: string;
  position: number;
  name: string;
  email: string | null;
  phone: string | null;
  role: SignerRole;
  userId: string | null;
  status: SignerStatus;
  tokenGeneration: number;
  invitedAt: string | null;
  otpChallengeId: string | null;
  signedAt: string | null;
  ip: string | null;
  userAgent: string | null;
  geolocation: string | null;
  signedSha256: string | null;
  rejectReason: string | null;
  providerRef: string | null;
}

export interface RequestFilter {
  status?: RequestStatus | null;
  externalRef?: string | null;
  titleContains?: string | null;
  createdFrom?: string | null;
  createdTo?: string | null;
}

interface RequestRow {
  id: string; tenant_id: string; title: string; status: RequestStatus; signing_order: SigningOrder; strategy: Strategy; locale: string; external_ref: string | null;
  expires_at: string; created_by: string | null; created_at: string; sent_at: string | null; completed_at: string | null; sealed_document_id: string | null; provider: ProviderKind; provider_ref: string | null; expired: boolean;
}
interface DocumentRow { id: string; request_id: string; kind: DocumentKind; position: number; signer_id: string | null; name: string; sha256: string; size_bytes: number; created_at: string }
interface SignerRow {
  id: string; request_id: string; position: number; name: string; email: string | null; phone: string | null; role: SignerRole; user_id: string | null; status: SignerStatus;
  token_generation: number; invited_at: string | null; otp_challenge_id: string | null; signed_at: string | null; ip: string | null; user_agent: string | null;
  geolocation: string | null; signed_sha256: string | null; reject_reason: string | null; provider_ref: string | null;
}

const REQUEST_COLUMNS = `r.id, r.tenant_id, r.title, r.status, r.signing_order, r.strategy, r.locale, r.external_ref, ${iso('r.expires_at')} as expires_at, r.created_by,
  ${iso('r.created_at')} as created_at, ${iso('r.sent_at')} as sent_at, ${iso('r.completed_at')} as completed_at, r.sealed_document_id, r.provider, r.provider_ref, r.expires_at <= clock_timestamp() as expired`;
const DOCUMENT_COLUMNS = `id, request_id, kind, position, signer_id, name, sha256, size_bytes, ${iso('created_at')} as created_at`;
const SIGNER_COLUMNS = `id, request_id, position, name, email, phone, role, user_id, status, token_generation, ${iso('invited_at')} as invited_at, otp_challenge_id,
  ${iso('signed_at')} as signed_at, ip, user_agent, geolocation, signed_sha256, reject_reason, provider_ref`;

const toRequest = (r: RequestRow): SignatureRequest => ({
  id: r.id, tenantId: r.tenant_id, title: r.title, status: r.status, signingOrder: r.signing_order, strategy: r.strategy, locale: r.locale, externalRef: r.external_ref,
  expiresAt: r.expires_at, createdBy: r.created_by, createdAt: r.created_at, sentAt: r.sent_at, completedAt: r.completed_at, sealedDocumentId: r.sealed_document_id, provider: r.provider, providerRef: r.provider_ref, expired: r.expired,
});
const toDocument = (r: DocumentRow): SignatureDocument => ({
  id: r.id, requestId: r.request_id, kind: r.kind, position: r.position, signerId: r.signer_id, name: r.name, sha256: r.sha256, sizeBytes: r.size_bytes, createdAt: r.created_at,
});
const toSigner = (r: SignerRow): Signer => ({
  id: r.id, requestId: r.request_id, position: r.position, name: r.name, email: r.email, phone: r.phone, role: r.role, userId: r.user_id, status: r.status,
  tokenGeneration: r.token_generation, invitedAt: r.invited_at, otpChallengeId: r.otp_challenge_id, signedAt: r.signed_at, ip: r.ip, userAgent: r.user_agent,
  geolocation: r.geolocation, signedSha256: r.signed_sha256, rejectReason: r.reject_reason, providerRef: r.provider_ref,
});

export const requestsStore = {
  async insert(em: Em, r: { id: string; tenantId: string; title: string; signingOrder: SigningOrder; strategy: Strategy; locale: string; externalRef: string | null; expiresInDays: number; createdBy: string | null; provider: ProviderKind }): Promise<void> {
    await em.execute(`insert into requests (id, tenant_id, title, status, signing_order, strategy, locale, external_ref, expires_at, created_by, provider)
      values (?, ?, ?, 'DRAFT', ?, ?, ?, ?, clock_timestamp() + make_interval(days => ?), ?, ?)`,
    [r.id, r.tenantId, r.title, r.signingOrder, r.strategy, r.locale, r.externalRef, r.expiresInDays, r.createdBy, r.provider]);
  },

  async setProviderRefs(em: Em, requestId: string, providerRef: string, signers: Array<{ signerId: string; providerRef: string }>): Promise<void> {
    await em.execute('update requests set provider_ref = ? where id = ?', [providerRef, requestId]);
    for (const s of signers) await em.execute(`update signers set provider_ref = ?, status = 'INVITED', invited_at = clock_timestamp() where id = ? and request_id = ?`, [s.providerRef, s.signerId, requestId]);
  },

  /** Records a provider callback; false when it was already applied. */
  async firstDelivery(em: Em, tenantId: string, provider: ProviderKind, eventKey: string): Promise<boolean> {
    const rows = await em.execute<{ event_key: string }[]>(`insert into provider_events (tenant_id, provider, event_key) values (?, ?, ?) on conflict do nothing returning event_key`, [tenantId, provider, eventKey]);
    return rows.length === 1;
  },

  async insertDocument(em: Em, d: { id: string; tenantId: string; requestId: string; kind: DocumentKind; position: number; signerId: string | null; name: string; sha256: string; content: Buffer }): Promise<void> {
    await em.execute(`insert into documents (id, tenant_id, request_id, kind, position, signer_id, name, sha256, size_bytes, content) values (?, ?, ?, ?, ?, ?, ?, ?, ?, decode(?, 'base64'))`,
      [d.id, d.tenantId, d.requestId, d.kind, d.position, d.signerId, d.name, d.sha256, d.content.length, d.content.toString('base64')]);
  },

  async insertSigner(em: Em, s: { id: string; tenantId: string; requestId: string; position: number; name: string; email: string | null; phone: string | null; role: SignerRole; userId: string | null }): Promise<void> {
    await em.execute(`insert into signers (id, tenant_id, request_id, position, name, email, phone, role, user_id, status) values (?, ?, ?, ?, ?, ?, ?, ?, ?, 'WAITING')`,
      [s.id, s.tenantId, s.requestId, s.position, s.name, s.email, s.phone, s.role, s.userId]);
  },

  async byId(em: Em, id: string, lock = false): Promise<SignatureRequest | null> {
    const rows = await em.execute<RequestRow[]>(`select ${REQUEST_COLUMNS} from requests r where r.id = ?${lock ? ' for update' : ''}`, [id]);
    return rows[0] ? toRequest(rows[0]) : null;
  },

  async byIds(em: Em, ids: readonly string[]): Promise<SignatureRequest[]> {
    if (ids.length === 0) return [];
    return (await em.execute<RequestRow[]>(`select ${REQUEST_COLUMNS} from requests r where r.id = any(${UUID_ARRAY_PARAM})`, [jsonParam(ids)])).map(toRequest);
  },

  /** Open requests past their expiry, across tenants (run with app.all_tenants on: the expiry sweep only). */
  async dueForExpiry(em: Em, limit: number): Promise<Array<{ tenantId: string; id: string }>> {
    const rows = await em.execute<{ tenant_id: string; id: string }[]>(`select tenant_id, id from requests where status in ('SENT', 'PARTIALLY_SIGNED') and expires_at <= clock_timestamp() order by expires_at limit ?`, [limit]);
    return rows.map((r) => ({ tenantId: r.tenant_id, id: r.id }));
  },

  async byExternalRef(em: Em, externalRef: string): Promise<SignatureRequest | null> {
    const rows = await em.execute<RequestRow[]>(`select ${REQUEST_COLUMNS} from requests r where r.external_ref = ?`, [externalRef]);
    return rows[0] ? toRequest(rows[0]) : null;
  },

  /** Newest first, keyset after (createdAt, id); one row more than the page to tell hasNextPage. */
  async page(em: Em, limit: number, after: { createdAt: string; id: string } | null, f: RequestFilter): Promise<SignatureRequest[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (f.status) { where.push('r.status = ?'); params.push(f.status); }
    if (f.externalRef) { where.push('r.external_ref = ?'); params.push(f.externalRef); }
    if (f.titleContains) { where.push(`r.title ilike ? escape '\\'`); params.push(`%${likeEscape(f.titleContains)}%`); }
    if (f.createdFrom) { where.push('r.created_at >= ?::timestamptz'); params.push(f.createdFrom); }
    if (f.createdTo) { where.push('r.created_at < ?::timestamptz'); params.push(f.createdTo); }
    if (after) { where.push('(r.created_at, r.id) < (?::timestamptz, ?::uuid)'); params.push(after.createdAt, after.id); }
    const sql = `select ${REQUEST_COLUMNS} from requests r ${where.length ? `where ${where.join(' and ')}` : ''} order by r.created_at desc, r.id desc limit ?`;
    return (await em.execute<RequestRow[]>(sql, [...params, limit + 1])).map(toRequest);
  },

  /** Requests where the user is a signer, newest first. */
  async ofUser(em: Em, userId: string, limit: number): Promise<SignatureRequest[]> {
    return (await em.execute<RequestRow[]>(`select ${REQUEST_COLUMNS} from requests r where r.id in (select s.request_id from signers s where s.user_id = ?)
      and r.status <> 'DRAFT' order by r.created_at desc, r.id desc limit ?`, [userId, limit])).map(toRequest);
  },

  async setStatus(em: Em, id: string, status: RequestStatus, extra: { sent?: boolean; completed?: boolean; cancelReason?: string; sealedDocumentId?: string } = {}): Promise<void> {
    await em.execute(`update requests set status = ?, sent_at = case when ? then clock_timestamp() else sent_at end, completed_at = case when ? then clock_timestamp() else completed_at end,
      cancel_reason = coalesce(?, cancel_reason), sealed_document_id = coalesce(?::uuid, sealed_document_id) where id = ?`,
    [status, extra.sent ?? false, extra.completed ?? false, extra.cancelReason ?? null, extra.sealedDocumentId ?? null, id]);
  },

  async documentsOf(em: Em, requestIds: readonly string[]): Promise<SignatureDocument[]> {
    if (requestIds.length === 0) return [];
    return (await em.execute<DocumentRow[]>(`select ${DOCUMENT_COLUMNS} from documents where request_id = any(${UUID_ARRAY_PARAM}) order by created_at, position`, [jsonParam(requestIds)])).map(toDocument);
  },

  async contents(em: Em, documentIds: readonly string[]): Promise<Map<string, Buffer>> {
    if (documentIds.length === 0) return new Map();
    const rows = await em.execute<{ id: string; content: string }[]>(`select id, encode(content, 'base64') as content from documents where id = any(${UUID_ARRAY_PARAM})`, [jsonParam(documentIds)]);
    return new Map(rows.map((r) => [r.id, Buffer.from(r.content, 'base64')]));
  },

  async sealedBySha256(em: Em, sha256: string): Promise<SignatureDocument | null> {
    const rows = await em.execute<DocumentRow[]>(`select ${DOCUMENT_COLUMNS} from documents where sha256 = ? and kind = 'SEALED' limit 1`, [sha256]);
    return rows[0] ? toDocument(rows[0]) : null;
  },

  async signersOf(em: Em, requestIds: readonly string[]): Promise<Signer[]> {
    if (requestIds.length === 0) return [];
    return (await em.execute<SignerRow[]>(`select ${SIGNER_COLUMNS} from signers where request_id = any(${UUID_ARRAY_PARAM}) order by request_id, position`, [jsonParam(requestIds)])).map(toSigner);
  },

  async signerById(em: Em, id: string): Promise<Signer | null> {
    const rows = await em.execute<SignerRow[]>(`select ${SIGNER_COLUMNS} from signers where id = ?`, [id]);
    return rows[0] ? toSigner(rows[0]) : null;
  },

  async invite(em: Em, signerId: string): Promise<void> {
    await em.execute(`update signers set status = 'INVITED', invited_at = clock_timestamp() where id = ?`, [signerId]);
  },

  /** A new token generation: every earlier link of the signer stops working, and their pending code too. */
  async nextGeneration(em: Em, signerId: string): Promise<number> {
    const rows = await em.execute<{ token_generation: number }[]>('update signers set token_generation = token_generation + 1, otp_challenge_id = null where id = ? returning token_generation', [signerId]);
    return rows[0]!.token_generation;
  },

  async setChallenge(em: Em, signerId: string, challengeId: string | null): Promise<void> {
    await em.execute('update signers set otp_challenge_id = ? where id = ?', [challengeId, signerId]);
  },

  async markSigned(em: Em, signerId: string, s: { ip: string | null; userAgent: string | null; geolocation: string | null; signedSha256: string }): Promise<void> {
    await em.execute(`update signers set status = 'SIGNED', signed_at = clock_timestamp(), ip = ?, user_agent = ?, geolocation = ?, signed_sha256 = ?, otp_challenge_id = null where id = ?`,
      [s.ip, s.userAgent, s.geolocation, s.signedSha256, signerId]);
  },

  async markRejected(em: Em, signerId: string, s: { ip: string | null; userAgent: string | null; reason: string }): Promise<void> {
    await em.execute(`update signers set status = 'REJECTED', signed_at = clock_timestamp(), ip = ?, user_agent = ?, reject_reason = ?, otp_challenge_id = null where id = ?`,
      [s.ip, s.userAgent, s.reason, signerId]);
  },

};
