/**
 * SQL of audit_events' monthly partitions: catalogue lookups and the DDL that creates or attaches a
 * month. Runs in a platform transaction (no tenant): partitions hold every tenant's rows.
 * Partition names and bounds come from `monthRange` (digits and a fixed prefix only), never from input.
 */
import type { Em } from '@imagy/platform/db';
import { tenantRlsSql } from '@imagy/platform/db';

export interface MonthRange { name: string; from: string; to: string }
export interface PartitionRow { name: string; bounds: string }

const PARTITION_NAME = /^audit_events_y\d{4}m\d{2}$/;
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** DDL cannot take bind parameters: refuse anything but a name and bounds `monthRange` made. */
function checked(month: MonthRange): MonthRange {
  if (!PARTITION_NAME.test(month.name) || !ISO.test(month.from) || !ISO.test(month.to)) throw new Error(`Unsafe partition ${JSON.stringify(month)}`);
  return month;
}

/** Serialises partition maintenance across replicas until the transaction ends. */
export async function lockPartitions(em: Em): Promise<void> {
  await em.execute('select pg_advisory_xact_lock(hashtext(?))', ['imagy-audit-partitions']);
}

export async function partitionExists(em: Em, name: string): Promise<boolean> {
  const rows = await em.execute<{ one: number }[]>(
    `select 1 as one from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname = current_schema() and c.relname = ?`, [name]);
  return rows.length > 0;
}

/** Rows of the month already sitting in the DEFAULT partition, counted across tenants (read-only scope, lifted again after). */
export async function countInDefault(em: Em, month: MonthRange): Promise<number> {
  await em.execute(`select set_config('app.all_tenants', 'on', true)`);
  const rows = await em.execute<{ n: number }[]>(`select count(*)::int as n from audit_events_default where time >= ?::timestamptz and time < ?::timestamptz`, [month.from, month.to]);
  await em.execute(`select set_config('app.all_tenants', 'off', true)`);
  return rows[0]!.n;
}

export async function createPartition(em: Em, month: MonthRange): Promise<void> {
  const m = checked(month);
  await em.execute(`create table ${m.name} partition of audit_events for values from ('${m.from}') to ('${m.to}')`);
}

/**
 * Moves the month's rows out of the DEFAULT partition into a new table and attaches it as the
 * month's partition. The default partition's FORCE RLS is lifted only inside this transaction, so
 * the owner role can move every tenant's rows.
 */
export async function createPartitionMovingDefaultRows(em: Em, month: MonthRange): Promise<void> {
  const m = checked(month);
  await em.execute(`alter table audit_events_default no force row level security`);
  await em.execute(`create table ${m.name} (like audit_events including defaults including constraints)`);
  await em.execute(`with moved as (delete from audit_events_default where time >= ?::timestamptz and time < ?::timestamptz returning *) insert into ${m.name} select * from moved`, [m.from, m.to]);
  await em.execute(`alter table audit_events attach partition ${m.name} for values from ('${m.from}') to ('${m.to}')`);
  await em.execute(`alter table audit_events_default force row level security`);
}

/** The parent's policies, repeated on a partition (defence in depth if one is queried by name). */
export async function protectPartition(em: Em, name: string): Promise<void> {
  for (const s of tenantRlsSql(name, { crossTenantRead: true })) await em.execute(s);
}

export async function listPartitionRows(em: Em): Promise<PartitionRow[]> {
  return em.execute<PartitionRow[]>(`select c.relname as name, pg_get_expr(c.relpartbound, c.oid) as bounds
    from pg_inherits i join pg_class c on c.oid = i.inhrelid join pg_class p on p.oid = i.inhparent
    where p.relname = 'audit_events' and p.relnamespace = (select oid from pg_namespace where nspname = current_schema())
    order by c.relname`);
}
