/**
 * Money helpers of the lending services: decimal.js only, HALF_EVEN at the currency's minor unit
 * (the loan-math currency table is the single source of minor units).
 */
import Decimal from 'decimal.js';
import { CURRENCY_MINOR_UNITS, minorUnits, type LoanSchedule } from '../loan-math';

export const D = Decimal.clone({ precision: 40, rounding: Decimal.ROUND_HALF_EVEN, toExpNeg: -40, toExpPos: 40 });
export type Dec = Decimal;
export const ZERO = new D(0);

/**
 * Money columns are numeric(20,4): at most 16 digits before the point. The largest loan a product
 * may offer is 10^12 in its currency, which leaves four orders of magnitude for the interest, fees,
 * taxes and penalties that accrue on it (a 1000 % flat rate over 100 years is 10^3 times the
 * principal); every schedule is still checked against the column before it is stored.
 */
export const MAX_LOAN_AMOUNT = '1000000000000';
const COLUMN_LIMIT = new D('1e16');
/** Whether an amount fits a numeric(20,4) money column. */
export const fitsMoneyColumn = (v: Decimal.Value) => new D(v).abs().lt(COLUMN_LIMIT);
/** Whether every amount a schedule stores (credit header and installment rows) fits its column. */
export function scheduleFitsColumns(s: LoanSchedule): boolean {
  return [s.financedAmount, s.installment, s.totals.principal].every(fitsMoneyColumn)
    && s.rows.every((r) => [r.principal, r.interest, r.fee, r.tax, r.total].every(fitsMoneyColumn));
}

export const isSupportedCurrency = (code: string) => Object.prototype.hasOwnProperty.call(CURRENCY_MINOR_UNITS, code);

export const dec = (v: Decimal.Value) => new D(v);
export const money = (v: Decimal.Value, units: number) => new D(v).toDecimalPlaces(units, Decimal.ROUND_HALF_EVEN);
/** Display string with exactly the currency's decimals. */
export const fmt = (v: Decimal.Value, units: number) => new D(v).toFixed(units, Decimal.ROUND_HALF_EVEN);

/**
 * Parses a user-entered amount: a decimal string, > 0, with at most the currency's decimals.
 * Returns the userError code instead of throwing.
 */
export function parseAmount(raw: string, currency: string): { value: Decimal } | { problem: 'INVALID_AMOUNT' | 'INVALID_CURRENCY' } {
  let units: number;
  try { units = minorUnits(currency); } catch { return { problem: 'INVALID_CURRENCY' }; }
  const s = typeof raw === 'string' ? raw.trim() : '';
  if (!/^-?\d+(\.\d+)?$/.test(s)) return { problem: 'INVALID_AMOUNT' };
  const v = new D(s);
  if (v.lte(0) || v.decimalPlaces() > units) return { problem: 'INVALID_AMOUNT' };
  return { value: v };
}
