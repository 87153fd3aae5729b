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
}

export interface AttemptRecord { requestId: string; number: number; provider: string; status: string; providerMessageId: string | null; error: string | null; startedAt: string; finishedAt: string }

interface Row {
  id: string; tenant_id: string; idempotency_key: string; source: RequestSource; template_key: string; template_version: number | null; locale: string | null;
  channel: Channel; recipient_masked: string; recipient_hash: string; content_hash: string | null; status: RequestStatus; provider: string | null;
  provider_message_id: string | null; error: string | null; created_at: string; updated_at: string; sent_at: string | null; delivered_at: string | null; failed_at: string | null;
}
interface AttemptRow { request_id: string; number: number; provider: string; status: string; provider_message_id: string | null; error: string | null; started_at: string; finished_at: string }

const COLUMNS = `id, tenant_id, idempotency_key, source, template_key, template_version, locale, channel, recipient_masked, recipient_hash, content_hash, status, provider, provider_message_id, error,
  ${iso('created_at')} as created_at, ${iso('updated_at')} as updated_at, ${iso('sent_at')} as sent_at, ${iso('delivered_at')} as delivered_at, ${iso('failed_at')} as failed_at`;

const toRequest = (r: Row): NotificationRequest => ({
  id: r.id, tenantId: r.tenant_id, idempotencyKey: r.idempotency_key, source: r.source, templateKey: r.template_key, templateVersion: r.template_version, locale: r.locale,
  channel: r.channel, recipient: r.recipient_masked, recipientHash: r.recipient_hash, contentHash: r.content_hash, status: r.status, provider: r.provider,
  providerMessageId: r.provider_message_id, error: r.error, createdAt: r.created_at, updatedAt: r.updated_at, sentAt: r.sent_at, deliveredAt: r.delivered_at, failedAt: r.failed_at,
});

export interface NewRequest {
  id: string; tenantId: string; idempotencyKey: string; source: RequestSource; templateId: string | null; templateKey: string; templateVersion: number | null;
  locale: string | null; channel: Channel; recipientMasked: string; recipientHash: string; contentHash: string | null; status: RequestStatus; createdBy: string | null; recipientUserId: string | null;
}

export interface RequestFilter { status?: RequestStatus | null; channel?: Channel | null; templateKey?: string | null; recipientHash?: string | null; recipientUserId?: string | null }

export const requestsStore = {
  async byIdempotencyKey(em: Em, key: string): Promise<NotificationRequest | null> {
    const rows = await em.execute<Row[]>(`select ${COLUMNS} from requests where idempotency_key = ?`, [key]);
    return rows[0] ? toRequest(rows[0]) : null;
  },

  /** Inserts the request; a concurrent insert of the same idempotency key raises a unique violation. */
  async insert(em: Em, r: NewRequest): Promise<void> {
    await em.execute(
      `insert into requests (id, tenant_id, idempotency_key, source, template_id, template_key, template_version, locale, channel, recipient_masked, recipient_hash, recipient_user_id, content_hash, status, created_by)
       values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [r.id, r.tenantId, r.idempotencyKey, r.source, r.templateId, r.templateKey, r.templateVersion, r.locale, r.channel, r.recipientMasked, r.recipientHash, r.recipientUserId, r.contentHash, r.status, r.createdBy],
    );
  },

  async insertAttempts(em: Em, tenantId: string, requestId: string, attempts: readonly Attempt[]): Promise<void> {
    if (attempts.length === 0) return;
    await em.execute(
      `insert into attempts (id, tenant_id, request_id, number, provider, status, provider_message_id, error, started_at, finished_at)
       select (a->>'id')::uuid, ?, ?, (a->>'number')::int, a->>'provider', a->>'status', a->>'providerMessageId', a->>'error', (a->>'startedAt')::timestamptz, (a->>'finishedAt')::timestamptz
       from jsonb_array_elements(?::jsonb) a`,
      [tenantId, requestId, jsonParam(attempts.map((a) => ({ ...a, id: crypto.randomUUID(), startedAt: a.startedAt.toISOString(), finishedAt: a.finishedAt.toISOString() })))],
    );
  },

  async finish(em: Em, id: string, result: { status: 'SENT' | 'FAILED'; provider: string | null; providerMessageId: string | null; error: string | null }): Promise<NotificationRequest> {
    const rows = await em.execute<Row[]>(
      `update requests set status = ?, provider = ?, provider_message_id = ?, error = ?, updated_at = clock_timestamp(),
         sent_at = case when ? = 'SENT' then clock_timestamp() end, failed_at = case when ? = 'FAILED' then clock_timestamp() end
       where id = ? returning ${COLUMNS}`,
      [result.status, result.provider, result.providerMessageId, result.error, result.status, result.status, id],
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
