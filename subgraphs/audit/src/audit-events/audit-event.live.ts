/**
 * Live tail of the audit trail (`Subscription.auditEvents`), fed by `audit.event.recorded`.
 *
 * The NATS fan-out (one core subscription per process, tenant isolation, bounded buffers) is the
 * platform's NatsSubscriptionHub. Per envelope, the stored event is loaded by id in the
 * subscriber's own read scope (RLS: a tenant_admin's transaction can only ever see its tenant's
 * rows, whatever the envelope says) and the subscriber's filter is applied in SQL, so the live tail
 * and `Query.auditEvents` agree on what matches. Never imports graphql.
 */
import type { AuthContext } from '@imagy/platform/auth';
import { mapHubIterator, type NatsSubscriptionHub } from '@imagy/platform/server';
import { readAccess } from './access';
import type { AuditEventService } from './audit-event.service';
import type { AuditEventRow, AuditFilter } from './audit-event.store';

export const RECORDED = 'audit.event.recorded' as const;

/**
 * Checks the caller's rights and the filter now (errors are the subscription's answer), then
 * returns the stream of matching events.
 */
export function liveAuditEvents(service: AuditEventService, hub: NatsSubscriptionHub, auth: AuthContext, rawFilter: AuditFilter | null | undefined): AsyncIterableIterator<AuditEventRow> {
  const access = readAccess(auth);
  const filter = service.checkFilter(rawFilter);
  const source = hub.subscribe(RECORDED, {
    tenantId: access.user.tenantId,
    allTenants: access.allTenants,
    // Cheap checks on the envelope first; the rest of the filter is applied in SQL.
    filter: (e) => (filter.classUid == null || e.data.classUid === filter.classUid) && (filter.activityId == null || e.data.activityId === filter.activityId),
  });
  return mapHubIterator(source, (envelope) => service.matching(auth, envelope.data.eventId, filter));
}
