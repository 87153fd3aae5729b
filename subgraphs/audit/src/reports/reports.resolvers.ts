/** Thin GraphQL resolvers of audit reports over ReportService. */
import type { Resolvers } from '../__generated__/graphql';
import type { ReportService } from './report.service';

export function reportResolvers(reports: ReportService): Resolvers {
  return {
    Query: {
      auditReport: (_p, args, ctx) => reports.report(ctx.auth, args),
    },
    AuditReportRow: {
      actor: (r) => (r.actorUserId ? { __typename: 'User', id: r.actorUserId } : null),
      actorKind: (r) => r.actorKind,
    },
  };
}
