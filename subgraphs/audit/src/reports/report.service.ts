/**
 * Audit reports: counts of events grouped by actor, by resource or by period (day/week/month,
 * UTC), with first/last occurrence and failures. One SQL aggregation over the caller's read scope,
 * bounded in time range (checkRange) and in rows (REPORT_ROW_LIMIT).
 */
import type { AuthContext } from '@imagy/platform/auth';
import { inTenantTx, type Orm } from '@imagy/platform/db';
import { BadInputError } from '@imagy/platform/server';
import { readAccess } from '../audit-events/access';
import { checkRange } from '../audit-events/audit-event.service';
import { ISO_TIME, whereOf, type AuditFilter } from '../audit-events/audit-event.store';

export type GroupBy = 'ACTOR' | 'RESOURCE' | 'PERIOD';
export type Period = 'DAY' | 'WEEK' | 'MONTH';

export interface ReportRow { key: string; count: number; firstAt: string; lastAt: string; failures: number; actorUserId: string | null }

export const REPORT_ROW_LIMIT = 1000;
const SYSTEM_KEY = 'system';

const PERIOD_SQL: Record<Period, string> = {
  DAY: `to_char(date_trunc('day', time at time zone 'UTC'), 'YYYY-MM-DD')`,
  WEEK: `to_char(date_trunc('week', time at time zone 'UTC'), 'IYYY-"W"IW')`,
  MONTH: `to_char(date_trunc('month', time at time zone 'UTC'), 'YYYY-MM')`,
};

export class ReportService {
  constructor(private readonly orm: Orm) {}

  async report(auth: AuthContext, args: { groupBy: GroupBy; period?: Period | null; from: Date; to: Date; filter?: AuditFilter | null }): Promise<ReportRow[]> {
    const access = readAccess(auth);
    checkRange(args.from, args.to);
    if (args.groupBy === 'PERIOD' && !args.period) throw new BadInputError('period is required when grouping by PERIOD', 'period');
    const filter: AuditFilter = { ...(args.filter ?? {}), from: args.from, to: args.to };
    const where = whereOf(filter, access.allTenants ? null : access.user.tenantId);
    const keySql = args.groupBy === 'ACTOR'
      ? `coalesce(actor_user_id, '${SYSTEM_KEY}')`
      : args.groupBy === 'RESOURCE'
        ? `coalesce(resource_type, 'unknown') || ':' || coalesce(resource_id, '')`
        : PERIOD_SQL[args.period!];
    const order = args.groupBy === 'PERIOD' ? 'key' : 'count desc, key';
    const rows = await inTenantTx(this.orm, access.scope, (em) => em.execute(
      `select ${keySql} as key, count(*)::int as count, ${ISO_TIME('min(time)')} as "firstAt", ${ISO_TIME('max(time)')} as "lastAt",
              (count(*) filter (where status_id = 2))::int as failures
         from audit_events where ${where.sql}
        group by 1 order by ${order} limit ${REPORT_ROW_LIMIT}`,
      where.params,
    )) as Omit<ReportRow, 'actorUserId'>[];
    return rows.map((r) => ({ ...r, actorUserId: args.groupBy === 'ACTOR' && r.key !== SYSTEM_KEY ? r.key : null }));
  }
}
