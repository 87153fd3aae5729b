/**
 * SQL of the daily delinquency job: set-based statements over every open installment and credit of
 * the tenant (one statement per step, not one per credit), which is what makes 100k credits a matter
 * of seconds. Runs on the `em` of the tenant-scoped transaction of one business date.
 */
import { ymd, type Em } from '@imagy/platform/db';

/** An amount with its currency, at the currency's minor unit. */
export interface CurrencyAmount { currency: string; amount: string }
export interface RunCounters { creditsEvaluated: number; penaltiesBooked: number; penaltyTotals: CurrencyAmount[]; defaulted: number }
export interface DefaultedCredit { id: string; borrower_id: string; days_past_due: number; principal_outstanding: string; currency: string; minor_units: number; contact_email: string | null; contact_phone: string | null }

interface RunRow { d: string; credits_evaluated: number; penalties_booked: number; penalty_totals: CurrencyAmount[]; defaulted: number }
const toCounters = (r: RunRow): RunCounters & { businessDate: string } => ({
  businessDate: r.d, creditsEvaluated: r.credits_evaluated, penaltiesBooked: r.penalties_booked, penaltyTotals: r.penalty_totals, defaulted: r.defaulted,
});

export async function lastRunDate(em: Em): Promise<string | null> {
  const rows = await em.execute<{ d: string | null }[]>(`select ${ymd('max(business_date)')} as d from delinquency_runs`);
  return rows[0]?.d ?? null;
}

export async function storedRun(em: Em, businessDate: string): Promise<(RunCounters & { businessDate: string }) | null> {
  const rows = await em.execute<RunRow[]>(
    `select ${ymd('business_date')} as d, credits_evaluated, penalties_booked, penalty_totals, defaulted from delinquency_runs where business_date = ?::date`,
    [businessDate],
  );
  return rows[0] ? toCounters(rows[0]) : null;
}

/**
 * The first business date on which the delinquency job can change anything: the day after the
 * oldest due date of an unpaid installment of an ACTIVE or DEFAULTED credit (null when there is
 * none). One index lookup (`installments_open`).
 */
export async function firstDateWithEffect(em: Em): Promise<string | null> {
  const rows = await em.execute<{ d: string | null }[]>(
    `select ${ymd("min(i.due_date) + 1")} as d from installments i join credits c on c.id = i.credit_id
     where i.paid_at is null and i.outstanding > 0 and c.status in ('ACTIVE', 'DEFAULTED')`,
  );
  return rows[0]?.d ?? null;
}

/** Claims the date for this run; false when another run has it (the primary key decides). */
export async function claimDate(em: Em, tenantId: string, businessDate: string): Promise<boolean> {
  const rows = await em.execute<{ business_date: string }[]>('insert into delinquency_runs (tenant_id, business_date) values (?, ?::date) on conflict do nothing returning business_date', [tenantId, businessDate]);
  return rows.length > 0;
}

export async function recordRun(em: Em, businessDate: string, c: RunCounters): Promise<void> {
  await em.execute('update delinquency_runs set credits_evaluated = ?, penalties_booked = ?, penalty_totals = ?::jsonb, defaulted = ? where business_date = ?::date',
    [c.creditsEvaluated, c.penaltiesBooked, JSON.stringify(c.penaltyTotals), c.defaulted, businessDate]);
}

/** Hash joins and aggregates over every open installment of the tenant stay in memory. */
export async function sizeWorkMemory(em: Em): Promise<void> {
  await em.execute(`set local work_mem = '64MB'`);
}

/**
 * Penalties of one business date. `priced` is materialized so the HALF_EVEN amount is computed once
 * per installment; the charges are inserted in installment order (index locality); only newly
 * inserted charges (the primary key makes a second booking for the same date a no-op) are added to
 * penalty_due, a HOT update since no index covers the changed columns (see the DelinquencyHot
 * migration). The booked amounts are summed per currency (a tenant may lend in several), each sum
 * at its currency's minor unit (the amounts already are, so the rounding is exact).
 */
/**
 * An installment stops accruing penalties once its outstanding reaches 10^15: a day's penalty is at
 * most 100 % of it, so the stored amounts stay below the 10^16 of numeric(20,4) and the job never
 * fails on an overflow, however long a credit stays unpaid.
 */
const PENALTY_CAP = '1e15';

export async function bookPenalties(em: Em, businessDate: string): Promise<{ booked: number; totals: CurrencyAmount[] }> {
  const d = businessDate;
  const rows = await em.execute<{ n: number; totals: CurrencyAmount[] | string }[]>(
    `with priced as materialized (
       select i.id, i.tenant_id, trim(c.currency) as currency, c.minor_units,
              round_half_even(((i.principal_due - i.principal_paid) + (i.interest_due - i.interest_paid) + (i.fee_due - i.fee_paid) + (i.tax_due - i.tax_paid)) * c.penalty_rate / 100, c.minor_units) as amount
       from installments i join credits c on c.id = i.credit_id
       where i.paid_at is null and i.outstanding > 0 and i.outstanding < ${PENALTY_CAP} and i.due_date < ?::date
         and c.status in ('ACTIVE', 'DEFAULTED') and c.penalty_kind <> 'NONE'
         and (i.principal_due - i.principal_paid) + (i.interest_due - i.interest_paid) + (i.fee_due - i.fee_paid) + (i.tax_due - i.tax_paid) > 0
         and (?::date - i.due_date) > c.penalty_grace_days
         and (c.penalty_kind = 'DAILY_RATE'
           or (c.penalty_kind = 'PERCENT_OF_OVERDUE_PER_PERIOD' and mod((?::date - i.due_date) - c.penalty_grace_days - 1, c.penalty_period_days) = 0))
     ), charged as (
       insert into penalty_charges (tenant_id, installment_id, business_date, amount)
       select tenant_id, id, ?::date, amount from priced where amount > 0 order by id
       on conflict do nothing
       returning installment_id, amount
     ), booked as (
       update installments i set penalty_due = i.penalty_due + ch.amount from charged ch where i.id = ch.installment_id returning ch.installment_id, ch.amount
     ), totals as (
       select p.currency, max(p.minor_units) as units, sum(b.amount) as total from booked b join priced p on p.id = b.installment_id group by p.currency
     )
     select (select count(*)::int from booked) as n,
            (select coalesce(json_agg(json_build_object('currency', currency, 'amount', round(total, units)::text) order by currency), '[]'::json) from totals) as totals`,
    [d, d, d, d],
  );
  const first = rows[0];
  if (!first) return { booked: 0, totals: [] };
  return { booked: first.n, totals: typeof first.totals === 'string' ? JSON.parse(first.totals) : first.totals };
}

/**
 * Days past due, bucket and ACTIVE -> DEFAULTED in one update per credit (a credit is written only
 * when its days past due or bucket change, or when it defaults). The buckets of a version are the
 * same for all its credits: each distinct (buckets, dpd) is resolved once. Returns how many credits
 * were evaluated and the ones that defaulted on this date.
 */
export async function ageCredits(em: Em, businessDate: string): Promise<{ evaluated: number; defaulted: DefaultedCredit[] }> {
  const d = businessDate;
  const rows = await em.execute<{ n: number; defaulted: DefaultedCredit[] | string }[]>(
    `with od as (
       select credit_id, min(due_date) as since from installments
       where paid_at is null and outstanding > 0 and due_date < ?::date group by credit_id
     ), calc as materialized (
       select c.id, c.status as old_status, c.buckets, c.default_threshold_days, coalesce(?::date - od.since, 0) as dpd
       from credits c left join od on od.credit_id = c.id where c.status in ('ACTIVE', 'DEFAULTED')
     ), named as (
       select k.buckets, k.dpd, (select b->>'name' from jsonb_array_elements(k.buckets) b
           where k.dpd >= (b->>'minDays')::int and (b->>'maxDays' is null or k.dpd <= (b->>'maxDays')::int) limit 1) as bucket
       from (select distinct buckets, dpd from calc where dpd > 0) k
     ), target as (
       select calc.id, calc.dpd, named.bucket, calc.old_status = 'ACTIVE' and calc.dpd >= calc.default_threshold_days as defaults
       from calc left join named on named.buckets = calc.buckets and named.dpd = calc.dpd
     ), upd as (
       update credits c set days_past_due = t.dpd, bucket = t.bucket,
         status = case when t.defaults then 'DEFAULTED' else c.status end,
         defaulted_at = case when t.defaults then ?::date else c.defaulted_at end
       from target t
       where c.id = t.id and (c.days_past_due <> t.dpd or c.bucket is distinct from t.bucket or t.defaults)
       returning c.id, c.borrower_id, c.days_past_due, c.principal_outstanding::text as principal_outstanding, trim(c.currency) as currency, c.minor_units, c.contact_email, c.contact_phone, t.defaults
     )
     select (select count(*)::int from calc) as n,
            (select coalesce(json_agg(json_build_object('id', id, 'borrower_id', borrower_id, 'days_past_due', days_past_due,
               'principal_outstanding', principal_outstanding, 'currency', currency, 'minor_units', minor_units,
               'contact_email', contact_email, 'contact_phone', contact_phone)), '[]'::json)
             from upd where defaults) as defaulted`,
    [d, d, d],
  );
  const first = rows[0];
  if (!first) return { evaluated: 0, defaulted: [] };
  const defaulted: DefaultedCredit[] = typeof first.defaulted === 'string' ? JSON.parse(first.defaulted) : first.defaulted;
  return { evaluated: first.n, defaulted };
}
