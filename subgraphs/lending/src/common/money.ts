/**
 * Money helpers of the lending services: decimal.js only, HALF_EVEN at the currency's minor unit
 * (the loan-math currency table is the single source of minor units).
 */
import Decimal from 'decimal.js';
import { CURRENCY_MINOR_UNITS, minorUnits } from '../loan-math';

export const D = Decimal.clone({ precision: 40, rounding: Decimal.ROUND_HALF_EVEN, toExpNeg: -40, toExpPos: 40 });
export type Dec = Decimal;
export const ZERO = new D(0);

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
