/**
 * Rates: nominal periodic rate, effective annual rate, IRR (Newton with a
 * bisection fallback), APR and CAT (costo anual total).
 *
 * Rates passed between functions here are fractions (0.01 = 1 %); the schedule
 * presents percentages. All arithmetic uses the private LoanDecimal clone.
 */
import Decimal from 'decimal.js';
import { LoanDecimal, toLoanDecimal, toPublic } from './rounding';
import { CatResult, DayCount, DecimalInput, LoanMathError, RepaymentFrequency } from './types';

const ZERO = new LoanDecimal(0);
const ONE = new LoanDecimal(1);
const HUNDRED = new LoanDecimal(100);

/** Compounding periods per year used to annualise: MONTHLY 12, BIWEEKLY 26, WEEKLY 52. */
export function periodsPerYear(frequency: RepaymentFrequency): number {
  switch (frequency) {
    case 'MONTHLY':
      return 12;
    case 'BIWEEKLY':
      return 26;
    case 'WEEKLY':
      return 52;
    default:
      throw new LoanMathError('INVALID_TERM', `Unknown repayment frequency: ${String(frequency)}`, 'frequency');
  }
}

/**
 * Length of one regular period for the nominal periodic rate, as days over a year basis:
 *  - THIRTY_360: MONTHLY 30/360, BIWEEKLY 15/360 (half a 30-day month), WEEKLY 7/360.
 *  - ACTUAL_365 and ACTUAL_ACTUAL: MONTHLY 1/12, BIWEEKLY 14/365, WEEKLY 7/365.
 */
function periodBasis(frequency: RepaymentFrequency, dayCount: DayCount): { days: number; year: number } {
  periodsPerYear(frequency); // validates the frequency
  if (dayCount === 'THIRTY_360') {
    return { days: frequency === 'MONTHLY' ? 30 : frequency === 'BIWEEKLY' ? 15 : 7, year: 360 };
  }
  if (dayCount === 'ACTUAL_365' || dayCount === 'ACTUAL_ACTUAL') {
    if (frequency === 'MONTHLY') return { days: 1, year: 12 };
    return { days: frequency === 'BIWEEKLY' ? 14 : 7, year: 365 };
  }
  throw new LoanMathError('INVALID_TERM', `Unknown day count: ${String(dayCount)}`, 'dayCount');
}

/** Share of a year that one regular period represents (see periodBasis). */
export function periodYearFraction(frequency: RepaymentFrequency, dayCount: DayCount): Decimal {
  const { days, year } = periodBasis(frequency, dayCount);
  return toPublic(new LoanDecimal(days).div(year));
}

/** Nominal periodic rate as a fraction: annual percent x days / (year x 100), e.g. 12 % monthly -> 0.01. */
export function nominalPeriodicRate(
  annualNominalRatePercent: DecimalInput,
  frequency: RepaymentFrequency,
  dayCount: DayCount,
): Decimal {
  return toPublic(nominalPeriodicRateInternal(annualNominalRatePercent, frequency, dayCount));
}

/** Same as nominalPeriodicRate() but keeps the internal 40-digit LoanDecimal. */
export function nominalPeriodicRateInternal(
  annualNominalRatePercent: DecimalInput,
  frequency: RepaymentFrequency,
  dayCount: DayCount,
): Decimal {
  const annual = toLoanDecimal(annualNominalRatePercent, 'annualNominalRate', 'INVALID_RATE');
  const { days, year } = periodBasis(frequency, dayCount);
  return annual.mul(days).div(year * 100);
}

/** Effective annual rate (fraction) of a periodic rate (fraction): (1 + r)^k - 1. */
export function effectiveAnnualRate(periodicRate: DecimalInput, periods: number): Decimal {
  const r = toLoanDecimal(periodicRate, 'periodicRate', 'INVALID_RATE');
  return toPublic(ONE.plus(r).pow(periods).minus(ONE));
}

/** Nominal APR (fraction) of a periodic rate (fraction): r x k. */
export function nominalApr(periodicRate: DecimalInput, periods: number): Decimal {
  const r = toLoanDecimal(periodicRate, 'periodicRate', 'INVALID_RATE');
  return toPublic(r.mul(periods));
}

export interface CashFlow {
  /** Time in periods from t0 (0 = disbursement); may be fractional. */
  time: number | Decimal;
  /** Signed amount: positive received by the borrower, negative paid. */
  amount: DecimalInput;
}

export interface IrrOptions {
  /** Starting point for Newton, fraction per period. Default 0.01. */
  guess?: DecimalInput;
  maxIterations?: number;
}

interface Flow {
  t: Decimal;
  a: Decimal;
}

/**
 * 1 / (1 + x)^t for every flow. Loan cash flows sit at whole periods (plus, at most, one shared
 * fraction for a broken first period), so the factors are built by repeated multiplication with
 * 1 / (1 + x) instead of one `pow` per flow: a 360-installment IRR costs a few hundred multiplications
 * per Newton step instead of 360 arbitrary-precision powers (about 20x faster), and at precision 40
 * the accumulated rounding stays far below the 1e-32 tolerance.
 */
function discountFactors(flows: Flow[], base: Decimal): Decimal[] {
  const inv = ONE.div(base);
  const wholePowers: Decimal[] = [ONE];
  const fractionFactors = new Map<string, Decimal>();
  const wholePower = (k: number): Decimal => {
    while (wholePowers.length <= k) wholePowers.push(wholePowers[wholePowers.length - 1]!.mul(inv));
    return wholePowers[k]!;
  };
  return flows.map((f) => {
    if (f.t.isNegative() || f.t.gt(100_000)) return ONE.div(base.pow(f.t));
    const whole = f.t.floor();
    const fraction = f.t.minus(whole);
    const w = wholePower(whole.toNumber());
    if (fraction.isZero()) return w;
    const key = fraction.toString();
    let ff = fractionFactors.get(key);
    if (!ff) {
      ff = ONE.div(base.pow(fraction));
      fractionFactors.set(key, ff);
    }
    return w.mul(ff);
  });
}

function npv(flows: Flow[], x: Decimal): Decimal {
  const factors = discountFactors(flows, ONE.plus(x));
  let sum = ZERO;
  for (let i = 0; i < flows.length; i++) sum = sum.plus(flows[i]!.a.mul(factors[i]!));
  return sum;
}

function npvAndDerivative(flows: Flow[], x: Decimal): [Decimal, Decimal] {
  const base = ONE.plus(x);
  const factors = discountFactors(flows, base);
  let value = ZERO;
  let weighted = ZERO;
  for (let i = 0; i < flows.length; i++) {
    const discounted = flows[i]!.a.mul(factors[i]!);
    value = value.plus(discounted);
    weighted = weighted.plus(flows[i]!.t.mul(discounted));
  }
  // d/dx sum(a / base^t) = -sum(t * a / base^t) / base
  return [value, weighted.div(base).neg()];
}

const X_TOL = new LoanDecimal('1e-32');
const MIN_RATE = new LoanDecimal('-0.999999999');

/**
 * Internal rate of return per period (fraction) of the cash flows: the x > -1 with
 * sum(amount_j / (1 + x)^time_j) = 0. Newton's method from `guess`; when Newton
 * leaves the domain, stalls or does not converge, bisection on a bracketing
 * interval. Deterministic; throws NO_CONVERGENCE when the flows have no root.
 */
export function irr(cashFlows: CashFlow[], options: IrrOptions = {}): Decimal {
  return toPublic(irrInternal(cashFlows, options));
}

/** Same as irr() but returns the internal LoanDecimal (no conversion). */
export function irrInternal(cashFlows: CashFlow[], options: IrrOptions = {}): Decimal {
  const flows: Flow[] = cashFlows.map((c, i) => ({
    t: typeof c.time === 'number' ? new LoanDecimal(c.time) : new LoanDecimal(c.time.toString()),
    a: toLoanDecimal(c.amount, `cashFlows[${i}].amount`),
  }));
  const hasPositive = flows.some((f) => f.a.gt(0));
  const hasNegative = flows.some((f) => f.a.lt(0));
  if (!hasPositive || !hasNegative) {
    throw new LoanMathError('NO_CONVERGENCE', 'IRR needs at least one positive and one negative cash flow');
  }

  // Newton.
  let x = options.guess === undefined ? new LoanDecimal('0.01') : toLoanDecimal(options.guess, 'guess', 'INVALID_RATE');
  const maxIterations = options.maxIterations ?? 60;
  for (let i = 0; i < maxIterations; i++) {
    if (x.lte(MIN_RATE)) break;
    const [value, derivative] = npvAndDerivative(flows, x);
    if (value.isZero()) return x.toDecimalPlaces(34);
    if (derivative.isZero()) break;
    const next = x.minus(value.div(derivative));
    if (!next.isFinite()) break;
    if (next.minus(x).abs().lt(X_TOL)) {
      if (next.gt(MIN_RATE)) return next.toDecimalPlaces(34);
      break;
    }
    x = next;
  }

  // Bisection fallback on [-0.999999999, hi], widening hi until the NPV changes sign.
  let lo = MIN_RATE;
  let hi = ONE;
  let fLo = npv(flows, lo);
  let fHi = npv(flows, hi);
  let widen = 0;
  while (fLo.s === fHi.s && !fHi.isZero() && widen < 40) {
    lo = hi;
    fLo = fHi;
    hi = hi.mul(2);
    fHi = npv(flows, hi);
    widen++;
  }
  if (fHi.isZero()) return hi;
  if (fLo.s === fHi.s) throw new LoanMathError('NO_CONVERGENCE', 'IRR: no sign change found for the cash flows');
  for (let i = 0; i < 500 && hi.minus(lo).gt(X_TOL); i++) {
    const mid = lo.plus(hi).div(2);
    const fMid = npv(flows, mid);
    if (fMid.isZero()) return mid.toDecimalPlaces(34);
    if (fMid.s === fLo.s) {
      lo = mid;
      fLo = fMid;
    } else {
      hi = mid;
    }
  }
  return lo.plus(hi).div(2).toDecimalPlaces(34);
}

/**
 * CAT (costo anual total) of the cash flows: the per-period IRR compounded over
 * the periods of a year, (1 + irr)^periodsPerYear - 1, in percent, presented with
 * one decimal (HALF_EVEN) and at full precision. Also the nominal APR, irr x k.
 */
export function computeCat(cashFlows: CashFlow[], periods: number, options: IrrOptions = {}): CatResult {
  const x = irrInternal(cashFlows, options);
  const exact = ONE.plus(x).pow(periods).minus(ONE).mul(HUNDRED);
  return {
    percent: toPublic(exact.toDecimalPlaces(1, Decimal.ROUND_HALF_EVEN)),
    exactPercent: toPublic(exact.toDecimalPlaces(30)),
    irrPerPeriod: toPublic(x.toDecimalPlaces(30)),
    aprPercent: toPublic(x.mul(periods).mul(HUNDRED).toDecimalPlaces(30)),
    periodsPerYear: periods,
  };
}
