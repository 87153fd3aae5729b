/**
 * Portfolio figures for the staff console (seed 5.x, issue 13): balance by delinquency bucket and
 * disbursements / collections per month. Read-only; every figure is one aggregate statement
 * (portfolio.store.ts) in the caller's tenant transaction, amounts at the currency's minor unit.
 */
import type { AuthContext } from '@imagy/platform/auth';
import { inTenantTx, type Orm } from '@imagy/platform/db';
import { BadInputError, requireRole } from '@imagy/platform/server';
import { fmt } from '../common/money';
import { PORTFOLIO_READERS } from '../common/roles';
import { userError, type UserError } from '../common/user-errors';
import { CURRENCY_MINOR_UNITS, minorUnits } from '../loan-math';
import { readOnly } from '../simulator/simulator.store';
import * as store from './portfolio.store';

/** The longest range `monthly` answers, in calendar months (three years of a monthly chart). */
export const MAX_MONTHS = 36;

/** What `portfolioSummary` resolves to: its fields read the figures of this tenant and currency. */
export interface PortfolioScope { tenantId: string; currency: string | null }
export interface BucketBalance { bucket: string | null; currency: string; credits: number; outstandingPrincipal: string }
export interface MonthlyFlow { month: string; currency: string; disbursed: string; disbursedCount: number; collected: string; paymentsCount: number }

const units = (currency: string) => minorUnits(currency);
const monthIndex = (date: string) => Number(date.slice(0, 4)) * 12 + Number(date.slice(5, 7)) - 1;

export class PortfolioService {
  constructor(private readonly orm: Orm) {}

  /** Staff roles that read credits; the currency is checked once here for every figure. */
  scope(auth: AuthContext, currency: string | null | undefined): PortfolioScope {
    const user = requireRole(auth, ...PORTFOLIO_READERS);
    if (currency !== null && currency !== undefined && (!/^[A-Z]{3}$/.test(currency) || !Object.hasOwn(CURRENCY_MINOR_UNITS, currency))) throw new BadInputError('currency must be a supported ISO 4217 code', 'currency');
    return { tenantId: user.tenantId, currency: currency ?? null };
  }

  async byBucket(scope: PortfolioScope): Promise<BucketBalance[]> {
    const rows = await inTenantTx(this.orm, { tenantId: scope.tenantId }, async (em) => { await readOnly(em); return store.balanceByBucket(em, scope.currency); });
    return rows.map((r) => ({ bucket: r.bucket, currency: r.currency, credits: r.credits, outstandingPrincipal: fmt(r.outstanding, units(r.currency)) }));
  }

  /** Whole calendar months from the month of `from` through the month of `to` (Date scalars: valid YYYY-MM-DD). */
  async monthly(scope: PortfolioScope, from: string, to: string): Promise<{ months: MonthlyFlow[]; userErrors: UserError[] }> {
    if (to < from) return { months: [], userErrors: [userError('PORTFOLIO_RANGE_INVALID', { field: 'to' })] };
    if (monthIndex(to) - monthIndex(from) + 1 > MAX_MONTHS) return { months: [], userErrors: [userError('PORTFOLIO_RANGE_TOO_LONG', { field: 'to', params: { max: MAX_MONTHS } })] };
    const first = `${from.slice(0, 7)}-01`;
    const last = `${to.slice(0, 7)}-01`;
    const rows = await inTenantTx(this.orm, { tenantId: scope.tenantId }, async (em) => { await readOnly(em); return store.monthlyFlows(em, first, last, scope.currency); });
    return {
      months: rows.map((r) => ({
        month: r.month, currency: r.currency, disbursed: fmt(r.disbursed, units(r.currency)), disbursedCount: r.disbursed_count,
        collected: fmt(r.collected, units(r.currency)), paymentsCount: r.payments_count,
      })),
      userErrors: [],
    };
  }
}
