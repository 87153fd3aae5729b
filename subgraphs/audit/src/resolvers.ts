/** The audit subgraph's resolver map: every feature's resolvers merged type by type. */
import { mergeResolvers, type NatsSubscriptionHub } from '@imagy/platform/server';
import { auditEventResolvers } from './audit-events/audit-event.resolvers';
import type { AuditEventService } from './audit-events/audit-event.service';
import { DateTimeScalar, JSONScalar } from './audit-events/scalars';
import { reportResolvers } from './reports/reports.resolvers';
import type { ReportService } from './reports/report.service';

/** `hub` feeds `Subscription.auditEvents` (absent: the subscription answers an error). */
export function auditResolvers(events: AuditEventService, reports: ReportService, hub?: NatsSubscriptionHub) {
  return { JSON: JSONScalar, DateTime: DateTimeScalar, ...mergeResolvers(auditEventResolvers(events, hub), reportResolvers(reports)) };
}
