/**
 * Monthly partitions of audit_events, created ahead of time: the current month and the next
 * `monthsAhead` (3) at start and then daily. Months are UTC calendar months.
 *
 * If rows of a month already sit in the DEFAULT partition (events dated outside the prepared
 * range, e.g. a backfill), Postgres refuses to create that month's partition; those rows are then
 * moved into a new table which is attached as the partition, all in one transaction under an
 * advisory lock (see partitions.store.ts).
 */
import { inPlatformTx, type Orm } from '@imagy/platform/db';
import { logger } from '@imagy/platform/logger';
import {
  countInDefault, createPartition, createPartitionMovingDefaultRows, listPartitionRows, lockPartitions, partitionExists, protectPartition,
  type MonthRange, type PartitionRow,
} from './partitions.store';

export type { MonthRange } from './partitions.store';

const log = logger.child({ component: 'audit-partitions' });

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
  return inPlatformTx(orm, async (em) => {
    await lockPartitions(em);
    if (await partitionExists(em, month.name)) return false;
    const waiting = await countInDefault(em, month);
    if (waiting === 0) {
      await createPartition(em, month);
    } else {
      await createPartitionMovingDefaultRows(em, month);
      log.info({ partition: month.name, moved: waiting }, 'moved rows from the default partition');
    }
    await protectPartition(em, month.name);
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

export async function listPartitions(orm: Orm): Promise<PartitionRow[]> {
  return inPlatformTx(orm, listPartitionRows);
}
