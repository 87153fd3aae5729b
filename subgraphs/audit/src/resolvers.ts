/** The audit subgraph's resolver map: every feature's resolvers merged type by type, typed by the generated `Resolvers`. */
import { scalarResolvers, userErrorResolvers } from '@imagy/platform/graphql';
import type { NatsSubscriptionHub } from '@imagy/platform/server';
import type { Resolvers } from './__generated__/graphql';
import { auditEventResolvers } from './audit-events/audit-event.resolvers';
import type { AuditEventService } from './audit-events/audit-event.service';
import { messages } from './i18n/messages';
import { reportResolvers } from './reports/reports.resolvers';
import type { ReportService } from './reports/report.service';
import { typeDefs } from './schema';

/** `hub` feeds `Subscription.auditEvents` (absent: the subscription answers an error). */
export function auditResolvers(events: AuditEventService, reports: ReportService, hub?: NatsSubscriptionHub): Resolvers {
  const auditEvents = auditEventResolvers(events, hub);
  const auditReports = reportResolvers(reports);
  return {
    ...scalarResolvers(typeDefs),
    ...userErrorResolvers(messages),
    ...auditEvents,
    ...auditReports,
    // The only type both features fill.
    Query: { ...auditEvents.Query, ...auditReports.Query },
  };
}
