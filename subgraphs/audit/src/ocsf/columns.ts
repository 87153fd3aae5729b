/** The filterable columns of an OCSF event, as stored beside its JSON. */
import type { OcsfEvent } from './types';

export interface AuditColumns {
  tenantId: string;
  classUid: number;
  categoryUid: number;
  activityId: number;
  typeUid: number;
  severityId: number;
  statusId: number;
  actorUserId: string | null;
  resourceType: string | null;
  resourceId: string | null;
  message: string;
  /** Text indexed for free-text search (message, names, e-mails split into words). */
  searchText: string;
}

export function columnsOf(event: OcsfEvent): AuditColumns {
  const resource = event.entity ?? event.resources?.[0] ?? (event.user ? { type: 'user', uid: event.user.uid, name: event.user.name } : undefined);
  const words = [
    event.message,
    event.class_name,
    event.activity_name,
    event.status,
    resource?.type,
    resource?.uid,
    resource?.name,
    event.user?.email_addr,
    event.user?.name,
    event.actor.user?.name,
    event.api?.operation,
    event.metadata.event_code,
    event.status_detail,
  ].filter((w): w is string => typeof w === 'string' && w.length > 0);
  // E-mails and dotted names are also indexed by their parts, so "alice" finds "alice@bank.test".
  const expanded = words.flatMap((w) => (/[@._-]/.test(w) ? [w, w.replace(/[@._-]+/g, ' ')] : [w]));
  return {
    tenantId: event.metadata.tenant_uid,
    classUid: event.class_uid,
    categoryUid: event.category_uid,
    activityId: event.activity_id,
    typeUid: event.type_uid,
    severityId: event.severity_id,
    statusId: event.status_id,
    actorUserId: event.actor.user?.uid ?? null,
    resourceType: resource?.type ?? null,
    resourceId: resource?.uid ?? null,
    message: event.message,
    searchText: expanded.join(' ').slice(0, 8000),
  };
}
