/**
 * Audit reports: counts of events grouped by actor, by resource or by period (day/week/month,
 * UTC), with first/last occurrence and failures, over the caller's read scope. The rules live
 * here (who may ask, the range bound, the period requirement, the row bound); the aggregation is
 * one SQL statement in reports.store.ts.
 */
import type { AuthContext } from '@imagy/platform/auth';
import { inTenantTx, type Orm } from '@imagy/platform/db';
import { BadInputError } from '@imagy/platform/server';
import { readAccess } from '../audit-events/access';
import { checkRange } from '../audit-events/audit-event.service';
import { whereOf, type AuditFilter } from '../audit-events/audit-event.store';
import { aggregate, SYSTEM_KEY, type GroupBy, type Grouping, type Period } from './reports.store';

export type { GroupBy, Period } from './reports.store';

export interface ReportRow { key: string; count: number; firstAt: string; lastAt: string; failures: number; actorUserId: string | null }

export const REPORT_ROW_LIMIT = 1000;

export interface ReportArgs { groupBy: GroupBy; period?: Period | null; from: Date; to: Date; filter?: AuditFilter | null }

export class ReportService {
  constructor(private readonly orm: Orm) {}

  async report(auth: AuthContext, args: ReportArgs): Promise<ReportRow[]> {
    const access = readAccess(auth);
    checkRange(args.from, args.to);
    let grouping: Grouping;
    if (args.groupBy === 'PERIOD') {
      if (!args.period) throw new BadInputError('period is required when grouping by PERIOD', 'period');
      grouping = { groupBy: 'PERIOD', period: args.period };
    } else {
      grouping = { groupBy: args.groupBy };
    }
    const filter: AuditFilter = { ...(args.filter ?? {}), from: args.from, to: args.to };
    const where = whereOf(filter, access.allTenants ? null : access.user.tenantId);
    const rows = await inTenantTx(this.orm, access.scope, (em) => aggregate(em, where, grouping, REPORT_ROW_LIMIT));
    return rows.map((r) => ({ ...r, actorUserId: args.groupBy === 'ACTOR' && r.key !== SYSTEM_KEY ? r.key : null }));
  }
}
