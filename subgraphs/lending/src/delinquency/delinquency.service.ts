/**
 * The daily delinquency job, set-based SQL (one statement per step for the whole tenant):
 *  1. penalties: for every overdue installment of an ACTIVE/DEFAULTED credit, per its version's rule
 *     (DAILY_RATE: rate % of the overdue amount every day after the grace days;
 *     PERCENT_OF_OVERDUE_PER_PERIOD: rate % once per repayment period overdue, first on the day after
 *     the grace days). HALF_EVEN at the currency's minor unit. `penalty_charges` has one row per
 *     (installment, business date), so a penalty is booked at most once per date.
 *  2. days past due (business date - oldest unpaid due date) and bucket (the version's buckets).
 *  3. ACTIVE credits at or past the version's default threshold become DEFAULTED, each announcing
 *     lending.credit.defaulted through the outbox.
 *
 * Idempotent per business date: `delinquency_runs` is keyed by (tenant, business_date); a date
 * already run does nothing. Asking for a date after the last run catches up every missed date in
 * order, one transaction per date. Dates on or before the last run are already covered.
 */
import crypto from 'node:crypto';
import { inTenantTx, isUuid, type Em, type Orm } from '@imagy/platform/db';
import type { EventActor, EventEnvelope, EventSigner } from '@imagy/platform/events';
import { requireRole } from '@imagy/platform/server';
import { actorOf, SYSTEM_ACTOR, type Caller } from '@imagy/platform/server';
import { fmt } from '../common/money';
import { DELINQUENCY_RUNNERS } from '../common/roles';
import { ymd } from '../common/sql';
import { addDays, daysBetween, isDate, todayUtc, userError, type UserError } from '../common/validation';

export interface DelinquencyRun { businessDate: string; creditsEvaluated: number; penaltiesBooked: number; penaltyTotal: string; defaulted: number; alreadyRun: boolean }

const MAX_CATCH_UP_DAYS = 400;

type Row = Record<string, any>;

export class DelinquencyService {
  constructor(private readonly orm: Orm, private readonly signer: EventSigner) {}

  async runForCaller(caller: Caller, businessDate: string, today = todayUtc()): Promise<{ runs: DelinquencyRun[]; userErrors: UserError[] }> {
    const user = requireRole(caller.auth, ...DELINQUENCY_RUNNERS);
    return this.run(user.tenantId, businessDate, actorOf(caller), today);
  }

  async run(tenantId: string, businessDate: string, actor: EventActor = SYSTEM_ACTOR, today = todayUtc()): Promise<{ runs: DelinquencyRun[]; userErrors: UserError[] }> {
    if (!isUuid(tenantId)) return { runs: [], userErrors: [userError('INVALID_TENANT', 'Unknown tenant', null)] };
    if (!isDate(businessDate)) return { runs: [], userErrors: [userError('INVALID_DATE', 'businessDate must be a date YYYY-MM-DD', 'businessDate')] };
    if (businessDate > today) return { runs: [], userErrors: [userError('INVALID_DATE', 'businessDate cannot be in the future', 'businessDate')] };
    const last = await inTenantTx(this.orm, { tenantId }, (em) => em.execute<Row[]>(`select ${ymd('max(business_date)')} as d from delinquency_runs`));
    const lastDate: string | null = last[0]?.d ?? null;
    let dates: string[];
    if (!lastDate) dates = [businessDate];
    else if (businessDate <= lastDate) {
      const existing = await inTenantTx(this.orm, { tenantId }, (em) => em.execute<Row[]>(`select ${ymd('business_date')} as d, credits_evaluated, penalties_booked, penalty_total::text as penalty_total, defaulted from delinquency_runs where business_date = ?`, [businessDate]));
      return { runs: existing.map((r) => ({ businessDate: r.d, creditsEvaluated: r.credits_evaluated, penaltiesBooked: r.penalties_booked, penaltyTotal: r.penalty_total, defaulted: r.defaulted, alreadyRun: true })), userErrors: [] };
    } else {
      const gap = daysBetween(lastDate, businessDate);
      if (gap > MAX_CATCH_UP_DAYS) return { runs: [], userErrors: [userError('CATCH_UP_TOO_LONG', `The last run was ${lastDate}; catch up at most ${MAX_CATCH_UP_DAYS} days per call`, 'businessDate')] };
      dates = Array.from({ length: gap }, (_, i) => addDays(lastDate, i + 1));
    }
    const runs: DelinquencyRun[] = [];
    for (const d of dates) runs.push(await inTenantTx(this.orm, { tenantId }, (em) => this.runDate(em, tenantId, d, actor)));
    return { runs, userErrors: [] };
  }

  private async runDate(em: Em, tenantId: string, d: string, actor: EventActor): Promise<DelinquencyRun> {
    const claimed = await em.execute<Row[]>('insert into delinquency_runs (tenant_id, business_date) values (?, ?::date) on conflict do nothing returning business_date', [tenantId, d]);
    if (!claimed.length) {
      const r = (await em.execute<Row[]>(`select credits_evaluated, penalties_booked, penalty_total::text as penalty_total, defaulted from delinquency_runs where business_date = ?::date`, [d]))[0]!;
      return { businessDate: d, creditsEvaluated: r.credits_evaluated, penaltiesBooked: r.penalties_booked, penaltyTotal: r.penalty_total, defaulted: r.defaulted, alreadyRun: true };
    }

    // Hash joins and aggregates over every open installment of the tenant stay in memory.
    await em.execute(`set local work_mem = '64MB'`);

    // 1. Penalties. `priced` is materialized so the HALF_EVEN amount is computed once per installment;
    // the charges are inserted in installment order (index locality); only newly inserted charges
    // (the primary key makes a second booking for the same date a no-op) are added to penalty_due,
    // a HOT update since no index covers the changed columns (see the DelinquencyHot migration).
    const penalties = await em.execute<Row[]>(
      `with priced as materialized (
         select i.id, i.tenant_id,
                round_half_even(((i.principal_due - i.principal_paid) + (i.interest_due - i.interest_paid) + (i.fee_due - i.fee_paid) + (i.tax_due - i.tax_paid)) * c.penalty_rate / 100, c.minor_units) as amount
         from installments i join credits c on c.id = i.credit_id
         where i.paid_at is null and i.outstanding > 0 and i.due_date < ?::date
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
         update installments i set penalty_due = i.penalty_due + ch.amount from charged ch where i.id = ch.installment_id returning ch.amount
       )
       select count(*)::int as n, coalesce(sum(amount), 0)::text as total from booked`,
      [d, d, d, d],
    );

    // 2 + 3. Days past due, bucket and ACTIVE -> DEFAULTED in one update per credit (a credit is
    // written only when its days past due or bucket change, or when it defaults). The buckets of a
    // version are the same for all its credits: each distinct (buckets, dpd) is resolved once.
    const evaluated = await em.execute<Row[]>(
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
         returning c.id, c.borrower_id, c.days_past_due, c.principal_outstanding::text as principal_outstanding, trim(c.currency) as currency, c.minor_units, t.defaults
       )
       select (select count(*)::int from calc) as n,
              (select coalesce(json_agg(json_build_object('id', id, 'borrower_id', borrower_id, 'days_past_due', days_past_due,
                 'principal_outstanding', principal_outstanding, 'currency', currency, 'minor_units', minor_units)), '[]'::json)
               from upd where defaults) as defaulted`,
      [d, d, d],
    );
    const defaulted: Row[] = typeof evaluated[0]!.defaulted === 'string' ? JSON.parse(evaluated[0]!.defaulted) : evaluated[0]!.defaulted;
    const occurredAt = new Date().toISOString();
    const envelopes: EventEnvelope[] = defaulted.map((c) => this.signer.sign({
      id: crypto.randomUUID(), subject: 'lending.credit.defaulted', tenantId, occurredAt, actor, requestId: null, schemaVersion: 1,
      data: { creditId: c.id, borrowerId: c.borrower_id, daysPastDue: c.days_past_due, businessDate: d, principalOutstanding: fmt(c.principal_outstanding, c.minor_units), currency: c.currency },
    }) as EventEnvelope);
    for (let i = 0; i < envelopes.length; i += 2000) {
      await em.execute(
        `insert into outbox (id, subject, tenant_id, envelope) select (e->>'id')::uuid, e->>'subject', (e->>'tenantId')::uuid, e from jsonb_array_elements(?::jsonb) e`,
        [JSON.stringify(envelopes.slice(i, i + 2000))],
      );
    }

    const run: DelinquencyRun = {
      businessDate: d, creditsEvaluated: evaluated[0]!.n, penaltiesBooked: penalties[0]!.n, penaltyTotal: penalties[0]!.total, defaulted: defaulted.length, alreadyRun: false,
    };
    await em.execute('update delinquency_runs set credits_evaluated = ?, penalties_booked = ?, penalty_total = ?, defaulted = ? where business_date = ?::date',
      [run.creditsEvaluated, run.penaltiesBooked, run.penaltyTotal, run.defaulted, d]);
    return run;
  }
}

/** The daily timer: every `intervalMs`, today's run for every active tenant of the directory (idempotent). */
export function scheduleDelinquency(service: DelinquencyService, tenants: () => Promise<{ id: string }[]>, intervalMs: number, log: { warn(o: object, m: string): void }): () => void {
  let running = false;
  const tick = async () => {
    if (running) return;
    running = true;
    try {
      for (const t of await tenants()) await service.run(t.id, todayUtc());
    } catch (err) {
      log.warn({ err: (err as Error).message }, 'delinquency run failed; will retry at the next tick');
    } finally {
      running = false;
    }
  };
  const timer = setInterval(() => void tick(), intervalMs);
  timer.unref();
  void tick();
  return () => clearInterval(timer);
}
