/**
 * SQL of audit reports: one aggregation over audit_events, grouped by actor, by resource or by a
 * UTC period. Runs on the caller's tenant-scoped transaction (RLS decides what is counted); the
 * WHERE clause comes from the audit-events store so search and reports filter identically.
 */
import { iso, type Em } from '@imagy/platform/db';
import type { AuditPeriod, AuditReportGroupBy } from '../__generated__/graphql';
import type { Where } from '../audit-events/audit-event.store';

export type GroupBy = AuditReportGroupBy;
export type Period = AuditPeriod;

/** One aggregated row as the database returns it; `actorTypeId` (OCSF actor.user.type_id) only when grouping by actor. */
export interface ReportAggregateRow { key: string; count: number; firstAt: string; lastAt: string; failures: number; actorTypeId?: number | null }

/** The key of events without an actor user (system jobs, anonymous callers) in ACTOR reports. */
export const SYSTEM_KEY = 'system';

const PERIOD_SQL: Record<Period, string> = {
  DAY: `to_char(date_trunc('day', time at time zone 'UTC'), 'YYYY-MM-DD')`,
  WEEK: `to_char(date_trunc('week', time at time zone 'UTC'), 'IYYY-"W"IW')`,
  MONTH: `to_char(date_trunc('month', time at time zone 'UTC'), 'YYYY-MM')`,
};

const KEY_SQL: Record<Exclude<GroupBy, 'PERIOD'>, string> = {
  ACTOR: `coalesce(actor_user_id, '${SYSTEM_KEY}')`,
  RESOURCE: `coalesce(resource_type, 'unknown') || ':' || coalesce(resource_id, '')`,
};

export type Grouping = { groupBy: 'ACTOR' | 'RESOURCE' } | { groupBy: 'PERIOD'; period: Period };

/** Counts, first/last time and failures per group; periods in time order, other groups by count. */
export async function aggregate(em: Em, where: Where, grouping: Grouping, limit: number): Promise<ReportAggregateRow[]> {
  const keySql = grouping.groupBy === 'PERIOD' ? PERIOD_SQL[grouping.period] : KEY_SQL[grouping.groupBy];
  const order = grouping.groupBy === 'PERIOD' ? 'key' : 'count desc, key';
  // One actor id has one OCSF type (a user is a user, an API key a service); for the `system` group
  // (no actor id) the highest type says whether any event was the platform's (3) or all anonymous (0).
  const actorType = grouping.groupBy === 'ACTOR'
    ? `, max(case when jsonb_typeof(ocsf #> '{actor,user,type_id}') = 'number' then (ocsf #>> '{actor,user,type_id}')::int end) as "actorTypeId"`
    : '';
  return em.execute<ReportAggregateRow[]>(
    `select ${keySql} as key, count(*)::int as count, ${iso('min(time)')} as "firstAt", ${iso('max(time)')} as "lastAt",
            (count(*) filter (where status_id = 2))::int as failures${actorType}
       from audit_events where ${where.sql}
      group by 1 order by ${order} limit ${Math.floor(limit)}`,
    where.params,
  );
}
