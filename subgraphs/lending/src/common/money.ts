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
 * Returns a message (for a userError) instead of throwing.
 */
export function parseAmount(raw: string, currency: string): { value: Decimal } | { problem: string; code: string } {
  let units: number;
  try { units = minorUnits(currency); } catch { return { code: 'INVALID_CURRENCY', problem: `${currency} is not a supported currency` }; }
  const s = typeof raw === 'string' ? raw.trim() : '';
  if (!/^-?\d+(\.\d+)?$/.test(s)) return { code: 'INVALID_AMOUNT', problem: 'The amount must be a decimal number such as 1500.00' };
  const v = new D(s);
  if (v.lte(0)) return { code: 'INVALID_AMOUNT', problem: 'The amount must be greater than zero' };
  if (v.decimalPlaces() > units) return { code: 'INVALID_AMOUNT', problem: `${currency} allows at most ${units} decimals` };
  return { value: v };
}
