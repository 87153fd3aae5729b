/**
 * Monthly partitions of audit_events, created ahead of time: the current month and the next
 * `monthsAhead` (3) at start and then daily. Months are UTC calendar months.
 *
 * If rows of a month already sit in the DEFAULT partition (events dated outside the prepared
 * range, e.g. a backfill), Postgres refuses to create that month's partition; those rows are then
 * moved into a new table which is attached as the partition, all in one transaction under an
 * advisory lock (the default partition's FORCE RLS is lifted only inside that transaction, so the
 * owner role can move every tenant's rows).
 */
import type { Orm } from '@imagy/platform/db';
import { tenantRlsSql } from '@imagy/platform/db';
import { logger } from '@imagy/platform/logger';

const log = logger.child({ component: 'audit-partitions' });

export interface MonthRange { name: string; from: string; to: string }

export function monthRange(year: number, month0: number): MonthRange {
  const start = new Date(Date.UTC(year, month0, 1));
  const end = new Date(Date.UTC(year, month0 + 1, 1));
  const y = start.getUTCFullYear();
  const m = String(start.getUTCMonth() + 1).padStart(2, '0');
  return { name: `audit_events_y${y}m${m}`, from: start.toISOString(), to: end.toISOString() };
}

export function monthsFrom(now: Date, monthsAhead: number): MonthRange[] {
  return Array.from({ length: monthsAhead + 1 }, (_, i) => monthRange(now.getUTCFullYear(), now.getUTCMonth() + i));
}

/** Creates the missing monthly partitions covering `now`'s month and `monthsAhead` more; returns the names created. */
export async function ensurePartitions(orm: Orm, now = new Date(), monthsAhead = 3): Promise<string[]> {
  const created: string[] = [];
  for (const month of monthsFrom(now, monthsAhead)) {
    if (await ensureMonth(orm, month)) created.push(month.name);
  }
  if (created.length) log.info({ created }, 'audit partitions created');
  return created;
}

export async function ensureMonth(orm: Orm, month: MonthRange): Promise<boolean> {
  const knex = orm.em.getConnection().getKnex();
  return knex.transaction(async (trx) => {
    await trx.raw('select pg_advisory_xact_lock(hashtext(?))', ['imagy-audit-partitions']);
    const exists = await trx.raw(`select 1 from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname = current_schema() and c.relname = ?`, [month.name]);
    if (exists.rows.length > 0) return false;
    // Count the month's rows already in the default partition (read-only cross-tenant scope).
    await trx.raw(`select set_config('app.all_tenants', 'on', true)`);
    const { rows } = await trx.raw(`select count(*)::int as n from audit_events_default where time >= ?::timestamptz and time < ?::timestamptz`, [month.from, month.to]) as { rows: { n: number }[] };
    await trx.raw(`select set_config('app.all_tenants', 'off', true)`);
    if (rows[0]!.n === 0) {
      await trx.raw(`create table ${month.name} partition of audit_events for values from ('${month.from}') to ('${month.to}')`);
    } else {
      await trx.raw(`alter table audit_events_default no force row level security`);
      await trx.raw(`create table ${month.name} (like audit_events including defaults including constraints)`);
      await trx.raw(`with moved as (delete from audit_events_default where time >= ?::timestamptz and time < ?::timestamptz returning *) insert into ${month.name} select * from moved`, [month.from, month.to]);
      await trx.raw(`alter table audit_events attach partition ${month.name} for values from ('${month.from}') to ('${month.to}')`);
      await trx.raw(`alter table audit_events_default force row level security`);
      log.info({ partition: month.name, moved: rows[0]!.n }, 'moved rows from the default partition');
    }
    for (const s of tenantRlsSql(month.name, { crossTenantRead: true })) await trx.raw(s);
    return true;
  });
}

/** Runs `ensurePartitions` now and then every `intervalMs` (daily); returns a stop function. */
export function schedulePartitions(orm: Orm, intervalMs = 24 * 3600_000): () => void {
  const timer = setInterval(() => {
    ensurePartitions(orm).catch((err) => log.error({ err: (err as Error).message }, 'could not create audit partitions'));
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}

export async function listPartitions(orm: Orm): Promise<{ name: string; bounds: string }[]> {
  const knex = orm.em.getConnection().getKnex();
  const { rows } = await knex.raw(`select c.relname as name, pg_get_expr(c.relpartbound, c.oid) as bounds
    from pg_inherits i join pg_class c on c.oid = i.inhrelid join pg_class p on p.oid = i.inhparent
    where p.relname = 'audit_events' and p.relnamespace = (select oid from pg_namespace where nspname = current_schema())
    order by c.relname`) as { rows: { name: string; bounds: string }[] };
  return rows;
}
