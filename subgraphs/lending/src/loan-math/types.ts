/**
 * Types of the pure loan-mathematics module.
 *
 * Money and rates are always `decimal.js` values (or decimal strings on input);
 * JavaScript numbers are only used for counts (installments, grace periods).
 */
import Decimal from 'decimal.js';

/** A decimal given as a string ("5000.00", "12") or as a Decimal. Never a JS number. */
export type DecimalInput = string | Decimal;

export type RepaymentFrequency = 'MONTHLY' | 'BIWEEKLY' | 'WEEKLY';

export type InterestMethod = 'DECLINING_EQUAL_INSTALLMENTS' | 'DECLINING_EQUAL_PRINCIPAL' | 'FLAT';

export type DayCount = 'THIRTY_360' | 'ACTUAL_365' | 'ACTUAL_ACTUAL';

export type FeeKind = 'PERCENTAGE' | 'FIXED';

/**
 * UPFRONT: deducted from the disbursement (the borrower receives less).
 * FINANCED: added to the amortised principal.
 * PER_INSTALLMENT: charged with every installment.
 */
export type FeeCharge = 'UPFRONT' | 'FINANCED' | 'PER_INSTALLMENT';

export interface Fee {
  code: string;
  kind: FeeKind;
  /** PERCENTAGE: percent of the requested principal (e.g. "2.5"); FIXED: an amount in the loan currency. */
  value: DecimalInput;
  charge: FeeCharge;
  /** Tax on the fee, in percent (e.g. "16" for Mexican IVA). */
  taxRate?: DecimalInput;
}

export interface LoanTerms {
  /** Requested principal, in the loan currency, at most the currency's minor-unit decimals. */
  principal: DecimalInput;
  /** ISO 4217 code; see CURRENCY_MINOR_UNITS. */
  currency: string;
  numberOfInstallments: number;
  frequency: RepaymentFrequency;
  interestMethod: InterestMethod;
  /** Annual nominal rate in percent, e.g. "12" for 12 % a year. */
  annualNominalRate: DecimalInput;
  dayCount: DayCount;
  /** Disbursement date, ISO `YYYY-MM-DD`. */
  disbursementDate: string;
  /** First due date, ISO `YYYY-MM-DD`; default: one period after disbursement. */
  firstDueDate?: string;
  /** Periods at the start in which only interest is paid (no principal). */
  graceOnPrincipal?: number;
  /** Periods at the start in which interest accrues but is not charged (collected later). */
  graceOnInterest?: number;
  /** Round the installment to multiples of this amount (e.g. "1", "10", "100"). */
  installmentMultipleOf?: DecimalInput;
  fees?: Fee[];
  /** Tax on interest charged with each installment, in percent (e.g. "16"). */
  interestTaxRate?: DecimalInput;
}

export interface ScheduleRow {
  number: number;
  /** ISO `YYYY-MM-DD`. */
  dueDate: string;
  principal: Decimal;
  interest: Decimal;
  /** Per-installment fees (without tax). */
  fee: Decimal;
  /** Tax on interest plus tax on the per-installment fees. */
  tax: Decimal;
  /** principal + interest + fee + tax. */
  total: Decimal;
  /** Outstanding principal after this installment. */
  balance: Decimal;
}

export interface ScheduleTotals {
  /** Sum of row principals (= financed amount). */
  principal: Decimal;
  /** Sum of row interest. */
  interest: Decimal;
  /** All fees: upfront + financed + per-installment (without tax). */
  fees: Decimal;
  /** All taxes: on interest, on per-installment fees, on upfront and on financed fees. */
  taxes: Decimal;
  /** Total cost of credit: totalPayable - netDisbursed. */
  totalCost: Decimal;
  /** Sum of row totals (what the borrower pays back). */
  totalPayable: Decimal;
}

export interface CatResult {
  /** CAT in percent, rounded HALF_EVEN to 1 decimal (Mexican presentation, e.g. 14.3). */
  percent: Decimal;
  /** CAT in percent, full precision. */
  exactPercent: Decimal;
  /** IRR per period of the cash flows, as a fraction (0.01 = 1 % per period). */
  irrPerPeriod: Decimal;
  /** Nominal APR in percent: irrPerPeriod x periods per year x 100. */
  aprPercent: Decimal;
  periodsPerYear: number;
}

export interface LoanSchedule {
  currency: string;
  rows: ScheduleRow[];
  totals: ScheduleTotals;
  /** Requested principal. */
  principal: Decimal;
  /** Principal actually amortised: principal + financed fees (+ their tax). */
  financedAmount: Decimal;
  /** What the borrower receives: principal - upfront fees - tax on upfront fees. */
  netDisbursed: Decimal;
  /** Upfront fees (without tax). */
  upfrontFees: Decimal;
  /** Tax on upfront fees. */
  upfrontTaxes: Decimal;
  /** Financed fees (without tax). */
  financedFees: Decimal;
  /**
   * Regular installment before fees and taxes: the EMI for DECLINING_EQUAL_INSTALLMENTS,
   * the principal part for DECLINING_EQUAL_PRINCIPAL, principal part + regular flat interest for FLAT.
   */
  installment: Decimal;
  /** Nominal periodic rate in percent (e.g. 1 for 12 % a year paid monthly). */
  periodicRate: Decimal;
  /** Nominal-based effective annual rate in percent: ((1 + periodicRate)^periodsPerYear - 1) x 100. */
  effectiveAnnualRate: Decimal;
  /** CAT of the borrower's real flows, VAT included (taxes on interest and fees are part of each payment). */
  cat: CatResult;
  /**
   * CAT "sin IVA", Banxico's basis (what Mexican disclosures quote): the same flows without VAT
   * (tax on interest and fees left out; tax on financed fees treated as lent).
   */
  catWithoutVat: CatResult;
}

export type PrepaymentRule = 'REDUCE_TERM' | 'REDUCE_INSTALLMENT';

export interface PrepaymentRescheduleInput {
  /** The original terms of the loan. */
  terms: LoanTerms;
  /** Principal still owed after the prepayment. */
  remainingPrincipal: DecimalInput;
  /** Number of installments already paid (the new rows are numbered from paidInstallments + 1). */
  paidInstallments: number;
  /** Due date of the first new installment, ISO `YYYY-MM-DD`. */
  nextDueDate: string;
  rule: PrepaymentRule;
}

export interface RescheduleResult {
  rows: ScheduleRow[];
  /** Same shape as a schedule's totals, over the new rows only (fees/taxes = per-row amounts; totalCost = totalPayable - remainingPrincipal). */
  totals: ScheduleTotals;
  /** The regular installment used (kept for REDUCE_TERM, recomputed for REDUCE_INSTALLMENT). */
  installment: Decimal;
  numberOfInstallments: number;
}

export type LoanMathErrorCode =
  | 'UNKNOWN_CURRENCY'
  | 'INVALID_AMOUNT'
  | 'INVALID_TERM'
  | 'INVALID_RATE'
  | 'INVALID_DATE'
  | 'INVALID_FEE'
  | 'NO_CONVERGENCE';

export class LoanMathError extends Error {
  readonly code: LoanMathErrorCode;
  readonly field?: string;

  constructor(code: LoanMathErrorCode, message: string, field?: string) {
    super(message);
    this.name = 'LoanMathError';
    this.code = code;
    this.field = field;
    Object.setPrototypeOf(this, LoanMathError.prototype);
  }
}
