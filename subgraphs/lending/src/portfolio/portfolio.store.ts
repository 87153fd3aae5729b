/**
 * Portfolio aggregates (hand-written SQL: each figure is one grouped statement over the tenant's
 * rows, which an ORM would only load row by row). Every function runs on the `em` of the caller's
 * tenant-scoped transaction, so RLS keeps other tenants' credits and payments out.
 * Indexes: credits_status (tenant_id, status) for the buckets, credits_disbursed
 * (tenant_id, disbursed_at) and payments_applied_paid (tenant_id, paid_at) where status = 'APPLIED'
 * for the months (migrations/0400-portfolio-indexes.ts).
 */
import type { Em } from '@imagy/platform/db';

export interface BucketRow { bucket: string | null; currency: string; credits: number; outstanding: string }

/** Open credits (ACTIVE, DEFAULTED) per bucket and currency: current (null bucket) first, then by days past due. */
export async function balanceByBucket(em: Em, currency: string | null): Promise<BucketRow[]> {
  return em.execute<BucketRow[]>(
    `select c.bucket, trim(c.currency) as currency, count(*)::int as credits, sum(c.principal_outstanding)::text as outstanding
       from credits c
      where c.status in ('ACTIVE', 'DEFAULTED') and (?::text is null or c.currency = ?::bpchar)
      group by c.bucket, c.currency
      order by 2, (c.bucket is not null), min(c.days_past_due), 1`,
    [currency, currency],
  );
}

export interface MonthRow { month: string; currency: string; disbursed: string; disbursed_count: number; collected: string; payments_count: number }

/**
 * Disbursed principal and applied payments per calendar month in [firstMonth, lastMonth] (first
 * days of months), per currency: `currency`, or every currency with activity in the range. A month
 * without activity is a row of zeros. Disbursement and payment dates are business dates (the
 * tenant's calendar), so a month is the month of those dates.
 */
export async function monthlyFlows(em: Em, firstMonth: string, lastMonth: string, currency: string | null): Promise<MonthRow[]> {
  return em.execute<MonthRow[]>(
    `with months as (
       select m::date as month from generate_series(?::date, ?::date, interval '1 month') m
     ), disbursed as (
       select date_trunc('month', c.disbursed_at::timestamp)::date as month, trim(c.currency) as currency, count(*)::int as n, sum(c.principal) as amount
         from credits c
        where c.disbursed_at >= ?::date and c.disbursed_at < (?::date + interval '1 month') and (?::text is null or c.currency = ?::bpchar)
        group by 1, 2
     ), collected as (
       select date_trunc('month', p.paid_at::timestamp)::date as month, trim(p.currency) as currency, count(*)::int as n, sum(p.amount) as amount
         from payments p
        where p.status = 'APPLIED' and p.paid_at >= ?::date and p.paid_at < (?::date + interval '1 month') and (?::text is null or p.currency = ?::bpchar)
        group by 1, 2
     ), currencies as (
       select ?::text as currency where ?::text is not null
       union select currency from disbursed union select currency from collected
     )
     select to_char(m.month, 'YYYY-MM') as month, cur.currency,
            coalesce(d.amount, 0)::text as disbursed, coalesce(d.n, 0) as disbursed_count,
            coalesce(p.amount, 0)::text as collected, coalesce(p.n, 0) as payments_count
       from months m cross join currencies cur
       left join disbursed d on d.month = m.month and d.currency = cur.currency
       left join collected p on p.month = m.month and p.currency = cur.currency
      order by m.month, cur.currency`,
    [firstMonth, lastMonth, firstMonth, lastMonth, currency, currency, firstMonth, lastMonth, currency, currency, currency, currency],
  );
}
