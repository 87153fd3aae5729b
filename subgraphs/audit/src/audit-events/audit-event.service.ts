/**
 * Audit events: ingestion (from the consumer and from explicit records), search and export.
 * Never imports graphql; resolvers and the HTTP export route call it.
 */
import crypto from 'node:crypto';
import type { AuthContext } from '@imagy/platform/auth';
import { inTenantTx, isUuid, type Em, type Orm } from '@imagy/platform/db';
import type { Outbox } from '@imagy/platform/events';
import { unsafeDisplayText, unstorableText, type UserError } from '@imagy/platform/graphql';
import { BadInputError, decodeCursor, pageSize, toConnection, type Connection } from '@imagy/platform/server';
import {
  auditIdForEvent, auditIdForRecord, fromEnvelope, fromRecord, storableEnvelope, tenantOfEnvelope, isClassUid,
  type AuditedEnvelope, type OcsfEvent, type RecordInput,
} from '../ocsf';
import { memberOfEnvelope } from '../actors/actors.rules';
import { rememberTenantUser, tenantUsersAmong } from '../actors/actors.store';
import type { AuditErrorCode } from '../i18n/messages';
import { englishOf, userError } from '../i18n/user-errors';
import { readAccess, writeAccess } from './access';
import {
  actAsTenant, countWhere, exportPage, findByIds, findOneWhere, findPage, insertAuditEvent, lockRecordId, whereOf,
  type AuditEventRow, type AuditFilter, type PageKey, type Where,
} from './audit-event.store';

export const EXPORT_LIMIT = 10_000;
export const HTTP_EXPORT_LIMIT = 100_000;
const MAX_RANGE_DAYS = 400;

export interface RecordResult { event: AuditEventRow | null; userErrors: UserError<AuditErrorCode>[] }
export interface ClientInfo { ip: string | null; userAgent: string | null }

export type AuditConnection = Connection<AuditEventRow> & { count(): Promise<number> };

const cursorKey = (row: AuditEventRow): PageKey => ({ time: row.time, id: row.id });

export class AuditEventService {
  constructor(private readonly orm: Orm, private readonly outbox: Outbox) {}

  /**
   * Consumer path: stores one domain event as OCSF (in the consumer's transaction, whose inbox row
   * already guarantees exactly-once effect) and announces it. Returns the stored event or null for
   * a duplicate.
   */
  async ingest(em: Em, received: AuditedEnvelope, now = Date.now()): Promise<OcsfEvent | null> {
    const envelope = storableEnvelope(received);
    const tenant = tenantOfEnvelope(envelope);
    if (tenant !== envelope.tenantId) {
      // Tenant-less events (tenant creation, platform events) are stored under the tenant they are about.
      await actAsTenant(em, tenant);
    }
    const member = memberOfEnvelope(envelope);
    if (member) await rememberTenantUser(em, tenant, member);
    // The envelope does not say which tenant its actor belongs to: the OCSF actor claims the
    // event's tenant as its organisation only when identity announced the actor there.
    const actorId = envelope.actor?.kind === 'user' ? envelope.actor.userId : null;
    const actorInTenant = actorId ? (await tenantUsersAmong(em, tenant, [actorId])).size > 0 : false;
    const ocsf = fromEnvelope(envelope, { loggedAt: now, actorInTenant });
    const id = auditIdForEvent(envelope.id);
    const inserted = await insertAuditEvent(em, ocsf, { id, sourceEventId: envelope.id, subject: envelope.subject });
    if (!inserted) return null;
    await this.announce(em, id, ocsf, envelope.requestId);
    return ocsf;
  }

  private async announce(em: Em, id: string, ocsf: OcsfEvent, requestId: string | null): Promise<void> {
    await this.outbox.publish(em, 'audit.event.recorded', {
      eventId: id, classUid: ocsf.class_uid, activityId: ocsf.activity_id, time: new Date(ocsf.time).toISOString(),
    }, { tenantId: ocsf.metadata.tenant_uid, actor: { kind: 'system', userId: null }, requestId, id: auditIdForEvent(`recorded:${id}`) });
  }

  async record(auth: AuthContext, input: RecordInput, client: ClientInfo): Promise<RecordResult> {
    const caller = writeAccess(auth);
    for (const field of RECORD_TEXT_FIELDS) storableText(input[field], `input.${field}`);
    const userErrors = validateRecord(input);
    if (userErrors.length) return { event: null, userErrors };
    const now = Date.now();
    const id = input.idempotencyKey ? auditIdForRecord(caller.tenantId, input.idempotencyKey) : crypto.randomUUID();
    const ocsf = fromRecord(input, {
      tenantId: caller.tenantId, userId: caller.userId, kind: caller.kind === 'apiKey' ? 'apiKey' : 'user', roles: caller.roles,
      requestId: caller.requestId, ip: client.ip, userAgent: client.userAgent,
    }, { uid: id, time: now, loggedAt: now });
    const event = await inTenantTx(this.orm, { tenantId: caller.tenantId }, async (em) => {
      await lockRecordId(em, id);
      // A user's verified token of this tenant is identity's word that they are one of its users.
      if (caller.kind !== 'apiKey') await rememberTenantUser(em, caller.tenantId, caller.userId);
      const [existing] = await findByIds(em, [id]);
      if (existing) return existing; // idempotent replay: the first result, nothing twice
      await insertAuditEvent(em, ocsf, { id, sourceEventId: null, subject: null });
      await this.announce(em, id, ocsf, caller.requestId);
      const [row] = await findByIds(em, [id]);
      return row!;
    });
    return { event, userErrors: [] };
  }

  /** Batch load by id within the caller's read scope (unknown or invisible ids yield null). */
  async byIds(auth: AuthContext, ids: readonly string[]): Promise<(AuditEventRow | null)[]> {
    const { scope } = readAccess(auth);
    const valid = [...new Set(ids.filter(isUuid).map((i) => i.toLowerCase()))];
    const rows = valid.length ? await inTenantTx(this.orm, scope, (em) => findByIds(em, valid)) : [];
    const byId = new Map(rows.map((r) => [r.id, r]));
    return ids.map((i) => byId.get(i.toLowerCase()) ?? null);
  }

  /**
   * For each id: is it a user identity announced in the caller's own tenant? (Batch for the
   * DataLoader behind `actor`; a platform auditor's own tenant is the platform tenant.) Asked only
   * about events the caller was already allowed to see, which a writer's recorded event also is.
   */
  async areTenantUsers(auth: AuthContext, ids: readonly string[]): Promise<boolean[]> {
    const tenantId = auth.kind === 'anonymous' ? null : auth.tenantId;
    if (!tenantId || !isUuid(tenantId)) return ids.map(() => false);
    // A live tail's event is resolved once per subscription (each has its own context and
    // DataLoader), so N subscribers of a tenant asked the same question N times per event. The
    // answer depends only on the tenant and the ids: identical questions in flight share one read.
    // Nothing is kept once it settles, so a later event sees tenant_users as it is then.
    const wanted = [...new Set(ids.map((i) => i.toLowerCase()))].sort();
    const key = `${tenantId.toLowerCase()}|${wanted.join(',')}`;
    let known = this.tenantUserReads.get(key);
    if (!known) {
      known = inTenantTx(this.orm, { tenantId }, (em) => tenantUsersAmong(em, tenantId, wanted)).finally(() => this.tenantUserReads.delete(key));
      this.tenantUserReads.set(key, known);
    }
    const found = await known;
    return ids.map((i) => found.has(i.toLowerCase()));
  }

  private readonly tenantUserReads = new Map<string, Promise<Set<string>>>();

  /**
   * Live tail: the event `id` if the caller may read it (RLS on the caller's read scope) and it
   * matches `filter`; otherwise null. `filter` must have passed `checkFilter`.
   */
  async matching(auth: AuthContext, id: string, filter: AuditFilter): Promise<AuditEventRow | null> {
    const access = readAccess(auth);
    if (!isUuid(id)) return null;
    const tenantKey = access.allTenants ? '*' : access.user.tenantId;
    // Every subscriber of one tenant with the same filter gets the same row for an event: share the
    // read while it is in flight (a fan-out to N subscribers costs one query, not N). The key
    // carries the read scope, so no result ever crosses tenants or rights.
    const key = `${tenantKey}|${id.toLowerCase()}|${JSON.stringify(filter)}`;
    const pending = this.liveReads.get(key);
    if (pending) return pending;
    const where = whereOf(filter, access.allTenants ? null : access.user.tenantId);
    const read = inTenantTx(this.orm, access.scope, (em) => findOneWhere(em, id.toLowerCase(), where))
      .finally(() => this.liveReads.delete(key));
    this.liveReads.set(key, read);
    return read;
  }

  private readonly liveReads = new Map<string, Promise<AuditEventRow | null>>();

  /** Validates a filter up front (BAD_USER_INPUT), e.g. before a subscription starts. */
  checkFilter(filter: AuditFilter | null | undefined): AuditFilter {
    return validateFilter(filter ?? {});
  }

  async search(auth: AuthContext, filter: AuditFilter | null | undefined, first: number | null | undefined, after: string | null | undefined): Promise<AuditConnection> {
    const access = readAccess(auth);
    const limit = pageSize(first);
    const key = decodeCursor<PageKey>(after);
    if (key && (typeof key.time !== 'string' || !isUuid(key.id) || Number.isNaN(Date.parse(key.time)))) throw new BadInputError('Invalid cursor', 'after');
    const where = whereOf(validateFilter(filter ?? {}), access.allTenants ? null : access.user.tenantId);
    const rows = await inTenantTx(this.orm, access.scope, (em) => findPage(em, where, limit + 1, key));
    const connection = toConnection(rows, limit, cursorKey);
    let counted: Promise<number> | null = null;
    return Object.assign(connection, { count: () => (counted ??= inTenantTx(this.orm, access.scope, (em) => countWhere(em, where))) });
  }

  /** NDJSON (one OCSF JSON per line, oldest first) of a time range; refuses more than EXPORT_LIMIT events. */
  async exportNdjson(auth: AuthContext, from: Date | string, to: Date | string): Promise<string> {
    const lines: string[] = [];
    for await (const chunk of this.exportChunks(auth, from, to, EXPORT_LIMIT)) lines.push(chunk);
    return lines.join('');
  }

  /**
   * Export in chunks of NDJSON text, checked against `limit` before the first chunk (so an HTTP
   * response never starts and then fails for size).
   */
  async *exportChunks(auth: AuthContext, from: Date | string, to: Date | string, limit: number, batch = 500): AsyncGenerator<string> {
    const access = readAccess(auth);
    const range = checkRange(from, to);
    const where: Where = whereOf(range, access.allTenants ? null : access.user.tenantId);
    const n = await inTenantTx(this.orm, access.scope, (em) => countWhere(em, where, limit + 1));
    if (n > limit) throw new BadInputError(englishOf('RANGE_TOO_LARGE', { limit }), 'to');
    let after: PageKey | null = null;
    let sent = 0;
    while (sent < limit) {
      const rows = await inTenantTx(this.orm, access.scope, (em) => exportPage(em, where, Math.min(batch, limit - sent), after));
      if (rows.length === 0) break;
      sent += rows.length;
      yield rows.map((r) => `${r.json}\n`).join('');
      const last = rows.at(-1)!;
      after = { time: last.time, id: last.id };
      if (rows.length < batch) break;
    }
  }
}

/** A report or export range: both ends valid instants, `to` after `from`, at most MAX_RANGE_DAYS; returned as canonical ISO text. */
export function checkRange(fromIn: Date | string, toIn: Date | string): { from: string; to: string } {
  const from = new Date(fromIn);
  const to = new Date(toIn);
  if (Number.isNaN(from.getTime()) || Number.isNaN(to.getTime())) throw new BadInputError('from and to must be valid date-times', 'from');
  if (to <= from) throw new BadInputError('to must be after from', 'to');
  if (to.getTime() - from.getTime() > MAX_RANGE_DAYS * 86_400_000) throw new BadInputError(`The range may span at most ${MAX_RANGE_DAYS} days`, 'to');
  return { from: from.toISOString(), to: to.toISOString() };
}

/**
 * Text PostgreSQL cannot store or compare (NUL, a lone UTF-16 surrogate) is malformed input, not a
 * business failure: refused as BAD_USER_INPUT naming the field before any statement runs (it would
 * otherwise fail inside the database as an internal error). The JSON scalar does the same for `data`.
 */
function storableText(value: string | null | undefined, field: string): void {
  const problem = typeof value === 'string' ? unstorableText(value) : null;
  if (problem) throw new BadInputError(`${field} ${problem}`, field);
}

const RECORD_TEXT_FIELDS = ['operation', 'serviceName', 'resourceType', 'resourceId', 'resourceName', 'message', 'idempotencyKey'] as const;
const FILTER_TEXT_FIELDS = ['actorUserId', 'resourceType', 'resourceId', 'text'] as const;

/** Checks a search/report/live-tail filter (BAD_USER_INPUT naming the field); returns it unchanged. */
export function validateFilter(f: AuditFilter): AuditFilter {
  for (const k of FILTER_TEXT_FIELDS) storableText(f[k], `filter.${k}`);
  if (f.classUid !== null && f.classUid !== undefined && !isClassUid(f.classUid)) throw new BadInputError('Unknown classUid (3001, 3002, 3004 or 6003)', 'filter.classUid');
  if (f.from && f.to && Date.parse(f.to) <= Date.parse(f.from)) throw new BadInputError('to must be after from', 'filter.to');
  if (f.text && f.text.length > 200) throw new BadInputError('text is limited to 200 characters', 'filter.text');
  for (const k of ['actorUserId', 'resourceType', 'resourceId'] as const) {
    if (f[k] && f[k]!.length > 200) throw new BadInputError(`${k} is too long`, `filter.${k}`);
  }
  return f;
}

const TOKEN = /^[A-Za-z][A-Za-z0-9_.:-]{0,99}$/;
const DATA_MAX_KIB = 16;

export function validateRecord(input: RecordInput): UserError<AuditErrorCode>[] {
  const errors: UserError<AuditErrorCode>[] = [];
  const identifier = (field: 'operation' | 'resourceType' | 'serviceName') => errors.push(userError('INVALID', { field, params: { field, max: 100 } }));
  const tooLong = (field: 'resourceId' | 'resourceName' | 'message', max: number) => errors.push(userError('TOO_LONG', { field, params: { field, max } }));
  if (!TOKEN.test(input.operation ?? '')) identifier('operation');
  if (!TOKEN.test(input.resourceType ?? '')) identifier('resourceType');
  if (input.resourceId && input.resourceId.length > 200) tooLong('resourceId', 200);
  if (input.resourceName && input.resourceName.length > 200) tooLong('resourceName', 200);
  if (input.serviceName && !TOKEN.test(input.serviceName)) identifier('serviceName');
  if (input.message && input.message.length > 2000) tooLong('message', 2000);
  // Shown later in the audit trail, exports, SIEMs and terminals: no escapes, forged lines or
  // direction tricks (fuzz: a BEL in a message was stored).
  for (const field of ['resourceId', 'resourceName', 'message', 'idempotencyKey'] as const) {
    const text = input[field];
    if (typeof text === 'string' && unsafeDisplayText(text)) errors.push(userError('INVALID_TEXT', { field, params: { field } }));
  }
  if (input.idempotencyKey && (input.idempotencyKey.length < 8 || input.idempotencyKey.length > 200)) {
    errors.push(userError('INVALID_IDEMPOTENCY_KEY', { field: 'idempotencyKey', params: { min: 8, max: 200 } }));
  }
  if (input.data !== null && input.data !== undefined) {
    if (typeof input.data !== 'object' || Array.isArray(input.data)) errors.push(userError('INVALID_DATA', { field: 'data', params: { field: 'data' } }));
    else if (Buffer.byteLength(JSON.stringify(input.data)) > DATA_MAX_KIB * 1024) errors.push(userError('TOO_LARGE', { field: 'data', params: { field: 'data', max: DATA_MAX_KIB } }));
  }
  return errors;
}
