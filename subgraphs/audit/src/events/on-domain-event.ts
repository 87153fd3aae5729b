/**
 * The `audit` consumer's handler: every domain event becomes one OCSF audit event.
 *
 * Runs inside the consumer's transaction, after its inbox row was inserted (exactly-once effect);
 * the audit row id is derived from the event id and its time from occurredAt, so even a replay that
 * bypassed the inbox could not store twice. The audit domain's own events (`audit.*`) are not
 * consumed at all (see app.ts): auditing them would feed back forever.
 */
import type { EventHandler } from '@imagy/platform/events';
import type { AuditEventService } from '../audit-events/audit-event.service';

export function onDomainEvent(service: AuditEventService): EventHandler {
  return async (em, envelope) => {
    if (envelope.subject.startsWith('audit.')) return;
    await service.ingest(em, envelope);
  };
}
