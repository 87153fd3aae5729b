/**
 * A product version's terms: validation with userErrors, defaults, and the mapping to loan-math
 * `LoanTerms`. Pure (no I/O). Terms are stored as JSON with decimals as strings.
 */
import { generateSchedule, LoanMathError, minorUnits, type DayCount, type Fee, type FeeCharge, type FeeKind, type InterestMethod, type LoanTerms, type PrepaymentRule, type RepaymentFrequency } from '../loan-math';
import { D, fmt, MAX_LOAN_AMOUNT, scheduleFitsColumns } from '../common/money';
import type { ProductTermsInput } from '../__generated__/graphql';
import { unsafeDisplayText } from '@imagy/platform/graphql';
import { userError, type UserError } from '../common/user-errors';

export type Component = 'PENALTY' | 'FEE' | 'TAX' | 'INTEREST' | 'PRINCIPAL';
export type PenaltyKind = 'NONE' | 'PERCENT_OF_OVERDUE_PER_PERIOD' | 'DAILY_RATE';

export interface FeeConfig { code: string; kind: FeeKind; value: string; charge: FeeCharge; taxRate: string | null }
export interface LatePenaltyRule {
  /** PERCENT_OF_OVERDUE_PER_PERIOD: `rate` % of the installment's overdue amount, once per repayment period overdue; DAILY_RATE: `rate` % of it every day. */
  kind: PenaltyKind;
  rate: string;
  /** Days after the due date before the first penalty. */
  graceDays: number;
}
export interface DelinquencyBucket { name: string; minDays: number; maxDays: number | null }

export interface ProductTerms {
  minAmount: string;
  maxAmount: string;
  minTerm: number;
  maxTerm: number;
  frequency: RepaymentFrequency;
  interestMethod: InterestMethod;
  annualNominalRate: string;
  dayCount: DayCount;
  graceOnPrincipal: number;
  graceOnInterest: number;
  installmentMultipleOf: string | null;
  fees: FeeConfig[];
  interestTaxRate: string | null;
  latePenalty: LatePenaltyRule;
  allocationOrder: Component[];
  prepaymentRule: PrepaymentRule;
  delinquencyBuckets: DelinquencyBucket[];
  defaultThresholdDays: number;
  /** Longest time from disbursement to a first due date chosen at booking, in days. */
  maxDaysToFirstDue: number;
}

/** Terms as stored: versions saved before `maxDaysToFirstDue` existed lack it (withTermDefaults fills it). */
export type StoredTerms = Omit<ProductTerms, 'maxDaysToFirstDue'> & { maxDaysToFirstDue?: number };

/** Default of `maxDaysToFirstDue`: a first period of up to about three months. */
export const DEFAULT_MAX_DAYS_TO_FIRST_DUE = 90;
/** A first due date is at most a year after disbursement, whatever the product says. */
export const MAX_DAYS_TO_FIRST_DUE = 366;
/** The longest regular period of each frequency: a product's first-due bound is never shorter. */
const LONGEST_PERIOD_DAYS: Record<RepaymentFrequency, number> = { MONTHLY: 31, BIWEEKLY: 14, WEEKLY: 7 };

export function withTermDefaults(terms: StoredTerms): ProductTerms {
  return { ...terms, maxDaysToFirstDue: terms.maxDaysToFirstDue ?? DEFAULT_MAX_DAYS_TO_FIRST_DUE };
}

export type { ProductTermsInput };

export const DEFAULT_ALLOCATION: Component[] = ['PENALTY', 'FEE', 'TAX', 'INTEREST', 'PRINCIPAL'];
export const DEFAULT_BUCKETS: DelinquencyBucket[] = [
  { name: '1-30', minDays: 1, maxDays: 30 },
  { name: '31-60', minDays: 31, maxDays: 60 },
  { name: '61-90', minDays: 61, maxDays: 90 },
  { name: '91-120', minDays: 91, maxDays: 120 },
  { name: '121+', minDays: 121, maxDays: null },
];
export const DEFAULT_THRESHOLD_DAYS = 90;

/** Longest loan, in installments. */
export const MAX_TERM = 1200;
/** Highest annual nominal rate a product may have, in percent. */
export const MAX_NOMINAL_RATE = 1000;

const FREQUENCIES = ['MONTHLY', 'BIWEEKLY', 'WEEKLY'];
const METHODS = ['DECLINING_EQUAL_INSTALLMENTS', 'DECLINING_EQUAL_PRINCIPAL', 'FLAT'];
const DAY_COUNTS = ['THIRTY_360', 'ACTUAL_365', 'ACTUAL_ACTUAL'];
const PENALTIES = ['NONE', 'PERCENT_OF_OVERDUE_PER_PERIOD', 'DAILY_RATE'];
const COMPONENTS: Component[] = ['PENALTY', 'FEE', 'TAX', 'INTEREST', 'PRINCIPAL'];

const decimal = (s: unknown) => typeof s === 'string' && /^\d+(\.\d+)?$/.test(s.trim());
const int = (n: unknown, min: number, max: number) => Number.isInteger(n) && (n as number) >= min && (n as number) <= max;
const canon = (s: string) => new D(s.trim()).toString();

/** Validates and normalises terms for a product in `currency`; every problem becomes a userError with a `terms.<field>` path. */
export function normaliseTerms(input: ProductTermsInput, currency: string): { terms: ProductTerms; userErrors: [] } | { terms: null; userErrors: UserError[] } {
  const errors: UserError[] = [];
  // Each rule names the field at fault (`terms.<path>`); the code says which kind of rule it is.
  const bad = (field: string) => errors.push(userError('INVALID_TERMS', { field: `terms.${field}` }));
  const badAmount = (field: string) => errors.push(userError('INVALID_AMOUNT', { field: `terms.${field}` }));
  const badTerm = (field: string, min: number) => errors.push(userError('INVALID_TERM', { field: `terms.${field}`, params: { min, max: MAX_TERM } }));
  const badRate = (field: string) => errors.push(userError('INVALID_RATE', { field: `terms.${field}`, params: { max: MAX_NOMINAL_RATE } }));
  const badFee = (field: string) => errors.push(userError('INVALID_FEE', { field: `terms.${field}` }));
  let units = 2;
  try { units = minorUnits(currency); } catch { errors.push(userError('INVALID_CURRENCY', { field: 'currency' })); }

  const amount = (field: 'minAmount' | 'maxAmount') => {
    const v = input[field];
    if (!decimal(v) || new D(v).lte(0) || new D(v).decimalPlaces() > units) { badAmount(field); return null; }
    if (new D(v).gt(MAX_LOAN_AMOUNT)) {
      errors.push(userError('AMOUNT_OUT_OF_RANGE', { field: `terms.${field}`, params: { min: fmt(new D(1).div(new D(10).pow(units)), units), max: fmt(MAX_LOAN_AMOUNT, units), currency } }));
      return null;
    }
    return fmt(v.trim(), units);
  };
  const minAmount = amount('minAmount');
  const maxAmount = amount('maxAmount');
  if (minAmount && maxAmount && new D(minAmount).gt(maxAmount)) badAmount('maxAmount');
  if (!int(input.minTerm, 1, MAX_TERM)) badTerm('minTerm', 1);
  if (!int(input.maxTerm, 1, MAX_TERM)) badTerm('maxTerm', 1);
  else if (int(input.minTerm, 1, MAX_TERM) && input.maxTerm < input.minTerm) badTerm('maxTerm', input.minTerm);
  if (!FREQUENCIES.includes(input.frequency)) bad('frequency');
  if (!METHODS.includes(input.interestMethod)) bad('interestMethod');
  const dayCount = input.dayCount ?? 'THIRTY_360';
  if (!DAY_COUNTS.includes(dayCount)) bad('dayCount');
  if (!decimal(input.annualNominalRate) || new D(input.annualNominalRate).gt(MAX_NOMINAL_RATE)) badRate('annualNominalRate');
  const graceOnPrincipal = input.graceOnPrincipal ?? 0;
  const graceOnInterest = input.graceOnInterest ?? 0;
  if (!int(graceOnPrincipal, 0, 1199)) bad('graceOnPrincipal');
  else if (int(input.minTerm, 1, 1200) && graceOnPrincipal >= input.minTerm) bad('graceOnPrincipal');
  if (!int(graceOnInterest, 0, 1199)) bad('graceOnInterest');
  else if (int(input.minTerm, 1, 1200) && graceOnInterest >= input.minTerm) bad('graceOnInterest');
  const multiple = input.installmentMultipleOf ?? null;
  if (multiple !== null && (!decimal(multiple) || new D(multiple).lte(0) || new D(multiple).decimalPlaces() > units || new D(multiple).gt(MAX_LOAN_AMOUNT))) bad('installmentMultipleOf');

  const fees: FeeConfig[] = [];
  const codes = new Set<string>();
  (input.fees ?? []).forEach((f, i) => {
    const at = `fees.${i}`;
    if (!/^[A-Z0-9_]{1,40}$/.test(f.code ?? '')) badFee(`${at}.code`);
    else if (codes.has(f.code)) badFee(`${at}.code`);
    codes.add(f.code);
    if (f.kind !== 'PERCENTAGE' && f.kind !== 'FIXED') badFee(`${at}.kind`);
    if (!['UPFRONT', 'FINANCED', 'PER_INSTALLMENT'].includes(f.charge)) badFee(`${at}.charge`);
    if (!decimal(f.value)) badFee(`${at}.value`);
    else if (f.kind === 'PERCENTAGE' && new D(f.value).gt(100)) badFee(`${at}.value`);
    else if (f.kind === 'FIXED' && (new D(f.value).decimalPlaces() > units || new D(f.value).gt(MAX_LOAN_AMOUNT))) badFee(`${at}.value`);
    if (f.taxRate != null && (!decimal(f.taxRate) || new D(f.taxRate).gt(100))) badFee(`${at}.taxRate`);
    if (decimal(f.value)) fees.push({ code: f.code, kind: f.kind, value: f.kind === 'FIXED' && new D(f.value).decimalPlaces() <= units ? fmt(f.value.trim(), units) : canon(f.value), charge: f.charge, taxRate: f.taxRate != null && decimal(f.taxRate) ? canon(f.taxRate) : null });
  });
  const interestTaxRate = input.interestTaxRate ?? null;
  if (interestTaxRate !== null && (!decimal(interestTaxRate) || new D(interestTaxRate).gt(100))) bad('interestTaxRate');

  const lp = input.latePenalty ?? { kind: 'NONE' as const };
  const latePenalty: LatePenaltyRule = { kind: lp.kind, rate: lp.rate ?? '0', graceDays: lp.graceDays ?? 0 };
  if (!PENALTIES.includes(latePenalty.kind)) bad('latePenalty.kind');
  if (!decimal(latePenalty.rate) || new D(latePenalty.rate).gt(100)) bad('latePenalty.rate');
  else if (latePenalty.kind !== 'NONE' && new D(latePenalty.rate).isZero()) bad('latePenalty.rate');
  if (!int(latePenalty.graceDays, 0, 365)) bad('latePenalty.graceDays');
  if (decimal(latePenalty.rate)) latePenalty.rate = canon(latePenalty.rate);

  let allocationOrder = input.allocationOrder ?? DEFAULT_ALLOCATION;
  // Fineract-style four-component orders leave tax out: it is then paid right after fees.
  if (allocationOrder.length === 4 && !allocationOrder.includes('TAX') && allocationOrder.includes('FEE')) {
    allocationOrder = [...allocationOrder];
    allocationOrder.splice(allocationOrder.indexOf('FEE') + 1, 0, 'TAX');
  }
  if (allocationOrder.length !== COMPONENTS.length || COMPONENTS.some((c) => !allocationOrder.includes(c))) {
    bad('allocationOrder');
  }
  const prepaymentRule = input.prepaymentRule ?? 'REDUCE_TERM';
  if (prepaymentRule !== 'REDUCE_TERM' && prepaymentRule !== 'REDUCE_INSTALLMENT') bad('prepaymentRule');

  const buckets: DelinquencyBucket[] = (input.delinquencyBuckets ?? DEFAULT_BUCKETS).map((b) => ({ name: b.name?.trim(), minDays: b.minDays, maxDays: b.maxDays ?? null }));
  let expectMin = 1;
  buckets.forEach((b, i) => {
    const at = `delinquencyBuckets.${i}`;
    // Shown in portfolio reports: no control, direction or invisible characters either.
    if (!b.name || b.name.length > 40 || unsafeDisplayText(b.name)) bad(`${at}.name`);
    if (b.minDays !== expectMin) bad(`${at}.minDays`);
    const last = i === buckets.length - 1;
    if (last && b.maxDays !== null) bad(`${at}.maxDays`);
    if (!last && (!Number.isInteger(b.maxDays) || (b.maxDays as number) < b.minDays)) bad(`${at}.maxDays`);
    expectMin = (b.maxDays ?? 0) + 1;
  });
  if (buckets.length === 0) bad('delinquencyBuckets');
  if (new Set(buckets.map((b) => b.name)).size !== buckets.length) bad('delinquencyBuckets');
  const defaultThresholdDays = input.defaultThresholdDays ?? DEFAULT_THRESHOLD_DAYS;
  if (!int(defaultThresholdDays, 1, 3650)) bad('defaultThresholdDays');
  const maxDaysToFirstDue = input.maxDaysToFirstDue ?? DEFAULT_MAX_DAYS_TO_FIRST_DUE;
  const shortestBound = LONGEST_PERIOD_DAYS[input.frequency] ?? 31;
  if (!int(maxDaysToFirstDue, shortestBound, MAX_DAYS_TO_FIRST_DUE)) bad('maxDaysToFirstDue');

  if (errors.length) return { terms: null, userErrors: errors };
  const terms: ProductTerms = {
    minAmount: minAmount!, maxAmount: maxAmount!, minTerm: input.minTerm, maxTerm: input.maxTerm,
    frequency: input.frequency, interestMethod: input.interestMethod, annualNominalRate: canon(input.annualNominalRate), dayCount,
    graceOnPrincipal, graceOnInterest, installmentMultipleOf: multiple === null ? null : fmt(multiple.trim(), units),
    fees, interestTaxRate: interestTaxRate === null ? null : canon(interestTaxRate), latePenalty, allocationOrder,
    prepaymentRule, delinquencyBuckets: buckets, defaultThresholdDays, maxDaysToFirstDue,
  };
  // The extremes must produce valid schedules (e.g. upfront fees must not eat the smallest principal).
  for (const [amount, n] of [[terms.minAmount, terms.minTerm], [terms.maxAmount, terms.maxTerm], [terms.minAmount, terms.maxTerm], [terms.maxAmount, terms.minTerm]] as const) {
    try {
      // What a loan stores must fit the money columns (e.g. a huge FIXED fee financed on top).
      if (!scheduleFitsColumns(generateSchedule(loanTermsOf(terms, currency, amount, n, '2026-01-15')))) return { terms: null, userErrors: [userError('INVALID_TERMS', { field: 'terms' })] };
    } catch (e) {
      if (e instanceof LoanMathError) return { terms: null, userErrors: [userError(e.code === 'INVALID_FEE' ? 'INVALID_FEE' : 'INVALID_TERMS', { field: 'terms' })] };
      throw e;
    }
  }
  return { terms, userErrors: [] };
}

/** The loan-math terms of one loan of this product. */
export function loanTermsOf(terms: ProductTerms, currency: string, principal: string, numberOfInstallments: number, disbursementDate: string, firstDueDate?: string | null): LoanTerms {
  const fees: Fee[] = terms.fees.map((f) => ({ code: f.code, kind: f.kind, value: f.value, charge: f.charge, ...(f.taxRate ? { taxRate: f.taxRate } : {}) }));
  return {
    principal, currency, numberOfInstallments, frequency: terms.frequency, interestMethod: terms.interestMethod,
    annualNominalRate: terms.annualNominalRate, dayCount: terms.dayCount, disbursementDate,
    ...(firstDueDate ? { firstDueDate } : {}),
    graceOnPrincipal: terms.graceOnPrincipal, graceOnInterest: terms.graceOnInterest,
    ...(terms.installmentMultipleOf ? { installmentMultipleOf: terms.installmentMultipleOf } : {}),
    fees,
    ...(terms.interestTaxRate ? { interestTaxRate: terms.interestTaxRate } : {}),
  };
}

/** Range checks of one loan against a version's terms (simulator, booking). */
export function checkLoanRequest(terms: ProductTerms, currency: string, amount: string, term: number): UserError[] {
  const errors: UserError[] = [];
  let units = 2;
  try { units = minorUnits(currency); } catch { return [userError('INVALID_CURRENCY', { field: 'currency' })]; }
  if (typeof amount !== 'string' || !/^\d+(\.\d+)?$/.test(amount.trim()) || new D(amount).lte(0) || new D(amount).decimalPlaces() > units) errors.push(userError('INVALID_AMOUNT', { field: 'amount' }));
  else {
    // Versions saved before the loan bound existed may allow more than MAX_LOAN_AMOUNT: the bound wins.
    const max = D.min(terms.maxAmount, MAX_LOAN_AMOUNT);
    if (new D(amount).lt(terms.minAmount) || new D(amount).gt(max)) {
      errors.push(userError('AMOUNT_OUT_OF_RANGE', { field: 'amount', params: { min: fmt(terms.minAmount, units), max: fmt(max, units), currency } }));
    }
  }
  if (!Number.isInteger(term) || term < terms.minTerm || term > terms.maxTerm) errors.push(userError('TERM_OUT_OF_RANGE', { field: 'term', params: { min: terms.minTerm, max: terms.maxTerm } }));
  return errors;
}

/** Terms as the API shows them: with their currency, every amount at the currency's minor unit. */
export interface ProductTermsView extends ProductTerms { currency: string }

/**
 * Versions stored before amounts were kept at minor units hold e.g. "1000": the view formats every
 * money amount (range, installment multiple, FIXED fee values) when it is read. Rates stay as
 * entered, they are not money.
 */
export function termsView(terms: ProductTerms, currency: string): ProductTermsView {
  const units = minorUnits(currency);
  return {
    ...terms, currency,
    minAmount: fmt(terms.minAmount, units), maxAmount: fmt(terms.maxAmount, units),
    installmentMultipleOf: terms.installmentMultipleOf === null ? null : fmt(terms.installmentMultipleOf, units),
    fees: terms.fees.map((f) => (f.kind === 'FIXED' ? { ...f, value: fmt(f.value, units) } : f)),
  };
}

/** Days of one repayment period, for PERCENT_OF_OVERDUE_PER_PERIOD penalties. */
export const periodDays = (frequency: RepaymentFrequency) => (frequency === 'MONTHLY' ? 30 : frequency === 'BIWEEKLY' ? 14 : 7);
