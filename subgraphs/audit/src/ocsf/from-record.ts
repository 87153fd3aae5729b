/**
 * Pure mapping of an explicit `recordAuditEvent` call to an OCSF 1.x event: API Activity (6003)
 * for "someone called this operation", Entity Management (3004) for "someone changed this thing".
 * The actor is always the authenticated caller; the tenant is always the caller's.
 */
import { CLASS, CLASSES, CRUD, OCSF_VERSION, SEVERITY, SEVERITY_ID, STATUS, STATUS_ID, activityName, typeName, typeUidOf, type ClassUid } from './classes';
import type { AuditActivity, AuditSeverity, RecordAuditEventInput } from '../__generated__/graphql';
import { maskText, redact } from './redact';
import type { OcsfEvent } from './types';

/** The input of `recordAuditEvent`, as the SDL declares it (generated). */
export type RecordInput = RecordAuditEventInput;

export interface RecordCaller {
  tenantId: string;
  userId: string;
  kind: 'user' | 'apiKey';
  roles: string[];
  requestId: string;
  ip?: string | null;
  userAgent?: string | null;
}

const ACTIVITY: Record<AuditActivity, number> = { CREATE: CRUD.create, READ: CRUD.read, UPDATE: CRUD.update, DELETE: CRUD.delete, OTHER: CRUD.other };
const SEVERITY_OF: Record<AuditSeverity, number> = { INFORMATIONAL: SEVERITY_ID.informational, LOW: SEVERITY_ID.low, MEDIUM: SEVERITY_ID.medium, HIGH: SEVERITY_ID.high, CRITICAL: SEVERITY_ID.critical };

export function fromRecord(input: RecordInput, caller: RecordCaller, ids: { uid: string; time: number; loggedAt: number }): OcsfEvent {
  const classUid: ClassUid = input.kind === 'API_ACTIVITY' ? CLASS.apiActivity : CLASS.entityManagement;
  const activityId = ACTIVITY[input.activity];
  const statusId = input.outcome === 'FAILURE' ? STATUS_ID.failure : STATUS_ID.success;
  const severityId = SEVERITY_OF[input.severity ?? 'INFORMATIONAL'];
  const cls = CLASSES[classUid];
  const product = 'imagy-audit';
  const serviceName = input.serviceName?.trim() || 'imagy';
  const resource = {
    type: input.resourceType,
    ...(input.resourceId ? { uid: input.resourceId } : {}),
    ...(input.resourceName ? { name: input.resourceName } : {}),
  };
  if (!resource.uid && !resource.name) Object.assign(resource, { name: input.resourceType });
  // validateRecord let only a JSON object through; anything else is not stored.
  const data = input.data && typeof input.data === 'object' && !Array.isArray(input.data) ? (redact(input.data) as Record<string, unknown>) : undefined;
  const defaultMessage = `${input.operation} ${input.activity.toLowerCase()} ${input.resourceType}${input.resourceId ? ` ${input.resourceId}` : ''}`;
  const event: OcsfEvent = {
    class_uid: classUid,
    class_name: cls.name,
    category_uid: cls.category.uid,
    category_name: cls.category.name,
    activity_id: activityId,
    activity_name: activityName(classUid, activityId),
    type_uid: typeUidOf(classUid, activityId),
    type_name: typeName(classUid, activityId),
    severity_id: severityId,
    severity: SEVERITY[severityId]!,
    status_id: statusId,
    status: STATUS[statusId]!,
    time: ids.time,
    message: maskText((input.message?.trim() || defaultMessage).slice(0, 2000)),
    metadata: {
      version: OCSF_VERSION,
      product: { name: 'Imagy', vendor_name: 'Imagy', uid: product, feature: { name: 'recordAuditEvent' } },
      tenant_uid: caller.tenantId,
      uid: ids.uid,
      correlation_uid: caller.requestId,
      event_code: `audit.record.${input.kind.toLowerCase()}`,
      log_name: 'audit.record',
      logged_time: ids.loggedAt,
    },
    actor: {
      user: { uid: caller.userId, type_id: caller.kind === 'apiKey' ? 4 : 1, type: caller.kind === 'apiKey' ? 'Service' : 'User', org: { uid: caller.tenantId } },
      app_name: serviceName,
    },
    src_endpoint: caller.ip ? { ip: caller.ip } : { svc_name: serviceName },
    ...(caller.userAgent ? { http_request: { user_agent: maskText(caller.userAgent), uid: caller.requestId } } : {}),
  };
  if (classUid === CLASS.apiActivity) {
    event.api = { operation: input.operation, service: { name: serviceName }, request: { uid: caller.requestId } };
    event.resources = [resource];
    if (data) event.unmapped = { data };
  } else {
    event.entity = { ...resource, ...(data ? { data } : {}) };
    event.comment = maskText(input.operation);
  }
  return event;
}
