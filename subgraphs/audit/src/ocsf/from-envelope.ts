/**
 * Pure mapping of a domain event envelope to an OCSF 1.x event. No I/O: the same envelope always
 * maps to the same event (given the same `loggedAt`).
 *
 * | subject                         | class                   | activity            | status  |
 * |---------------------------------|-------------------------|---------------------|---------|
 * | identity.user.login_succeeded   | 3002 Authentication     | 1 Logon             | Success |
 * | identity.user.login_failed      | 3002 Authentication     | 1 Logon             | Failure |
 * | identity.user.logged_out        | 3002 Authentication     | 2 Logoff            | Success |
 * | identity.user.created           | 3001 Account Change     | 1 Create            | Success |
 * | identity.user.locked            | 3001 Account Change     | 9 Lock              | Success |
 * | identity.user.disabled/enabled  | 3001 Account Change     | 5 Disable / 2 Enable| Success |
 * | identity.user.deleted           | 3001 Account Change     | 6 Delete            | Success |
 * | identity.user.updated (status)  | 3001 Account Change     | 5 Disable / 2 Enable by the new `status`, 99 Other when it is not given | Success |
 * | identity.user.updated (password)| 3001 Account Change     | 3 Password Change   | Success |
 * | identity.user.updated (other)   | 3004 Entity Management  | 3 Update            | Success |
 * | identity.tenant.created/updated | 3004 Entity Management  | 1 Create / 3 Update | Success |
 * | identity.tenant.branding_updated| 3004 Entity Management  | 3 Update            | Success |
 * | <domain>.<aggregate>.<verb>     | 3004 Entity Management  | by verb, else 99    | by verb |
 */
import type { EventEnvelope } from '@imagy/platform/events';
import { ACCOUNT, AUTH, CLASS, CLASSES, CRUD, OCSF_VERSION, OTHER, SEVERITY, SEVERITY_ID, STATUS, STATUS_ID, activityName, typeName, typeUidOf, type ClassUid } from './classes';
import { PLATFORM_TENANT } from './ids';
import { maskText, redact, storableDeep, storableText } from './redact';
import type { OcsfActor, OcsfEvent, OcsfUser } from './types';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const isUuid = (v: unknown): v is string => typeof v === 'string' && UUID.test(v);

export interface MapOptions {
  /** When the audit subgraph logged the event (ms epoch); `metadata.logged_time`. */
  loggedAt: number;
  /**
   * Identity announced the envelope's user actor as a user of the event's tenant, so
   * `actor.user.org` may name that tenant. Otherwise the organisation is left out: the envelope does
   * not say where its actor comes from (a platform admin acting in a tenant is not of that tenant).
   */
  actorInTenant?: boolean;
}

type Data = Record<string, unknown>;

/**
 * A domain event as audit reads it: any subject of any domain, with a payload of unknown shape.
 * Audit stores events of subjects it does not know yet (a new domain ships before audit learns
 * its vocabulary), so the mapping must not depend on the typed catalogue; every typed envelope is one.
 */
export type AuditedEnvelope = Pick<EventEnvelope, 'id' | 'tenantId' | 'occurredAt' | 'actor' | 'requestId'> & { subject: string; data: unknown };

/** The envelope with every text made storable (NUL, lone surrogates -> U+FFFD), before anything reads it. */
export function storableEnvelope(envelope: AuditedEnvelope): AuditedEnvelope {
  return {
    ...envelope,
    subject: storableText(envelope.subject),
    requestId: envelope.requestId === null ? null : storableText(envelope.requestId),
    actor: storableDeep(envelope.actor) as AuditedEnvelope['actor'],
    data: storableDeep(envelope.data),
  };
}

/** The tenant an event belongs to: its envelope's, else the tenant it is about, else the platform. */
export function tenantOfEnvelope(envelope: Pick<AuditedEnvelope, 'tenantId' | 'subject' | 'data'>): string {
  if (isUuid(envelope.tenantId)) return envelope.tenantId.toLowerCase();
  const data = (envelope.data && typeof envelope.data === 'object' ? envelope.data : {}) as Data;
  if (envelope.subject.startsWith('identity.tenant.') && isUuid(data.tenantId)) return data.tenantId.toLowerCase();
  return PLATFORM_TENANT;
}

export function parseSubject(subject: string): { domain: string; aggregate: string; verb: string } {
  const [domain = 'unknown', aggregate = 'unknown', ...rest] = subject.split('.');
  return { domain, aggregate, verb: rest.join('.') || 'unknown' };
}

/** created -> Create, updated -> Update, deleted/removed -> Delete, read/viewed -> Read, other -> 99. */
export function crudActivityOfVerb(verb: string): number {
  const v = verb.toLowerCase();
  if (/^(created|added|registered|opened|issued)$/.test(v)) return CRUD.create;
  if (/^(updated|changed|modified|renamed|edited)$/.test(v)) return CRUD.update;
  if (/^(deleted|removed|purged|erased)$/.test(v)) return CRUD.delete;
  if (/^(read|viewed|accessed|exported|downloaded)$/.test(v)) return CRUD.read;
  return CRUD.other;
}

function statusOfVerb(verb: string): number {
  return /(failed|rejected|denied|declined|errored)$/.test(verb.toLowerCase()) ? STATUS_ID.failure : STATUS_ID.success;
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v.length > 0 ? v : undefined;
}

function actorOf(envelope: AuditedEnvelope, product: string, actorInTenant: boolean): OcsfActor {
  const a = envelope.actor ?? { kind: 'system', userId: null };
  switch (a.kind) {
    case 'user':
      return a.userId
        ? { user: { uid: a.userId, type_id: 1, type: 'User', ...(actorInTenant ? { org: { uid: tenantOfEnvelope(envelope) } } : {}) }, app_name: product }
        : { user: { name: 'unknown', type_id: 0, type: 'Unknown' }, app_name: product };
    case 'apiKey':
      return { user: { uid: a.userId ?? 'api-key', type_id: 4, type: 'Service' }, app_name: product };
    case 'anonymous':
      return { user: { name: 'anonymous', type_id: 0, type: 'Unknown' }, app_name: product };
    default:
      return { user: { name: 'system', type_id: 3, type: 'System' }, app_name: product };
  }
}

function targetUser(data: Data, tenant: string): OcsfUser {
  const user: OcsfUser = { type_id: 1, type: 'User', org: { uid: tenant } };
  const uid = str(data.userId);
  const email = str(data.email);
  if (uid) user.uid = uid;
  if (email) { user.email_addr = email; user.name = email; }
  if (!user.uid && !user.name) user.name = 'unknown';
  return user;
}

/**
 * The account state an identity user event says the user is in now: `status` as identity stores
 * it (ACTIVE / DISABLED), with the synonyms other issuers use. Null when the payload does not say.
 */
function accountStateOf(data: Data): 'ACTIVE' | 'DISABLED' | null {
  const status = str(data.status)?.toUpperCase();
  if (status === 'DISABLED' || status === 'SUSPENDED' || status === 'DEACTIVATED') return 'DISABLED';
  if (status === 'ACTIVE' || status === 'ENABLED') return 'ACTIVE';
  return null;
}

interface Shape {
  classUid: ClassUid;
  activityId: number;
  statusId: number;
  severityId: number;
  message: string;
  statusDetail?: string;
  extra: Partial<OcsfEvent>;
}

function shapeOf(envelope: AuditedEnvelope, tenant: string, product: string): Shape {
  const { domain, aggregate, verb } = parseSubject(envelope.subject);
  const data = (envelope.data && typeof envelope.data === 'object' ? envelope.data : {}) as Data;
  const info = { classUid: CLASS.entityManagement as ClassUid, statusId: STATUS_ID.success as number, severityId: SEVERITY_ID.informational as number };

  if (domain === 'identity' && aggregate === 'user') {
    const user = targetUser(data, tenant);
    const who = user.email_addr ?? user.uid ?? 'unknown user';
    const endpoint = { ...(str(data.ip) ? { ip: str(data.ip)! } : { svc_name: product }) };
    const auth = (activityId: number, statusId: number, message: string, statusDetail?: string): Shape => ({
      classUid: CLASS.authentication, activityId, statusId, message, statusDetail,
      severityId: statusId === STATUS_ID.failure ? SEVERITY_ID.low : SEVERITY_ID.informational,
      extra: {
        user, service: { name: product }, src_endpoint: endpoint, auth_protocol_id: 99, auth_protocol: 'Password', is_remote: true,
        ...(str(data.userAgent) ? { http_request: { user_agent: str(data.userAgent)! } } : {}),
      },
    });
    const account = (activityId: number, message: string, severityId: number = SEVERITY_ID.informational): Shape => ({
      classUid: CLASS.accountChange, activityId, statusId: STATUS_ID.success, severityId, message,
      extra: { user, src_endpoint: endpoint },
    });
    switch (verb) {
      case 'login_succeeded': return auth(AUTH.logon, STATUS_ID.success, `User ${who} logged on`);
      case 'login_failed': return auth(AUTH.logon, STATUS_ID.failure, `Logon failed for ${who}: ${str(data.reason) ?? 'UNKNOWN'}`, str(data.reason));
      case 'logged_out': return auth(AUTH.logoff, STATUS_ID.success, `User ${who} logged off`);
      case 'created': return account(ACCOUNT.create, `User ${who} created${Array.isArray(data.roles) && data.roles.length ? ` with roles ${data.roles.join(', ')}` : ''}`);
      case 'locked': return account(ACCOUNT.lock, `User ${who} locked${str(data.until) ? ` until ${str(data.until)}` : ''}`, SEVERITY_ID.medium);
      case 'disabled': return account(ACCOUNT.disable, `User ${who} disabled`, SEVERITY_ID.low);
      case 'enabled': return account(ACCOUNT.enable, `User ${who} enabled`);
      case 'deleted': return account(ACCOUNT.delete, `User ${who} deleted`, SEVERITY_ID.low);
      case 'password_changed': return account(ACCOUNT.passwordChange, `Password of ${who} changed`);
      case 'password_reset': return account(ACCOUNT.passwordReset, `Password of ${who} reset`);
      case 'updated':
      case 'status_changed': {
        const changes = verb === 'status_changed' ? ['status'] : Array.isArray(data.changes) ? data.changes.map(String) : [];
        const password = changes.some((c) => /password/i.test(c));
        if (changes.includes('status')) {
          // Disabling or re-enabling an account is an Account Change (3001) a SIEM's account rules look
          // for, never a generic entity update, whatever else changed in the same call.
          const others = changes.filter((c) => c !== 'status');
          const also = others.length ? ` (also changed: ${others.join(', ')})` : '';
          const state = accountStateOf(data);
          if (state === 'DISABLED') return account(ACCOUNT.disable, `User ${who} disabled${also}`, SEVERITY_ID.low);
          if (state === 'ACTIVE') return account(ACCOUNT.enable, `User ${who} enabled${also}`);
          // The event says the status changed but not to what: still an account change, activity Other.
          const shape = account(OTHER, `Status of ${who} changed${also}`, SEVERITY_ID.low);
          return { ...shape, extra: { ...shape.extra, unmapped: { verb, changes } } };
        }
        if (password) return account(ACCOUNT.passwordChange, `Password of ${who} changed`);
        break; // generic update: entity management below
      }
      default: break;
    }
  }

  // Entity Management for everything else: the aggregate is the entity type.
  const activityId = SUBJECT_ACTIVITY[envelope.subject] ?? crudActivityOfVerb(verb);
  const uid = str(data[`${camel(aggregate)}Id`]) ?? str(data.id) ?? str(data.uid);
  const name = str(data.name) ?? str(data.slug) ?? str(data.title) ?? str(data.code);
  const changes = Array.isArray(data.changes) ? ` (${data.changes.map(String).join(', ')})` : '';
  const entity = { type: aggregate, ...(uid ? { uid } : {}), ...(name ? { name } : {}), data: redact(data) as Data };
  if (!entity.uid && !entity.name) entity.name = aggregate;
  const statusId = statusOfVerb(verb);
  return {
    ...info,
    activityId,
    statusId,
    severityId: statusId === STATUS_ID.failure ? SEVERITY_ID.low : SEVERITY_ID.informational,
    message: `${capital(aggregate)} ${name ?? uid ?? ''}${name || uid ? ' ' : ''}${verb.replace(/_/g, ' ')}${changes}`,
    extra: { entity, ...(activityId === CRUD.other ? { unmapped: { verb } } : {}) },
  };
}

/** Subjects whose verb names what changed (`<part>_updated`): their CRUD activity, which the bare verb rule would call Other. */
const SUBJECT_ACTIVITY: Readonly<Record<string, number>> = {
  'identity.tenant.branding_updated': CRUD.update,
};

const camel = (s: string) => s.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
const capital = (s: string) => (s ? s[0]!.toUpperCase() + s.slice(1).replace(/_/g, ' ') : s);

export function fromEnvelope(envelope: AuditedEnvelope, options: MapOptions): OcsfEvent {
  const tenant = tenantOfEnvelope(envelope);
  const { domain } = parseSubject(envelope.subject);
  const product = `imagy-${domain}`;
  const shape = shapeOf(envelope, tenant, product);
  const time = Date.parse(envelope.occurredAt);
  if (!Number.isFinite(time)) throw new Error(`Event ${envelope.id} has an invalid occurredAt`);
  const cls = CLASSES[shape.classUid];
  const event: OcsfEvent = {
    class_uid: shape.classUid,
    class_name: cls.name,
    category_uid: cls.category.uid,
    category_name: cls.category.name,
    activity_id: shape.activityId,
    activity_name: activityName(shape.classUid, shape.activityId),
    type_uid: typeUidOf(shape.classUid, shape.activityId),
    type_name: typeName(shape.classUid, shape.activityId),
    severity_id: shape.severityId,
    severity: SEVERITY[shape.severityId]!,
    status_id: shape.statusId,
    status: STATUS[shape.statusId]!,
    ...(shape.statusDetail ? { status_detail: shape.statusDetail } : {}),
    time,
    message: maskText(shape.message.trim()),
    metadata: {
      version: OCSF_VERSION,
      product: { name: 'Imagy', vendor_name: 'Imagy', uid: product, feature: { name: domain } },
      tenant_uid: tenant,
      uid: envelope.id,
      ...(envelope.requestId ? { correlation_uid: envelope.requestId } : {}),
      event_code: envelope.subject,
      log_name: envelope.subject,
      logged_time: options.loggedAt,
      original_time: envelope.occurredAt,
    },
    actor: actorOf(envelope, product, options.actorInTenant === true),
    ...(redact(shape.extra) as Partial<OcsfEvent>),
  };
  // A logon is performed by the user who logs on, even though no token carried their identity yet.
  if (shape.classUid === CLASS.authentication && event.user?.uid && envelope.actor?.kind !== 'user') {
    event.actor = { user: { ...event.user }, app_name: product };
  }
  if (envelope.actor?.ip && !event.src_endpoint) event.src_endpoint = { ip: envelope.actor.ip };
  if (envelope.actor?.userAgent && !event.http_request) event.http_request = { user_agent: maskText(envelope.actor.userAgent) };
  return event;
}
