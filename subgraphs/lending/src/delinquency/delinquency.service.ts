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
import { inTenantTx, isUuid, type Em, type Orm } from '@imagy/platform/db';
import type { EventActor, Outbox } from '@imagy/platform/events';
import { actorOf, requireRole, SYSTEM_ACTOR, type Caller } from '@imagy/platform/server';
import { fmt } from '../common/money';
import { DELINQUENCY_RUNNERS } from '../common/roles';
import { DATE_MIN } from '@imagy/platform/graphql';
import { addDays, daysBetween, isDate } from '../common/dates';
import type { TenantDirectory } from '../tenants/tenants.service';
import { userError, type UserError } from '../common/user-errors';
import type { ResolversParentTypes } from '../__generated__/graphql';
import * as store from './delinquency.store';

type RunDelinquencyPayload = ResolversParentTypes['RunDelinquencyPayload'];

export interface DelinquencyRun { businessDate: string; creditsEvaluated: number; penaltiesBooked: number; penaltyTotals: store.CurrencyAmount[]; defaulted: number; alreadyRun: boolean }

const MAX_CATCH_UP_DAYS = 400;

export class DelinquencyService {
  constructor(private readonly orm: Orm, private readonly outbox: Outbox, private readonly directory: TenantDirectory) {}

  /** runDelinquency: the date defaults to the tenant's business date (today in its time zone) and may not be after it. */
  async runForCaller(caller: Caller, businessDate: string | null | undefined): Promise<RunDelinquencyPayload> {
    const user = requireRole(caller.auth, ...DELINQUENCY_RUNNERS);
    const today = await this.directory.today(user.tenantId);
    return this.run(user.tenantId, businessDate ?? today, actorOf(caller), today);
  }

  /** `today`: the tenant's business date (the latest date that may be run). */
  async run(tenantId: string, businessDate: string, actor: EventActor = SYSTEM_ACTOR, today?: string): Promise<{ runs: DelinquencyRun[]; userErrors: UserError[] }> {
    if (!isUuid(tenantId)) return { runs: [], userErrors: [userError('INVALID_TENANT')] };
    today ??= await this.directory.today(tenantId);
    if (!isDate(businessDate) || businessDate > today) return { runs: [], userErrors: [userError('INVALID_DATE', { field: 'businessDate', params: { min: DATE_MIN, max: today } })] };
    const lastDate = await inTenantTx(this.orm, { tenantId }, (em) => store.lastRunDate(em));
    let dates: string[];
    if (!lastDate) dates = [businessDate];
    else if (businessDate <= lastDate) {
      const existing = await inTenantTx(this.orm, { tenantId }, (em) => store.storedRun(em, businessDate));
      return { runs: existing ? [{ ...existing, alreadyRun: true }] : [], userErrors: [] };
    } else {
      // Dates on which no installment was overdue have no effect (no penalty, no days past due):
      // the catch-up starts at the first date that can have one. Without this, one run for a date
      // long ago (say 1900-01-02) would make every later run, the timer's included, a catch-up of
      // decades refused as CATCH_UP_TOO_LONG.
      const firstEffective = await inTenantTx(this.orm, { tenantId }, (em) => store.firstDateWithEffect(em));
      const next = addDays(lastDate, 1);
      const effective = firstEffective === null || firstEffective > businessDate ? businessDate : firstEffective;
      const start = effective > next ? effective : next;
      const count = daysBetween(start, businessDate) + 1;
      if (count > MAX_CATCH_UP_DAYS) return { runs: [], userErrors: [userError('CATCH_UP_TOO_LONG', { field: 'businessDate', params: { lastRun: lastDate, maxDays: MAX_CATCH_UP_DAYS } })] };
      dates = Array.from({ length: count }, (_, i) => addDays(start, i));
    }
    const runs: DelinquencyRun[] = [];
    for (const d of dates) runs.push(await inTenantTx(this.orm, { tenantId }, (em) => this.runDate(em, tenantId, d, actor)));
    return { runs, userErrors: [] };
  }

  private async runDate(em: Em, tenantId: string, d: string, actor: EventActor): Promise<DelinquencyRun> {
    if (!(await store.claimDate(em, tenantId, d))) {
      // Another run committed this date first (the insert waited for it): report what it did.
      const stored = await store.storedRun(em, d);
      if (!stored) throw new Error(`delinquency run ${d} was claimed but cannot be read`);
      return { ...stored, alreadyRun: true };
    }
    await store.sizeWorkMemory(em);
    // 1. penalties, then 2 + 3. days past due, bucket and defaults (see delinquency.store.ts).
    const penalties = await store.bookPenalties(em, d);
    const aged = await store.ageCredits(em, d);
    // One insert per 2000 events: a first run over a large portfolio can default tens of thousands.
    await this.outbox.publishMany(em, 'lending.credit.defaulted', aged.defaulted.map((c) => ({
      data: { creditId: c.id, borrowerId: c.borrower_id, daysPastDue: c.days_past_due, businessDate: d, principalOutstanding: fmt(c.principal_outstanding, c.minor_units), currency: c.currency,
        contactEmail: c.contact_email ?? null, contactPhone: c.contact_phone ?? null },
    })), { tenantId, actor, requestId: null });

    const run: DelinquencyRun = {
      businessDate: d, creditsEvaluated: aged.evaluated, penaltiesBooked: penalties.booked, penaltyTotals: penalties.totals, defaulted: aged.defaulted.length, alreadyRun: false,
    };
    await store.recordRun(em, d, run);
    return run;
  }
}

/**
 * The daily timer: every `intervalMs`, the run of each active tenant's business date (today in the
 * tenant's time zone, so a tenant in Tokyo runs its new day while Mexico City is still on the
 * previous one). Idempotent per date.
 */
export function scheduleDelinquency(service: DelinquencyService, directory: Pick<TenantDirectory, 'active' | 'todayOf'>, intervalMs: number, log: { warn(o: object, m: string): void }): () => void {
  let running = false;
  const tick = async () => {
    if (running) return;
    running = true;
    try {
      for (const t of await directory.active()) {
        const today = directory.todayOf(t);
        await service.run(t.id, today, SYSTEM_ACTOR, today);
      }
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
