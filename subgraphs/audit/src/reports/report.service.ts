/**
 * Audit reports: counts of events grouped by actor, by resource or by period (day/week/month,
 * UTC), with first/last occurrence and failures, over the caller's read scope. The rules live
 * here (who may ask, the range bound, the period requirement, the row bound, how an actor is
 * shown); the aggregation is one SQL statement in reports.store.ts.
 */
import type { AuthContext } from '@imagy/platform/auth';
import { inTenantTx, type Orm } from '@imagy/platform/db';
import { BadInputError } from '@imagy/platform/server';
import { readAccess } from '../audit-events/access';
import { checkRange, validateFilter } from '../audit-events/audit-event.service';
import { whereOf, type AuditFilter } from '../audit-events/audit-event.store';
import { actorKindOf } from '../actors/actors.rules';
import { tenantUsersAmong } from '../actors/actors.store';
import type { AuditActorKind, QueryAuditReportArgs } from '../__generated__/graphql';
import { aggregate, SYSTEM_KEY, type Grouping } from './reports.store';

export interface ReportRow {
  key: string;
  count: number;
  firstAt: string;
  lastAt: string;
  failures: number;
  /** Set only for ACTOR rows of a user of the caller's tenant (the only users identity will show the caller). */
  actorUserId: string | null;
  /** ACTOR rows only. */
  actorKind: AuditActorKind | null;
}

export const REPORT_ROW_LIMIT = 1000;

export class ReportService {
  constructor(private readonly orm: Orm) {}

  async report(auth: AuthContext, args: QueryAuditReportArgs): Promise<ReportRow[]> {
    const access = readAccess(auth);
    const range = checkRange(args.from, args.to);
    let grouping: Grouping;
    if (args.groupBy === 'PERIOD') {
      if (!args.period) throw new BadInputError('period is required when grouping by PERIOD', 'period');
      grouping = { groupBy: 'PERIOD', period: args.period };
    } else {
      grouping = { groupBy: args.groupBy };
    }
    // The report's own range bounds the filter's (same checks as a search filter).
    const filter: AuditFilter = validateFilter({ ...(args.filter ?? {}), ...range });
    const where = whereOf(filter, access.allTenants ? null : access.user.tenantId);
    return inTenantTx(this.orm, access.scope, async (em) => {
      const rows = await aggregate(em, where, grouping, REPORT_ROW_LIMIT);
      if (grouping.groupBy !== 'ACTOR') return rows.map(({ actorTypeId: _, ...r }) => ({ ...r, actorUserId: null, actorKind: null }));
      // Actors of other tenants (platform staff acting here) keep their id as the key, but are never
      // resolved through identity: see actors.rules.ts.
      const local = await tenantUsersAmong(em, access.user.tenantId, rows.map((r) => r.key));
      return rows.map(({ actorTypeId, ...r }) => {
        const actorId = r.key === SYSTEM_KEY ? null : r.key;
        const actorKind = actorKindOf(actorTypeId, actorId, actorId !== null && local.has(actorId.toLowerCase()));
        return { ...r, actorKind, actorUserId: actorKind === 'USER' ? actorId : null };
      });
    });
  }
}
