/** Thin GraphQL resolvers of audit reports over ReportService. */
import type { AuditContext } from '../audit-events/audit-event.resolvers';
import type { AuditFilter } from '../audit-events/audit-event.store';
import type { GroupBy, Period, ReportRow, ReportService } from './report.service';

export function reportResolvers(reports: ReportService) {
  return {
    Query: {
      auditReport: (_: unknown, args: { groupBy: GroupBy; period?: Period | null; from: Date; to: Date; filter?: AuditFilter | null }, ctx: AuditContext) =>
        reports.report(ctx.auth, args),
    },
    AuditReportRow: {
      actor: (r: ReportRow) => (r.actorUserId ? { __typename: 'User', id: r.actorUserId } : null),
      actorKind: (r: ReportRow) => r.actorKind,
    },
  };
}
