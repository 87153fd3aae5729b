/**
 * SQL of audit_events. Every function runs on a tenant-scoped transaction (`inTenantTx`), so RLS
 * limits what it sees; tenant-scoped reads also name the tenant explicitly so the planner uses the
 * (tenant_id, ...) indexes.
 */
import { iso, type Em } from '@imagy/platform/db';
import type { AuditEventFilter } from '../__generated__/graphql';
import { columnsOf, type OcsfEvent } from '../ocsf';
import type { AuditColumns } from '../ocsf/columns';

/** A stored event: its filterable columns (as `columnsOf` derives them) plus id, time and the OCSF JSON. */
export interface AuditEventRow extends Omit<AuditColumns, 'categoryUid' | 'searchText'> {
  id: string;
  /** ISO 8601 UTC, millisecond precision. */
  time: string;
  ocsf: OcsfEvent;
}

/** The search filter as the SDL declares it; `from`/`to` are canonical ISO 8601 text (the DateTime scalar's, or the service's). */
export type AuditFilter = AuditEventFilter;

export interface Where { sql: string; params: unknown[] }

// `time` as ISO 8601 UTC with milliseconds (what is stored: OCSF times are ms), never a driver-parsed value.
export const SELECT_COLUMNS = `id, ${iso('time')} as time, tenant_id as "tenantId", class_uid as "classUid", activity_id as "activityId", type_uid as "typeUid",
  severity_id as "severityId", status_id as "statusId", actor_user_id as "actorUserId", resource_type as "resourceType",
  resource_id as "resourceId", message, ocsf`;

/** `w1:* & w2:*` from the words of free text (letters and digits only, so always a valid tsquery). */
export function tsQueryOf(text: string): string | null {
  const words = (text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []).slice(0, 8).map((w) => w.slice(0, 64));
  return words.length ? words.map((w) => `${w}:*`).join(' & ') : null;
}

export function whereOf(filter: AuditFilter, tenantId: string | null): Where {
  const parts: string[] = [];
  const params: unknown[] = [];
  const add = (sql: string, ...values: unknown[]) => { parts.push(sql); params.push(...values); };
  if (tenantId) add('tenant_id = ?', tenantId);
  if (filter.actorUserId) add('actor_user_id = ?', filter.actorUserId);
  if (filter.resourceType) add('resource_type = ?', filter.resourceType);
  if (filter.resourceId) add('resource_id = ?', filter.resourceId);
  if (filter.classUid !== null && filter.classUid !== undefined) add('class_uid = ?', filter.classUid);
  if (filter.activityId !== null && filter.activityId !== undefined) add('activity_id = ?', filter.activityId);
  if (filter.statusId !== null && filter.statusId !== undefined) add('status_id = ?', filter.statusId);
  if (filter.severityId !== null && filter.severityId !== undefined) add('severity_id = ?', filter.severityId);
  if (filter.from) add('time >= ?::timestamptz', filter.from);
  if (filter.to) add('time < ?::timestamptz', filter.to);
  const q = filter.text ? tsQueryOf(filter.text) : null;
  if (q) add(`search @@ to_tsquery('simple', ?)`, q);
  return { sql: parts.length ? parts.join(' and ') : 'true', params };
}

/**
 * Switches the consumer's transaction to the tenant an event is about (tenant-less events such as
 * `identity.tenant.created`, or platform events): transaction-local, like inTenantTx's own setting.
 */
export async function actAsTenant(em: Em, tenantId: string): Promise<void> {
  await em.execute(`select set_config('app.tenant_id', ?, true)`, [tenantId]);
}

/** Serialises concurrent records of one id (an idempotent replay racing its first call) until commit. */
export async function lockRecordId(em: Em, id: string): Promise<void> {
  await em.execute('select pg_advisory_xact_lock(hashtext(?))', [id]);
}

export interface InsertMeta { id: string; sourceEventId: string | null; subject: string | null }

/** Inserts one event; returns false when (id, time) already exists (a duplicate delivery). */
export async function insertAuditEvent(em: Em, event: OcsfEvent, meta: InsertMeta): Promise<boolean> {
  const c = columnsOf(event);
  const rows = await em.execute<{ id: string }[]>(
    `insert into audit_events (id, time, tenant_id, class_uid, category_uid, activity_id, type_uid, severity_id, status_id,
       actor_user_id, resource_type, resource_id, message, search, source_event_id, subject, ocsf)
     values (?, ?::timestamptz, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, to_tsvector('simple', ?), ?, ?, ?::jsonb)
     on conflict do nothing returning id`,
    [meta.id, new Date(event.time).toISOString(), c.tenantId, c.classUid, c.categoryUid, c.activityId, c.typeUid, c.severityId, c.statusId,
      c.actorUserId, c.resourceType, c.resourceId, c.message, c.searchText, meta.sourceEventId, meta.subject, JSON.stringify(event)],
  );
  return rows.length > 0;
}

export async function findByIds(em: Em, ids: string[]): Promise<AuditEventRow[]> {
  if (ids.length === 0) return [];
  // A Postgres array literal: MikroORM would expand a JS array parameter into a list. Callers pass UUIDs only.
  if (!ids.every((i) => /^[0-9a-f-]{36}$/i.test(i))) throw new Error('findByIds expects UUIDs');
  return em.execute<AuditEventRow[]>(`select ${SELECT_COLUMNS} from audit_events where id = any(?::uuid[])`, [`{${ids.join(',')}}`]);
}

/** One event by id, only if it also satisfies `where` (the live tail's filter). */
export async function findOneWhere(em: Em, id: string, where: Where): Promise<AuditEventRow | null> {
  const rows = await em.execute<AuditEventRow[]>(`select ${SELECT_COLUMNS} from audit_events where id = ?::uuid and ${where.sql} limit 1`, [id, ...where.params]);
  return rows[0] ?? null;
}

export interface PageKey { time: string; id: string }

export async function findPage(em: Em, where: Where, limit: number, after: PageKey | null): Promise<AuditEventRow[]> {
  const params = [...where.params];
  let keyset = '';
  if (after) {
    keyset = ' and (time, id) < (?::timestamptz, ?::uuid)';
    params.push(after.time, after.id);
  }
  params.push(limit);
  return em.execute<AuditEventRow[]>(`select ${SELECT_COLUMNS} from audit_events where ${where.sql}${keyset} order by time desc, id desc limit ?`, params);
}

export async function countWhere(em: Em, where: Where, cap?: number): Promise<number> {
  const sql = cap
    ? `select count(*)::int as n from (select 1 from audit_events where ${where.sql} limit ${Math.floor(cap)}) capped`
    : `select count(*)::int as n from audit_events where ${where.sql}`;
  const rows = await em.execute<{ n: number }[]>(sql, where.params);
  return rows[0]!.n;
}

/** OCSF JSON text of a page, oldest first (export order), keyset after (time, id). */
/** One exported event: its keyset position and its OCSF JSON as stored (text, never re-serialised). */
export interface ExportRow { time: string; id: string; json: string }

export async function exportPage(em: Em, where: Where, limit: number, after: PageKey | null): Promise<ExportRow[]> {
  const params = [...where.params];
  let keyset = '';
  if (after) {
    keyset = ' and (time, id) > (?::timestamptz, ?::uuid)';
    params.push(after.time, after.id);
  }
  params.push(limit);
  return em.execute<ExportRow[]>(`select ${iso('time')} as time, id, ocsf::text as json from audit_events where ${where.sql}${keyset} order by time, id limit ?`, params);
}
