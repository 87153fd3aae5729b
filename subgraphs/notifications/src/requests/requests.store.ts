/** All SQL of the delivery log: requests and their attempts (tenant tables under RLS). */
import crypto from 'node:crypto';
import { iso, jsonParam, UUID_ARRAY_PARAM, type Em } from '@imagy/platform/db';
import type { Keyset } from '../common/cursor';
import type { Attempt } from '../delivery/dispatcher';
import type { Channel } from '../templates/render';

export type RequestStatus = 'QUEUED' | 'SENT' | 'DELIVERED' | 'FAILED' | 'BOUNCED' | 'SUPPRESSED';
export type RequestSource = 'API' | 'RULE' | 'OTP';

export interface NotificationRequest {
  id: string;
  tenantId: string;
  idempotencyKey: string;
  source: RequestSource;
  templateKey: string;
  templateVersion: number | null;
  locale: string | null;
  channel: Channel;
  recipient: string;
  recipientHash: string;
  contentHash: string | null;
  status: RequestStatus;
  provider: string | null;
  providerMessageId: string | null;
  error: string | null;
  createdAt: string;
  updatedAt: string;
  sentAt: string | null;
  deliveredAt: string | null;
  failedAt: string | null;
  /** QUEUED: when the next delivery round is due (or, while one runs, when its lease ends). */
  nextAttemptAt: string | null;
  deliveryRounds: number;
}

export interface AttemptRecord { requestId: string; number: number; provider: string; status: string; providerMessageId: string | null; error: string | null; startedAt: string; finishedAt: string }

interface Row {
  id: string; tenant_id: string; idempotency_key: string; source: RequestSource; template_key: string; template_version: number | null; locale: string | null;
  channel: Channel; recipient_masked: string; recipient_hash: string; content_hash: string | null; status: RequestStatus; provider: string | null;
  provider_message_id: string | null; error: string | null; created_at: string; updated_at: string; sent_at: string | null; delivered_at: string | null; failed_at: string | null;
  next_attempt_at: string | null; delivery_rounds: number;
}
interface AttemptRow { request_id: string; number: number; provider: string; status: string; provider_message_id: string | null; error: string | null; started_at: string; finished_at: string }

const COLUMNS = `id, tenant_id, idempotency_key, source, template_key, template_version, locale, channel, recipient_masked, recipient_hash, content_hash, status, provider, provider_message_id, error,
  ${iso('created_at')} as created_at, ${iso('updated_at')} as updated_at, ${iso('sent_at')} as sent_at, ${iso('delivered_at')} as delivered_at, ${iso('failed_at')} as failed_at,
  ${iso('next_attempt_at')} as next_attempt_at, delivery_rounds`;

const toRequest = (r: Row): NotificationRequest => ({
  id: r.id, tenantId: r.tenant_id, idempotencyKey: r.idempotency_key, source: r.source, templateKey: r.template_key, templateVersion: r.template_version, locale: r.locale,
  channel: r.channel, recipient: r.recipient_masked, recipientHash: r.recipient_hash, contentHash: r.content_hash, status: r.status, provider: r.provider,
  providerMessageId: r.provider_message_id, error: r.error, createdAt: r.created_at, updatedAt: r.updated_at, sentAt: r.sent_at, deliveredAt: r.delivered_at, failedAt: r.failed_at,
  nextAttemptAt: r.next_attempt_at, deliveryRounds: r.delivery_rounds,
});

export interface NewRequest {
  id: string; tenantId: string; idempotencyKey: string; source: RequestSource; templateId: string | null; templateKey: string; templateVersion: number | null;
  locale: string | null; channel: Channel; recipientMasked: string; recipientHash: string; contentHash: string | null; status: RequestStatus; createdBy: string | null; recipientUserId: string | null;
  /** QUEUED requests: the sealed message, and who delivers the first round. */
  delivery: { payloadEnc: string; leaseToken: string | null; leaseMs: number } | null;
}

/** A delivery round's claim on a QUEUED request: only the holder of `leaseToken` records its outcome. */
export interface ClaimedRow { id: string; tenantId: string; channel: Channel; templateKey: string; locale: string | null; leaseToken: string; payloadEnc: string | null; rounds: number }

export interface RequestFilter { status?: RequestStatus | null; channel?: Channel | null; templateKey?: string | null; recipientHash?: string | null; recipientUserId?: string | null }

export const requestsStore = {
  async byIdempotencyKey(em: Em, key: string): Promise<NotificationRequest | null> {
    const rows = await em.execute<Row[]>(`select ${COLUMNS} from requests where idempotency_key = ?`, [key]);
    return rows[0] ? toRequest(rows[0]) : null;
  },

  /**
   * Inserts the request; a concurrent insert of the same idempotency key raises a unique violation.
   * A QUEUED one carries its sealed message and is due now, or, when `leaseToken` is set (the caller
   * runs the first round right after commit), claimed by that round for `leaseMs`.
   */
  async insert(em: Em, r: NewRequest): Promise<NotificationRequest> {
    const d = r.delivery;
    const rows = await em.execute<Row[]>(
      `insert into requests (id, tenant_id, idempotency_key, source, template_id, template_key, template_version, locale, channel, recipient_masked, recipient_hash, recipient_user_id, content_hash, status, created_by,
         payload_enc, lease_token, delivery_rounds, next_attempt_at)
       values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, case when ?::boolean then clock_timestamp() + ? * interval '1 millisecond' end)
       returning ${COLUMNS}`,
      [r.id, r.tenantId, r.idempotencyKey, r.source, r.templateId, r.templateKey, r.templateVersion, r.locale, r.channel, r.recipientMasked, r.recipientHash, r.recipientUserId, r.contentHash, r.status, r.createdBy,
        d?.payloadEnc ?? null, d?.leaseToken ?? null, d?.leaseToken ? 1 : 0, d !== null, d?.leaseToken ? d.leaseMs : 0],
    );
    return toRequest(rows[0]!);
  },

  /** Remembers that a tenant has queued messages (the sweeper's list of RLS scopes to visit). */
  async registerDeliveryTenant(em: Em, tenantId: string): Promise<void> {
    await em.execute('insert into delivery_tenants (tenant_id) values (?) on conflict do nothing', [tenantId]);
  },

  async deliveryTenants(em: Em): Promise<string[]> {
    return (await em.execute<{ tenant_id: string }[]>('select tenant_id from delivery_tenants order by tenant_id')).map((r) => r.tenant_id);
  },

  /**
   * Claims up to `limit` due QUEUED requests of the transaction's tenant (FOR UPDATE SKIP LOCKED, so
   * replicas share the work): a new lease token, the lease as the next due time, one more round.
   */
  async claimDue(em: Em, leaseMs: number, limit: number): Promise<ClaimedRow[]> {
    const rows = await em.execute<{ id: string; tenant_id: string; channel: Channel; template_key: string; locale: string | null; lease_token: string; payload_enc: string | null; delivery_rounds: number }[]>(
      `update requests set lease_token = gen_random_uuid(), next_attempt_at = clock_timestamp() + ? * interval '1 millisecond', delivery_rounds = delivery_rounds + 1, updated_at = clock_timestamp()
       where id in (select id from requests where status = 'QUEUED' and next_attempt_at <= clock_timestamp() order by next_attempt_at limit ? for update skip locked)
       returning id, tenant_id, channel, template_key, locale, lease_token, payload_enc, delivery_rounds`,
      [leaseMs, limit],
    );
    return rows.map((r) => ({ id: r.id, tenantId: r.tenant_id, channel: r.channel, templateKey: r.template_key, locale: r.locale, leaseToken: r.lease_token, payloadEnc: r.payload_enc, rounds: r.delivery_rounds }));
  },

  /** The request locked for recording a round: whether that round still holds it. */
  async lockForRecord(em: Em, id: string): Promise<{ status: RequestStatus; leaseToken: string | null; rounds: number } | null> {
    const rows = await em.execute<{ status: RequestStatus; lease_token: string | null; delivery_rounds: number }[]>('select status, lease_token, delivery_rounds from requests where id = ? for update', [id]);
    return rows[0] ? { status: rows[0].status, leaseToken: rows[0].lease_token, rounds: rows[0].delivery_rounds } : null;
  },

  /** Appends a round's attempts after the request's earlier ones (the request row is locked); answers the total. */
  async insertAttempts(em: Em, tenantId: string, requestId: string, attempts: readonly Attempt[]): Promise<number> {
    const rows = await em.execute<{ n: number }[]>(
      `with base as (select coalesce(max(number), 0) as n from attempts where request_id = ?),
       added as (
         insert into attempts (id, tenant_id, request_id, number, provider, status, provider_message_id, error, started_at, finished_at)
         select (a->>'id')::uuid, ?, ?, base.n + (a->>'number')::int, a->>'provider', a->>'status', a->>'providerMessageId', a->>'error', (a->>'startedAt')::timestamptz, (a->>'finishedAt')::timestamptz
         from jsonb_array_elements(?::jsonb) a, base
         returning number)
       select greatest((select n from base), coalesce((select max(number) from added), 0))::int as n`,
      [requestId, tenantId, requestId, jsonParam(attempts.map((a) => ({ ...a, id: crypto.randomUUID(), startedAt: a.startedAt.toISOString(), finishedAt: a.finishedAt.toISOString() })))],
    );
    return rows[0]!.n;
  },

  /** The final status of a delivery: the sealed message is erased. */
  async finish(em: Em, id: string, result: { status: 'SENT' | 'FAILED'; provider: string | null; providerMessageId: string | null; error: string | null }): Promise<NotificationRequest> {
    const rows = await em.execute<Row[]>(
      `update requests set status = ?, provider = ?, provider_message_id = ?, error = ?, updated_at = clock_timestamp(),
         sent_at = case when ? = 'SENT' then clock_timestamp() end, failed_at = case when ? = 'FAILED' then clock_timestamp() end,
         payload_enc = null, lease_token = null, next_attempt_at = null
       where id = ? returning ${COLUMNS}`,
      [result.status, result.provider, result.providerMessageId, result.error, result.status, result.status, id],
    );
    return toRequest(rows[0]!);
  },

  /** A failed round with rounds left: stays QUEUED, due again after `delayMs`, its lease released. */
  async reschedule(em: Em, id: string, delayMs: number, error: string | null): Promise<NotificationRequest> {
    const rows = await em.execute<Row[]>(
      `update requests set error = ?, lease_token = null, next_attempt_at = clock_timestamp() + ? * interval '1 millisecond', updated_at = clock_timestamp()
       where id = ? returning ${COLUMNS}`,
      [error, delayMs, id],
    );
    return toRequest(rows[0]!);
  },

  /** A delivery report: SENT becomes DELIVERED or BOUNCED once; null when nothing changed. */
  async report(em: Em, provider: string, providerMessageId: string, status: 'DELIVERED' | 'BOUNCED', error: string | null): Promise<NotificationRequest | null> {
    const rows = await em.execute<Row[]>(
      `update requests set status = ?, error = coalesce(?, error), updated_at = clock_timestamp(), delivered_at = case when ? = 'DELIVERED' then clock_timestamp() end
       where provider = ? and provider_message_id = ? and status = 'SENT' returning ${COLUMNS}`,
      [status, error, status, provider, providerMessageId],
    );
    return rows[0] ? toRequest(rows[0]) : null;
  },

  async byId(em: Em, id: string): Promise<NotificationRequest | null> {
    const rows = await em.execute<Row[]>(`select ${COLUMNS} from requests where id = ?`, [id]);
    return rows[0] ? toRequest(rows[0]) : null;
  },

  async byIds(em: Em, ids: readonly string[]): Promise<NotificationRequest[]> {
    if (ids.length === 0) return [];
    return (await em.execute<Row[]>(`select ${COLUMNS} from requests where id = any(${UUID_ARRAY_PARAM})`, [jsonParam(ids)])).map(toRequest);
  },

  /** Newest first with optional filters; each filter has an index ending in (created_at, id). */
  async page(em: Em, limit: number, after: Keyset | null, filter: RequestFilter): Promise<NotificationRequest[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (sql: string, ...values: unknown[]) => { where.push(sql); params.push(...values); };
    if (filter.status) add('status = ?', filter.status);
    if (filter.channel) add('channel = ?', filter.channel);
    if (filter.templateKey) add('template_key = ?', filter.templateKey);
    if (filter.recipientHash) add('recipient_hash = ?', filter.recipientHash);
    if (filter.recipientUserId) add('recipient_user_id = ?', filter.recipientUserId);
    if (after) add('(created_at, id) < (?::timestamptz, ?::uuid)', after.createdAt, after.id);
    const rows = await em.execute<Row[]>(`select ${COLUMNS} from requests ${where.length ? `where ${where.join(' and ')}` : ''} order by created_at desc, id desc limit ?`, [...params, limit + 1]);
    return rows.map(toRequest);
  },

  async attemptsOf(em: Em, requestIds: readonly string[]): Promise<AttemptRecord[]> {
    if (requestIds.length === 0) return [];
    const rows = await em.execute<AttemptRow[]>(
      `select request_id, number, provider, status, provider_message_id, error, ${iso('started_at')} as started_at, ${iso('finished_at')} as finished_at
       from attempts where request_id = any(${UUID_ARRAY_PARAM}) order by request_id, number`,
      [jsonParam(requestIds)],
    );
    return rows.map((r) => ({ requestId: r.request_id, number: r.number, provider: r.provider, status: r.status, providerMessageId: r.provider_message_id, error: r.error, startedAt: r.started_at, finishedAt: r.finished_at }));
  },
};
