/**
 * Repayment schedules (Fineract-style) and rescheduling after a prepayment.
 *
 * Pure functions: no I/O, no clock, no global Decimal configuration.
 * See README.md for the conventions and formulas.
 */
import Decimal from 'decimal.js';
import { computeCat, CashFlow, nominalPeriodicRateInternal, periodsPerYear } from './rates';
import { LoanDecimal, minorUnits, moneyOut, parseMoney, roundToMultiple, toLoanDecimal, toPublic } from './rounding';
import {
  DayCount,
  DecimalInput,
  Fee,
  InterestMethod,
  LoanMathError,
  LoanSchedule,
  LoanTerms,
  PrepaymentRescheduleInput,
  RepaymentFrequency,
  RescheduleResult,
  ScheduleRow,
  ScheduleTotals,
} from './types';

const ZERO = new LoanDecimal(0);
const ONE = new LoanDecimal(1);
const HUNDRED = new LoanDecimal(100);
const MAX_INSTALLMENTS = 1200;

const FREQUENCIES: readonly RepaymentFrequency[] = ['MONTHLY', 'BIWEEKLY', 'WEEKLY'];
const METHODS: readonly InterestMethod[] = ['DECLINING_EQUAL_INSTALLMENTS', 'DECLINING_EQUAL_PRINCIPAL', 'FLAT'];
const DAY_COUNTS: readonly DayCount[] = ['THIRTY_360', 'ACTUAL_365', 'ACTUAL_ACTUAL'];

// ---------------------------------------------------------------------------
// Calendar (dates are whole days since 1970-01-01, UTC; no time zones involved)
// ---------------------------------------------------------------------------

interface Ymd {
  y: number;
  m: number; // 1..12
  d: number;
}

const MS_PER_DAY = 86_400_000;

function daysInMonth(y: number, m: number): number {
  return new Date(Date.UTC(y, m, 0)).getUTCDate();
}

function isLeap(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

function parseDate(value: string, field: string): Ymd {
  const match = typeof value === 'string' ? /^(\d{4})-(\d{2})-(\d{2})$/.exec(value) : null;
  if (!match) throw new LoanMathError('INVALID_DATE', `${field} must be an ISO date YYYY-MM-DD`, field);
  const y = Number(match[1]);
  const m = Number(match[2]);
  const d = Number(match[3]);
  if (m < 1 || m > 12 || d < 1 || d > daysInMonth(y, m)) {
    throw new LoanMathError('INVALID_DATE', `${field} is not a calendar date: ${value}`, field);
  }
  return { y, m, d };
}

function toDay(date: Ymd): number {
  return Date.UTC(date.y, date.m - 1, date.d) / MS_PER_DAY;
}

function fromDay(day: number): Ymd {
  const dt = new Date(day * MS_PER_DAY);
  return { y: dt.getUTCFullYear(), m: dt.getUTCMonth() + 1, d: dt.getUTCDate() };
}

function formatDate(date: Ymd): string {
  return `${String(date.y).padStart(4, '0')}-${String(date.m).padStart(2, '0')}-${String(date.d).padStart(2, '0')}`;
}

/** Add months, clamping to the end of the month (Jan 31 + 1 month = Feb 28/29), like java.time. */
function addMonths(date: Ymd, months: number): Ymd {
  const index = date.y * 12 + (date.m - 1) + months;
  const y = Math.floor(index / 12);
  const m = (index % 12) + 1;
  return { y, m, d: Math.min(date.d, daysInMonth(y, m)) };
}

/** Date `k` periods after `anchor` (k may be negative). Months are always counted from the anchor, so there is no drift. */
function addPeriods(anchor: Ymd, frequency: RepaymentFrequency, k: number): Ymd {
  if (frequency === 'MONTHLY') return addMonths(anchor, k);
  return fromDay(toDay(anchor) + k * (frequency === 'BIWEEKLY' ? 14 : 7));
}

/** 30E/360 day count between two dates. */
function days360(a: Ymd, b: Ymd): number {
  const d1 = Math.min(a.d, 30);
  const d2 = Math.min(b.d, 30);
  return (b.y - a.y) * 360 + (b.m - a.m) * 30 + (d2 - d1);
}

/**
 * Apache Fineract's progressive schedule computes rate factors and the EMI with
 * `MathContext(12, HALF_EVEN)`: every operation rounded to 12 significant digits. The ACTUAL day
 * counts reproduce those rounding points (see `progressiveEmi`), so their installments match
 * Fineract's to the cent.
 */
const Mc12 = Decimal.clone({ precision: 12, rounding: Decimal.ROUND_HALF_EVEN, toExpNeg: -40, toExpPos: 40 });
const mc12 = (v: Decimal | number): Decimal => new Mc12(v.toString());

/**
 * Year fraction of (from, to] under an ACTUAL day count, at Fineract's rounding points (each
 * fraction at 12 significant digits, summed at 12):
 *  - ACTUAL_365: days / 365.
 *  - ACTUAL_ACTUAL: Fineract's DaysInYearType.ACTUAL (ProgressiveEMICalculator.calculatePeriodFractions):
 *    a period within one year is days / that year's length; across a year end it is split at
 *    December 31: the days from the start to Dec 31 over the start year's length, then from Dec 31
 *    to the next Dec 31 (or the end) over the next year's length. The night of Dec 31 thus counts
 *    in the new year, one day later than ISDA; kept so the installments match Fineract to the cent.
 */
function actualYearFraction(dayCount: 'ACTUAL_365' | 'ACTUAL_ACTUAL', a: Ymd, b: Ymd): Decimal {
  if (dayCount === 'ACTUAL_365') return mc12(toDay(b) - toDay(a)).div(365);
  if (a.y === b.y) return mc12(toDay(b) - toDay(a)).div(isLeap(a.y) ? 366 : 365);
  let fraction = mc12(0);
  let start = toDay(a);
  for (let year = a.y; year <= b.y; year++) {
    const segmentEnd = year === b.y ? toDay(b) : toDay({ y: year, m: 12, d: 31 });
    fraction = fraction.plus(mc12(segmentEnd - start).div(isLeap(year) ? 366 : 365));
    start = segmentEnd;
  }
  return fraction;
}

// ---------------------------------------------------------------------------
// Validation of the terms
// ---------------------------------------------------------------------------

interface ParsedFee {
  code: string;
  charge: Fee['charge'];
  amount: Decimal;
  tax: Decimal;
}

interface ParsedTerms {
  currency: string;
  digits: number;
  principal: Decimal;
  n: number;
  frequency: RepaymentFrequency;
  method: InterestMethod;
  annualRate: Decimal; // fraction
  periodicRate: Decimal; // fraction, nominal
  dayCount: DayCount;
  disbursement: Ymd;
  /** Due date k (1-based) = dueAnchor + (k - 1 + dueOffset) periods. */
  dueAnchor: Ymd;
  dueOffset: number;
  /** Length of the first period in regular periods (1 unless a broken first period was requested). */
  firstPeriodLength: Decimal;
  graceOnPrincipal: number;
  graceOnInterest: number;
  multiple?: Decimal;
  fees: ParsedFee[];
  interestTaxRate: Decimal; // fraction
}

function countField(value: unknown, field: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new LoanMathError('INVALID_TERM', `${field} must be an integer between ${min} and ${max}, got ${String(value)}`, field);
  }
  return value;
}

function oneOf<T extends string>(value: unknown, allowed: readonly T[], field: string): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw new LoanMathError('INVALID_TERM', `${field} must be one of ${allowed.join(', ')}, got ${String(value)}`, field);
  }
  return value as T;
}

function percentField(value: DecimalInput | undefined, field: string, code: 'INVALID_RATE' | 'INVALID_FEE'): Decimal {
  if (value === undefined) return ZERO;
  const d = toLoanDecimal(value, field, code);
  if (d.isNegative() && !d.isZero()) throw new LoanMathError(code, `${field} must not be negative`, field);
  return d.isZero() ? ZERO : d;
}

function round(value: Decimal, digits: number): Decimal {
  return value.toDecimalPlaces(digits, Decimal.ROUND_HALF_EVEN);
}

function parseTerms(terms: LoanTerms): ParsedTerms {
  if (terms === null || typeof terms !== 'object') throw new LoanMathError('INVALID_TERM', 'terms are required');
  const digits = minorUnits(terms.currency);
  const currency = terms.currency;
  const principal = parseMoney(terms.principal, currency, 'principal');
  const n = countField(terms.numberOfInstallments, 'numberOfInstallments', 1, MAX_INSTALLMENTS);
  const frequency = oneOf(terms.frequency, FREQUENCIES, 'frequency');
  const method = oneOf(terms.interestMethod, METHODS, 'interestMethod');
  const dayCount = oneOf(terms.dayCount, DAY_COUNTS, 'dayCount');
  if (terms.annualNominalRate === undefined) {
    throw new LoanMathError('INVALID_RATE', 'annualNominalRate is required', 'annualNominalRate');
  }
  const annualPercent = percentField(terms.annualNominalRate, 'annualNominalRate', 'INVALID_RATE');
  const graceOnPrincipal = countField(terms.graceOnPrincipal ?? 0, 'graceOnPrincipal', 0, n - 1);
  const graceOnInterest = countField(terms.graceOnInterest ?? 0, 'graceOnInterest', 0, n - 1);

  const disbursement = parseDate(terms.disbursementDate, 'disbursementDate');
  const defaultFirstDue = addPeriods(disbursement, frequency, 1);
  const firstDue = terms.firstDueDate === undefined ? defaultFirstDue : parseDate(terms.firstDueDate, 'firstDueDate');
  // Due dates are counted from the disbursement date (so Jan 31 gives Feb 29, Mar 31, ...) unless a first due date is given.
  const [dueAnchor, dueOffset] = terms.firstDueDate === undefined ? [disbursement, 1] : [firstDue, 0];
  if (toDay(firstDue) <= toDay(disbursement)) {
    throw new LoanMathError('INVALID_DATE', 'firstDueDate must be after disbursementDate', 'firstDueDate');
  }
  let firstPeriodLength = ONE;
  if (toDay(firstDue) !== toDay(defaultFirstDue)) {
    if (frequency === 'MONTHLY') {
      firstPeriodLength =
        dayCount === 'THIRTY_360'
          ? new LoanDecimal(days360(disbursement, firstDue)).div(30)
          : new LoanDecimal(toDay(firstDue) - toDay(disbursement)).mul(12).div(365);
    } else {
      firstPeriodLength = new LoanDecimal(toDay(firstDue) - toDay(disbursement)).div(frequency === 'BIWEEKLY' ? 14 : 7);
    }
  }

  let multiple: Decimal | undefined;
  if (terms.installmentMultipleOf !== undefined) {
    multiple = toLoanDecimal(terms.installmentMultipleOf, 'installmentMultipleOf', 'INVALID_AMOUNT');
    if (multiple.lte(0)) {
      throw new LoanMathError('INVALID_AMOUNT', 'installmentMultipleOf must be greater than zero', 'installmentMultipleOf');
    }
  }

  const fees: ParsedFee[] = (terms.fees ?? []).map((fee, i) => parseFee(fee, i, principal, currency, digits));

  return {
    currency,
    digits,
    principal,
    n,
    frequency,
    method,
    annualRate: annualPercent.div(HUNDRED),
    periodicRate: nominalPeriodicRateInternal(annualPercent, frequency, dayCount),
    dayCount,
    disbursement,
    dueAnchor,
    dueOffset,
    firstPeriodLength,
    graceOnPrincipal,
    graceOnInterest,
    multiple,
    fees,
    interestTaxRate: percentField(terms.interestTaxRate, 'interestTaxRate', 'INVALID_RATE').div(HUNDRED),
  };
}

function parseFee(fee: Fee, i: number, principal: Decimal, currency: string, digits: number): ParsedFee {
  const field = `fees[${i}]`;
  if (fee === null || typeof fee !== 'object' || typeof fee.code !== 'string' || fee.code.length === 0) {
    throw new LoanMathError('INVALID_FEE', `${field} needs a code`, field);
  }
  if (fee.kind !== 'PERCENTAGE' && fee.kind !== 'FIXED') {
    throw new LoanMathError('INVALID_FEE', `${field}.kind must be PERCENTAGE or FIXED`, field);
  }
  if (fee.charge !== 'UPFRONT' && fee.charge !== 'FINANCED' && fee.charge !== 'PER_INSTALLMENT') {
    throw new LoanMathError('INVALID_FEE', `${field}.charge must be UPFRONT, FINANCED or PER_INSTALLMENT`, field);
  }
  let amount: Decimal;
  if (fee.kind === 'PERCENTAGE') {
    amount = round(principal.mul(percentField(fee.value, `${field}.value`, 'INVALID_FEE')).div(HUNDRED), digits);
  } else {
    try {
      amount = parseMoney(fee.value, currency, `${field}.value`, true);
    } catch (e) {
      throw new LoanMathError('INVALID_FEE', e instanceof Error ? e.message : String(e), `${field}.value`);
    }
  }
  const tax = round(amount.mul(percentField(fee.taxRate, `${field}.taxRate`, 'INVALID_FEE')).div(HUNDRED), digits);
  return { code: fee.code, charge: fee.charge, amount, tax };
}

// ---------------------------------------------------------------------------
// Amortisation engine
// ---------------------------------------------------------------------------

interface EngineInput {
  digits: number;
  method: InterestMethod;
  /** Principal to amortise. */
  balance: Decimal;
  /** Rows to produce (maximum when stopWhenPaid). */
  count: number;
  /** Number of the first row. */
  startNumber: number;
  dueDates: string[];
  /** Interest rate (fraction) of each row's period. */
  periodRates: Decimal[];
  /** Nominal periodic rate (fraction), used for the EMI (30/360) and the regular flat interest. */
  nominalRate: Decimal;
  /**
   * NOMINAL: EMI = annuity of the nominal periodic rate (30/360: every period has that rate).
   * PROGRESSIVE: Fineract's progressive EMI from each period's own rate (ACTUAL day counts).
   */
  emiRule: 'NOMINAL' | 'PROGRESSIVE';
  graceOnPrincipal: number;
  graceOnInterest: number;
  multiple?: Decimal;
  /** Per-installment fee and its tax. */
  fee: Decimal;
  feeTax: Decimal;
  interestTaxRate: Decimal;
  /** Keep this installment (EMI) instead of computing one (REDUCE_TERM). */
  fixedInstallment?: Decimal;
  /** Keep this principal part instead of computing one (REDUCE_TERM). */
  fixedPrincipalPart?: Decimal;
  /** Stop as soon as the balance is repaid (REDUCE_TERM). */
  stopWhenPaid: boolean;
}

interface EngineOutput {
  rows: ScheduleRow[];
  installment: Decimal;
}

/**
 * Fineract's progressive EMI (ProgressiveEMICalculator.calculateEMIValue) over periods whose rates
 * differ (actual days): with f_i = 1 + r_i, EMI = B x prod(f_1..f_m) / fn, where fn is built as
 * fn = 1, then fn = 1 + fn x f_i for i = 2..m (= sum over k of prod(f_(k+1)..f_m)). Every step at
 * 12 significant digits, HALF_EVEN, as Fineract's MathContext; the caller rounds to money. With
 * equal rates it is the usual annuity B r / (1 - (1 + r)^-m).
 */
export function progressiveEmi(balance: Decimal, rates: Decimal[]): Decimal {
  if (rates.length === 0) return balance;
  const factors = rates.map((r) => mc12(1).plus(mc12(r)));
  let product = mc12(1);
  for (const f of factors) product = product.mul(f);
  let fn = mc12(1);
  for (let i = 1; i < factors.length; i++) fn = mc12(1).plus(fn.mul(factors[i]!));
  return new LoanDecimal(product.mul(mc12(balance)).div(fn).toString());
}

/** Equal installment: B r / (1 - (1 + r)^-m); B / m when r = 0. */
function annuity(balance: Decimal, rate: Decimal, periods: number): Decimal {
  if (rate.isZero()) return balance.div(periods);
  return balance.mul(rate).div(ONE.minus(ONE.plus(rate).pow(-periods)));
}

function dmin(a: Decimal, b: Decimal): Decimal {
  return a.lte(b) ? a : b;
}

function dmax(a: Decimal, b: Decimal): Decimal {
  return a.gte(b) ? a : b;
}

/**
 * Round an installment (or principal part) to the multiple, to the nearest one (HALF_EVEN);
 * when that would repay the loan before its last row (`overpays`), to the multiple below.
 * Without a multiple (or when the multiple is larger than the amount), to the minor unit.
 */
function roundInstallment(value: Decimal, digits: number, multiple?: Decimal, overpays?: (candidate: Decimal) => boolean): Decimal {
  if (multiple) {
    let rounded = roundToMultiple(value, multiple);
    if (overpays && rounded.gt(value) && overpays(rounded)) rounded = roundToMultiple(value, multiple, Decimal.ROUND_DOWN);
    if (rounded.gt(0)) return round(rounded, digits);
  }
  return round(value, digits);
}

function amortise(input: EngineInput): EngineOutput {
  const { digits, method, count, graceOnPrincipal: gp, graceOnInterest: gi, multiple } = input;
  const amortisingPeriods = count - gp;
  const initial = input.balance;

  // Regular amounts.
  let emi = ZERO;
  let principalPart = ZERO;
  let flatRegularInterest = ZERO;
  let installment: Decimal;
  if (method === 'DECLINING_EQUAL_INSTALLMENTS') {
    emi =
      input.fixedInstallment ??
      roundInstallment(
        input.emiRule === 'PROGRESSIVE'
          ? progressiveEmi(initial, input.periodRates.slice(gp, count))
          : annuity(initial, input.nominalRate, amortisingPeriods),
        digits, multiple, (candidate) => {
        // Would `candidate` repay the loan before the last row, given the real period rates?
        let b = initial;
        for (let k = gp + 1; k < count; k++) {
          b = b.minus(candidate.minus(round(b.mul(input.periodRates[k - 1]), digits)));
          if (b.lte(0)) return true;
        }
        return false;
      });
    installment = emi;
  } else if (method === 'DECLINING_EQUAL_PRINCIPAL') {
    principalPart =
      input.fixedPrincipalPart ??
      roundInstallment(initial.div(amortisingPeriods), digits, multiple, (candidate) =>
        candidate.mul(amortisingPeriods - 1).gte(initial),
      );
    installment = principalPart;
  } else {
    flatRegularInterest = round(initial.mul(input.nominalRate), digits);
    if (input.fixedPrincipalPart) {
      principalPart = input.fixedPrincipalPart;
    } else {
      const exact = initial.div(amortisingPeriods);
      principalPart = multiple
        ? roundInstallment(exact.plus(flatRegularInterest), digits, multiple, (candidate) =>
            candidate.minus(flatRegularInterest).mul(amortisingPeriods - 1).gte(initial),
          ).minus(flatRegularInterest)
        : round(exact, digits);
      if (principalPart.lte(0)) principalPart = round(exact, digits);
    }
    installment = principalPart.plus(flatRegularInterest);
  }

  const rows: ScheduleRow[] = [];
  let balance = initial;
  let deferredInterest = ZERO; // interest accrued in interest-grace periods, not yet charged
  let flatDeferredShare = ZERO;
  for (let k = 1; k <= count; k++) {
    const rate = input.periodRates[k - 1];
    const accrued = round((method === 'FLAT' ? initial : balance).mul(rate), digits);
    const isLastPossible = k === count;

    // Interest charged in this row.
    let interest: Decimal;
    if (k <= gi) {
      deferredInterest = deferredInterest.plus(accrued);
      interest = ZERO;
    } else if (deferredInterest.isZero()) {
      interest = accrued;
    } else if (method === 'DECLINING_EQUAL_INSTALLMENTS') {
      // Collected out of the installment (principal part shrinks), as far as it fits; the rest next time.
      const room = dmax(ZERO, emi.minus(accrued));
      const taken = isLastPossible ? deferredInterest : dmin(deferredInterest, room);
      interest = accrued.plus(taken);
      deferredInterest = deferredInterest.minus(taken);
    } else if (method === 'DECLINING_EQUAL_PRINCIPAL') {
      // Collected in full with the first installment after the grace.
      interest = accrued.plus(deferredInterest);
      deferredInterest = ZERO;
    } else {
      // FLAT: spread evenly over the periods after the grace.
      if (flatDeferredShare.isZero()) flatDeferredShare = round(deferredInterest.div(count - gi), digits);
      const taken = isLastPossible ? deferredInterest : dmin(deferredInterest, flatDeferredShare);
      interest = accrued.plus(taken);
      deferredInterest = deferredInterest.minus(taken);
    }

    // Principal of this row.
    let principal: Decimal;
    let last = isLastPossible;
    if (k <= gp) {
      principal = ZERO;
    } else if (isLastPossible) {
      principal = balance;
    } else if (method === 'DECLINING_EQUAL_INSTALLMENTS') {
      if (input.stopWhenPaid && balance.plus(interest).lte(emi)) {
        principal = balance;
        last = true;
      } else {
        principal = dmin(balance, dmax(ZERO, emi.minus(interest)));
      }
    } else {
      if (input.stopWhenPaid && balance.lte(principalPart)) {
        principal = balance;
        last = true;
      } else {
        principal = dmin(balance, principalPart);
      }
    }
    if (last && !deferredInterest.isZero()) {
      interest = interest.plus(deferredInterest);
      deferredInterest = ZERO;
    }

    balance = balance.minus(principal);
    const tax = round(interest.mul(input.interestTaxRate), digits).plus(input.feeTax);
    const total = principal.plus(interest).plus(input.fee).plus(tax);
    rows.push({
      number: input.startNumber + k - 1,
      dueDate: input.dueDates[k - 1],
      principal: moneyOut(principal, digits),
      interest: moneyOut(interest, digits),
      fee: moneyOut(input.fee, digits),
      tax: moneyOut(tax, digits),
      total: moneyOut(total, digits),
      balance: moneyOut(balance, digits),
    });
    if (last) break;
  }
  return { rows, installment };
}

/**
 * Fineract's EMI correction (ProgressiveEMICalculator.checkAndAdjustEmiIfNeededOnRelatedRepaymentPeriods):
 * when the last installment (principal + interest) differs from the EMI by more than
 * floor(m / 2) / 100 (m = amortising periods), the EMI is moved by that difference / m (rounded to
 * the minor unit, then to the multiple) and the schedule recomputed; the new EMI is kept only if
 * it leaves a smaller difference in the last installment (and does not repay the loan before its
 * last row).
 */
function amortiseAdjusted(input: EngineInput): EngineOutput {
  const first = amortise(input);
  if (input.emiRule !== 'PROGRESSIVE' || input.method !== 'DECLINING_EQUAL_INSTALLMENTS' || input.fixedInstallment || input.stopWhenPaid) return first;
  const m = input.count - input.graceOnPrincipal;
  const half = Math.floor(m / 2);
  const lastDifference = (out: EngineOutput) => {
    const last = out.rows[out.rows.length - 1]!;
    return new LoanDecimal(last.principal.toString()).plus(last.interest.toString()).minus(out.installment);
  };
  const difference = lastDifference(first);
  if (difference.isZero() || half === 0 || !difference.abs().mul(HUNDRED).gt(half)) return first;
  const adjusted = roundInstallment(first.installment.plus(round(difference.div(m), input.digits)), input.digits, input.multiple);
  if (adjusted.eq(first.installment) || adjusted.lte(0)) return first;
  const second = amortise({ ...input, fixedInstallment: adjusted });
  // Never an EMI that repays the loan before its last row (a coarse multiple can round up that far).
  if (second.rows.slice(0, -1).some((r) => r.balance.lte(0))) return first;
  return lastDifference(second).abs().lt(difference.abs()) ? second : first;
}

/** Interest rate (fraction) of the period (from, to]; `regular` periods under 30/360 use the nominal periodic rate. */
function periodRate(t: ParsedTerms, from: Ymd, to: Ymd, lengthInPeriods: Decimal): Decimal {
  switch (t.dayCount) {
    case 'THIRTY_360':
      return t.periodicRate.mul(lengthInPeriods);
    case 'ACTUAL_365':
    case 'ACTUAL_ACTUAL':
      // Fineract's rate factor: annual rate x year fraction, at 12 significant digits.
      return new LoanDecimal(mc12(t.annualRate).mul(actualYearFraction(t.dayCount, from, to)).toString());
  }
}

function sum(values: Decimal[]): Decimal {
  return values.reduce((acc, v) => acc.plus(v.toString()), ZERO);
}

function perInstallmentCharges(t: ParsedTerms): { fee: Decimal; feeTax: Decimal } {
  const own = t.fees.filter((f) => f.charge === 'PER_INSTALLMENT');
  return { fee: sum(own.map((f) => f.amount)), feeTax: sum(own.map((f) => f.tax)) };
}

// ---------------------------------------------------------------------------
// Public API
// ---------------------------------------------------------------------------

/**
 * Build the repayment schedule of a loan: rows, totals, net disbursement, rates
 * and CAT. Throws LoanMathError for invalid terms.
 */
export function generateSchedule(terms: LoanTerms): LoanSchedule {
  const t = parseTerms(terms);
  const { digits } = t;

  const upfront = t.fees.filter((f) => f.charge === 'UPFRONT');
  const financed = t.fees.filter((f) => f.charge === 'FINANCED');
  const upfrontFees = sum(upfront.map((f) => f.amount));
  const upfrontTaxes = sum(upfront.map((f) => f.tax));
  const financedFees = sum(financed.map((f) => f.amount));
  const financedTaxes = sum(financed.map((f) => f.tax));
  const financedAmount = t.principal.plus(financedFees).plus(financedTaxes);
  const netDisbursed = t.principal.minus(upfrontFees).minus(upfrontTaxes);
  if (netDisbursed.lte(0)) {
    throw new LoanMathError('INVALID_FEE', 'upfront fees and their taxes consume the whole principal', 'fees');
  }

  const dueDates: Ymd[] = [];
  const periodRates: Decimal[] = [];
  for (let k = 1; k <= t.n; k++) {
    const due = addPeriods(t.dueAnchor, t.frequency, k - 1 + t.dueOffset);
    const from = k === 1 ? t.disbursement : dueDates[k - 2];
    periodRates.push(periodRate(t, from, due, k === 1 ? t.firstPeriodLength : ONE));
    dueDates.push(due);
  }

  const { fee, feeTax } = perInstallmentCharges(t);
  const { rows, installment } = amortiseAdjusted({
    digits,
    method: t.method,
    balance: financedAmount,
    count: t.n,
    startNumber: 1,
    dueDates: dueDates.map(formatDate),
    periodRates,
    nominalRate: t.periodicRate,
    emiRule: t.dayCount === 'THIRTY_360' ? 'NOMINAL' : 'PROGRESSIVE',
    graceOnPrincipal: t.graceOnPrincipal,
    graceOnInterest: t.graceOnInterest,
    multiple: t.multiple,
    fee,
    feeTax,
    interestTaxRate: t.interestTaxRate,
    stopWhenPaid: false,
  });

  const rowTotals = totalsOf(rows);
  const totalPayable = rowTotals.total;
  const totals: ScheduleTotals = {
    principal: moneyOut(rowTotals.principal, digits),
    interest: moneyOut(rowTotals.interest, digits),
    fees: moneyOut(rowTotals.fee.plus(upfrontFees).plus(financedFees), digits),
    taxes: moneyOut(rowTotals.tax.plus(upfrontTaxes).plus(financedTaxes), digits),
    totalCost: moneyOut(totalPayable.minus(netDisbursed), digits),
    totalPayable: moneyOut(totalPayable, digits),
  };

  const ppy = periodsPerYear(t.frequency);
  const flows: CashFlow[] = [{ time: 0, amount: netDisbursed }];
  rows.forEach((row, i) => {
    flows.push({ time: t.firstPeriodLength.plus(i), amount: new LoanDecimal(row.total.toString()).neg() });
  });
  const cat = computeCat(flows, ppy, { guess: t.periodicRate });
  // Banxico's basis ("CAT sin IVA"): the same flows without any VAT. The tax on financed fees is
  // treated as lent to the borrower (it is paid for them and repaid within the principal).
  const flowsWithoutVat: CashFlow[] = [{ time: 0, amount: netDisbursed.plus(upfrontTaxes).plus(financedTaxes) }];
  rows.forEach((row, i) => {
    flowsWithoutVat.push({ time: t.firstPeriodLength.plus(i), amount: new LoanDecimal(row.total.toString()).minus(row.tax.toString()).neg() });
  });
  const catWithoutVat = computeCat(flowsWithoutVat, ppy, { guess: t.periodicRate });

  return {
    currency: t.currency,
    rows,
    totals,
    principal: moneyOut(t.principal, digits),
    financedAmount: moneyOut(financedAmount, digits),
    netDisbursed: moneyOut(netDisbursed, digits),
    upfrontFees: moneyOut(upfrontFees, digits),
    upfrontTaxes: moneyOut(upfrontTaxes, digits),
    financedFees: moneyOut(financedFees, digits),
    installment: moneyOut(installment, digits),
    periodicRate: toPublic(t.periodicRate.mul(HUNDRED)),
    effectiveAnnualRate: toPublic(ONE.plus(t.periodicRate).pow(ppy).minus(ONE).mul(HUNDRED).toDecimalPlaces(30)),
    cat,
    catWithoutVat,
  };
}

/**
 * Interest accrued on `balance` over (from, to] under the terms' day count, rounded to the minor
 * unit: the rate the schedule would charge for a period of that length (30/360: the nominal
 * periodic rate x 30E/360 days / 30 monthly, x days / 14 or 7 otherwise; ACTUAL_365 and
 * ACTUAL_ACTUAL: the annual rate x the year fraction, as `periodRate`). Zero when to <= from.
 * Used for payoff quotes between due dates.
 */
export function interestBetween(input: { terms: LoanTerms; balance: DecimalInput; from: string; to: string }): Decimal {
  const t = parseTerms(input.terms);
  const balance = toLoanDecimal(input.balance, 'balance', 'INVALID_AMOUNT');
  const from = parseDate(input.from, 'from');
  const to = parseDate(input.to, 'to');
  if (toDay(to) <= toDay(from) || balance.lte(0)) return moneyOut(ZERO, t.digits);
  const length =
    t.frequency === 'MONTHLY'
      ? new LoanDecimal(days360(from, to)).div(30)
      : new LoanDecimal(toDay(to) - toDay(from)).div(t.frequency === 'BIWEEKLY' ? 14 : 7);
  return moneyOut(round(balance.mul(periodRate(t, from, to, length)), t.digits), t.digits);
}

function totalsOf(rows: ScheduleRow[]) {
  return {
    principal: sum(rows.map((r) => r.principal)),
    interest: sum(rows.map((r) => r.interest)),
    fee: sum(rows.map((r) => r.fee)),
    tax: sum(rows.map((r) => r.tax)),
    total: sum(rows.map((r) => r.total)),
  };
}

/**
 * Regenerate the remaining rows after a prepayment made on a due date.
 *  - REDUCE_TERM keeps the original installment (EMI, or principal part for the
 *    other methods) and shortens the loan; the last row absorbs the residue.
 *  - REDUCE_INSTALLMENT keeps the remaining number of installments and recomputes
 *    a lower installment on the remaining principal.
 * Remaining grace periods (original grace minus paid installments) still apply;
 * fees and taxes per installment continue unchanged.
 */
export function rescheduleAfterPrepayment(input: PrepaymentRescheduleInput): RescheduleResult {
  if (input === null || typeof input !== 'object') throw new LoanMathError('INVALID_TERM', 'input is required');
  const t = parseTerms(input.terms);
  const { digits } = t;
  const remaining = parseMoney(input.remainingPrincipal, t.currency, 'remainingPrincipal');
  const paid = countField(input.paidInstallments, 'paidInstallments', 0, t.n - 1);
  const rule = oneOf(input.rule, ['REDUCE_TERM', 'REDUCE_INSTALLMENT'] as const, 'rule');
  const nextDue = parseDate(input.nextDueDate, 'nextDueDate');
  const count = t.n - paid;

  const dueDates: Ymd[] = [];
  const periodRates: Decimal[] = [];
  let previous = addPeriods(nextDue, t.frequency, -1);
  for (let k = 1; k <= count; k++) {
    const due = addPeriods(nextDue, t.frequency, k - 1);
    periodRates.push(periodRate(t, previous, due, ONE));
    dueDates.push(due);
    previous = due;
  }

  let fixedInstallment: Decimal | undefined;
  let fixedPrincipalPart: Decimal | undefined;
  if (rule === 'REDUCE_TERM') {
    const original = generateSchedule(input.terms);
    if (t.method === 'DECLINING_EQUAL_INSTALLMENTS') {
      fixedInstallment = new LoanDecimal(original.installment.toString());
    } else if (t.method === 'DECLINING_EQUAL_PRINCIPAL') {
      fixedPrincipalPart = new LoanDecimal(original.installment.toString());
    } else {
      const flatInterest = round(new LoanDecimal(original.financedAmount.toString()).mul(t.periodicRate), digits);
      fixedPrincipalPart = new LoanDecimal(original.installment.toString()).minus(flatInterest);
    }
  }

  const { fee, feeTax } = perInstallmentCharges(t);
  const { rows, installment } = amortiseAdjusted({
    digits,
    method: t.method,
    balance: remaining,
    count,
    startNumber: paid + 1,
    dueDates: dueDates.map(formatDate),
    periodRates,
    nominalRate: t.periodicRate,
    emiRule: t.dayCount === 'THIRTY_360' ? 'NOMINAL' : 'PROGRESSIVE',
    graceOnPrincipal: Math.max(0, t.graceOnPrincipal - paid),
    graceOnInterest: Math.max(0, t.graceOnInterest - paid),
    multiple: t.multiple,
    fee,
    feeTax,
    interestTaxRate: t.interestTaxRate,
    fixedInstallment,
    fixedPrincipalPart,
    stopWhenPaid: rule === 'REDUCE_TERM',
  });

  const rowTotals = totalsOf(rows);
  return {
    rows,
    totals: {
      principal: moneyOut(rowTotals.principal, digits),
      interest: moneyOut(rowTotals.interest, digits),
      fees: moneyOut(rowTotals.fee, digits),
      taxes: moneyOut(rowTotals.tax, digits),
      totalCost: moneyOut(rowTotals.total.minus(remaining), digits),
      totalPayable: moneyOut(rowTotals.total, digits),
    },
    installment: moneyOut(installment, digits),
    numberOfInstallments: rows.length,
  };
}
