/** The audit subgraph's resolver map: every feature's resolvers merged type by type, typed by the generated `Resolvers`. */
import { DateTimeScalar, JSONScalar, userErrorResolvers } from '@imagy/platform/graphql';
import type { NatsSubscriptionHub } from '@imagy/platform/server';
import type { Resolvers } from './__generated__/graphql';
import { auditEventResolvers } from './audit-events/audit-event.resolvers';
import type { AuditEventService } from './audit-events/audit-event.service';
import { messages } from './i18n/messages';
import { reportResolvers } from './reports/reports.resolvers';
import type { ReportService } from './reports/report.service';

/** `hub` feeds `Subscription.auditEvents` (absent: the subscription answers an error). */
export function auditResolvers(events: AuditEventService, reports: ReportService, hub?: NatsSubscriptionHub): Resolvers {
  const auditEvents = auditEventResolvers(events, hub);
  const auditReports = reportResolvers(reports);
  return {
    // The custom scalars audit's SDL declares.
    DateTime: DateTimeScalar,
    JSON: JSONScalar,
    ...userErrorResolvers(messages),
    ...auditEvents,
    ...auditReports,
    // The only type both features fill.
    Query: { ...auditEvents.Query, ...auditReports.Query },
  };
}
