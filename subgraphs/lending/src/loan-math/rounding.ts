/**
 * Currency minor units and money rounding.
 *
 * All arithmetic in this module uses `LoanDecimal`, a private decimal.js clone
 * (precision 40, HALF_EVEN) so the global Decimal configuration is never touched.
 */
import Decimal from 'decimal.js';
import { DecimalInput, LoanMathError, LoanMathErrorCode } from './types';

/** Private Decimal constructor: 40 significant digits, banker's rounding. */
export const LoanDecimal = Decimal.clone({
  precision: 40,
  rounding: Decimal.ROUND_HALF_EVEN,
  toExpNeg: -40,
  toExpPos: 40,
});

/**
 * ISO 4217 minor units (number of decimals) for the currencies of Latin America
 * and the Caribbean, plus USD and EUR. Fund codes (CLF, COU, MXV, UYI, UYW, BOV)
 * are included because Latin American lending products are indexed to them.
 */
export const CURRENCY_MINOR_UNITS: Readonly<Record<string, number>> = Object.freeze({
  USD: 2, // US dollar (also legal tender in Ecuador, El Salvador, Panama)
  EUR: 2, // Euro
  ARS: 2, // Argentine peso
  AWG: 2, // Aruban florin
  BBD: 2, // Barbados dollar
  BMD: 2, // Bermudian dollar
  BOB: 2, // Boliviano
  BOV: 2, // Bolivian Mvdol (fund code)
  BRL: 2, // Brazilian real
  BSD: 2, // Bahamian dollar
  BZD: 2, // Belize dollar
  CLF: 4, // Chilean Unidad de Fomento (fund code)
  CLP: 0, // Chilean peso
  COP: 2, // Colombian peso
  COU: 2, // Colombian Unidad de Valor Real (fund code)
  CRC: 2, // Costa Rican colon
  CUP: 2, // Cuban peso
  DOP: 2, // Dominican peso
  FKP: 2, // Falkland Islands pound
  GTQ: 2, // Guatemalan quetzal
  GYD: 2, // Guyanese dollar
  HNL: 2, // Honduran lempira
  HTG: 2, // Haitian gourde
  JMD: 2, // Jamaican dollar
  KYD: 2, // Cayman Islands dollar
  MXN: 2, // Mexican peso
  MXV: 2, // Mexican Unidad de Inversion (fund code)
  NIO: 2, // Nicaraguan cordoba
  PAB: 2, // Panamanian balboa
  PEN: 2, // Peruvian sol
  PYG: 0, // Paraguayan guarani
  SRD: 2, // Surinamese dollar
  TTD: 2, // Trinidad and Tobago dollar
  UYI: 0, // Uruguayan peso en unidades indexadas (fund code)
  UYU: 2, // Uruguayan peso
  UYW: 4, // Uruguayan unidad previsional
  VES: 2, // Venezuelan bolivar soberano
  XCD: 2, // East Caribbean dollar
  XCG: 2, // Caribbean guilder (Curacao, Sint Maarten)
});

/** Number of decimals of the currency; throws UNKNOWN_CURRENCY for codes not in the table. */
export function minorUnits(currency: string): number {
  if (typeof currency !== 'string' || !Object.prototype.hasOwnProperty.call(CURRENCY_MINOR_UNITS, currency)) {
    throw new LoanMathError('UNKNOWN_CURRENCY', `Unknown or unsupported currency: ${String(currency)}`, 'currency');
  }
  return CURRENCY_MINOR_UNITS[currency];
}

/** Parse a decimal string/Decimal into a LoanDecimal; throws `code` when it is not a finite decimal. */
export function toLoanDecimal(value: DecimalInput, field: string, code: LoanMathErrorCode = 'INVALID_AMOUNT'): Decimal {
  if (typeof value !== 'string' && !Decimal.isDecimal(value)) {
    throw new LoanMathError(code, `${field} must be a decimal string or a Decimal, got ${typeof value}`, field);
  }
  let d: Decimal;
  try {
    d = new LoanDecimal(typeof value === 'string' ? value.trim() : value.toString());
  } catch {
    throw new LoanMathError(code, `${field} is not a decimal: ${String(value)}`, field);
  }
  if (!d.isFinite()) throw new LoanMathError(code, `${field} must be finite`, field);
  return d;
}

/**
 * Parse a money amount: must be a decimal with at most the currency's minor-unit
 * decimals, and strictly positive unless `allowZero`.
 */
export function parseMoney(value: DecimalInput, currency: string, field: string, allowZero = false): Decimal {
  const digits = minorUnits(currency);
  const d = toLoanDecimal(value, field, 'INVALID_AMOUNT');
  if (d.isNegative() && !d.isZero()) throw new LoanMathError('INVALID_AMOUNT', `${field} must not be negative`, field);
  if (d.isZero() && !allowZero) throw new LoanMathError('INVALID_AMOUNT', `${field} must be greater than zero`, field);
  if (d.decimalPlaces() > digits) {
    throw new LoanMathError('INVALID_AMOUNT', `${field} has ${d.decimalPlaces()} decimals; ${currency} allows ${digits}`, field);
  }
  return d.isZero() ? new LoanDecimal(0) : d;
}

/** Round an amount HALF_EVEN to the currency's minor unit (e.g. 2 decimals for MXN, 0 for CLP). */
export function roundMoney(amount: DecimalInput, currency: string): Decimal {
  const digits = minorUnits(currency);
  return toLoanDecimal(amount, 'amount').toDecimalPlaces(digits, Decimal.ROUND_HALF_EVEN);
}

/**
 * Round to the nearest multiple of `multiple` (e.g. 1, 10, 0.50), ties to the even
 * multiple by default (HALF_EVEN). Used for `installmentMultipleOf`:
 * 304.91 -> 305 with multiple 1.
 */
export function roundToMultiple(
  amount: DecimalInput,
  multiple: DecimalInput,
  rounding: Decimal.Rounding = Decimal.ROUND_HALF_EVEN,
): Decimal {
  const a = toLoanDecimal(amount, 'amount');
  const m = toLoanDecimal(multiple, 'installmentMultipleOf');
  if (m.lte(0)) throw new LoanMathError('INVALID_AMOUNT', 'installmentMultipleOf must be greater than zero', 'installmentMultipleOf');
  return a.div(m).toDecimalPlaces(0, rounding).mul(m);
}

/** Convert an internal LoanDecimal to a plain (global) Decimal for the public output. */
export function toPublic(d: Decimal): Decimal {
  return new Decimal(d.toString());
}

/** Convert and fix the scale to the currency's minor unit (values are already rounded). */
export function moneyOut(d: Decimal, digits: number): Decimal {
  return new Decimal(d.toDecimalPlaces(digits, Decimal.ROUND_HALF_EVEN).toString());
}
