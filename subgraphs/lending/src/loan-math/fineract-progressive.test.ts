/**
 * Apache Fineract's own ProgressiveEMICalculatorTest cases for actual-day periods
 * (fineract-progressive-loan/src/test/java/org/apache/fineract/portfolio/loanproduct/calc/
 * ProgressiveEMICalculatorTest.java), transcribed: inputs, the EMI, and each period's rate factor,
 * interest, principal and balance, to the cent. Fineract's DaysInYearType.DAYS_365 /
 * DaysInMonthType.ACTUAL is our ACTUAL_365; DaysInYearType.ACTUAL / DaysInMonthType.ACTUAL is our
 * ACTUAL_ACTUAL. USD (2 decimals), HALF_EVEN, MathContext(12, HALF_EVEN) as in the Java test.
 */
import Decimal from 'decimal.js';
import { generateSchedule, LoanTerms, ScheduleRow } from './index';
import { progressiveEmi } from './schedule';

const money = (d: Decimal) => d.toFixed(2);
const rows = (rs: ScheduleRow[]) => rs.map((r) => [r.dueDate, money(r.interest), money(r.principal), money(r.balance)]);
/** A row's "EMI" in Fineract: principal + interest of the period. */
const emiOf = (r: ScheduleRow) => money(r.principal.plus(r.interest));

const monthly = (over: Partial<LoanTerms>): LoanTerms => ({
  principal: '100',
  currency: 'USD',
  numberOfInstallments: 6,
  frequency: 'MONTHLY',
  interestMethod: 'DECLINING_EQUAL_INSTALLMENTS',
  annualNominalRate: '9.4822',
  dayCount: 'ACTUAL_365',
  disbursementDate: '2024-01-01',
  ...over,
});

/** Rate factor (r_i) of each period, at Fineract's 12 decimals: interest of a 1-unit balance. */
function rateFactors(terms: LoanTerms): string[] {
  // With principal 1 000 000 000 000 (10^12) the first row's interest at 2 decimals shows r_1 to 14 decimals;
  // the other periods are read the same way through one-period loans starting at each due date.
  const s = generateSchedule(terms);
  let from = terms.disbursementDate;
  return s.rows.map((row) => {
    const one = generateSchedule({ ...terms, principal: '1000000000000', numberOfInstallments: 1, disbursementDate: from, firstDueDate: row.dueDate });
    from = row.dueDate;
    return one.rows[0]!.interest.div('1000000000000').toDecimalPlaces(12, Decimal.ROUND_HALF_EVEN).toFixed(12);
  });
}

describe('Fineract ProgressiveEMICalculatorTest, actual-day periods', () => {
  it('test_rateFactorByRepaymentEveryMonthMethod_DayInYear365_DaysInMonthActual', () => {
    expect(rateFactors(monthly({ dayCount: 'ACTUAL_365' }))).toEqual([
      '0.008053375342', '0.007533802740', '0.008053375342', '0.007793589041', '0.008053375342', '0.007793589041',
    ]);
  });

  it('test_rateFactorByRepaymentEveryMonthMethod_DayInYearActual_DaysInMonthActual', () => {
    expect(rateFactors(monthly({ dayCount: 'ACTUAL_ACTUAL' }))).toEqual([
      '0.008031371585', '0.007513218579', '0.008031371585', '0.007772295082', '0.008031371585', '0.007772295082',
    ]);
  });

  it('test_fnValueFunction_RepayEvery1Month_DayInYear365_DaysInMonthActual: fn values and the EMI built from them', () => {
    // fn_1 = 1, fn_k = 1 + fn_(k-1) x (1 + r_k), Jan..Jun 2024 at 9.4822 %, 365 days.
    const r = ['0.00805337534247', '0.00753380273973', '0.00805337534247', '0.00779358904110', '0.00805337534247', '0.00779358904110'];
    const mc = Decimal.clone({ precision: 12, rounding: Decimal.ROUND_HALF_EVEN });
    const fn: string[] = [];
    let prev = new mc(0);
    for (const ri of r) {
      prev = new mc(1).plus(prev.mul(new mc(1).plus(ri)));
      fn.push(prev.toFixed(11));
    }
    expect(fn).toEqual(['1.00000000000', '2.00753380274', '3.02370122596', '4.04726671069', '5.07986086861', '6.11945121660']);
    // EMI of 100 over those periods (testEMICalculation_principal100_dayInYears365_daysInMonthActual_repayEvery1Month): 17.13.
    expect(progressiveEmi(new Decimal(100), r.map((x) => new Decimal(x))).toDecimalPlaces(2, Decimal.ROUND_HALF_EVEN).toFixed(2)).toBe('17.13');
  });

  it('testEMICalculation_principal100_dayInYears365_daysInMonthActual_repayEvery1Month: EMI 17.13', () => {
    const s = generateSchedule(monthly({ dayCount: 'ACTUAL_365' }));
    expect(money(s.installment)).toBe('17.13');
    expect(s.rows.map((r) => r.dueDate)).toEqual(['2024-02-01', '2024-03-01', '2024-04-01', '2024-05-01', '2024-06-01', '2024-07-01']);
  });

  it('test_emiAdjustment_newCalculatedEmiNotBetterThanOriginal: 15.678 %, 365 days, EMI 17.43, last 17.47', () => {
    const s = generateSchedule(monthly({ annualNominalRate: '15.678', dayCount: 'ACTUAL_365' }));
    expect(money(s.installment)).toBe('17.43');
    expect(rateFactors(monthly({ annualNominalRate: '15.678', dayCount: 'ACTUAL_365' }))).toEqual([
      '0.013315561644', '0.012456493151', '0.013315561644', '0.012886027397', '0.013315561644', '0.012886027397',
    ]);
    expect(rows(s.rows)).toEqual([
      ['2024-02-01', '1.33', '16.10', '83.90'],
      ['2024-03-01', '1.05', '16.38', '67.52'],
      ['2024-04-01', '0.90', '16.53', '50.99'],
      ['2024-05-01', '0.66', '16.77', '34.22'],
      ['2024-06-01', '0.46', '16.97', '17.25'],
      ['2024-07-01', '0.22', '17.25', '0.00'],
    ]);
    expect(s.rows.map(emiOf)).toEqual(['17.43', '17.43', '17.43', '17.43', '17.43', '17.47']);
  });

  it('test_disbursedAmt100_dayInYearsActual_daysInMonthActual_repayEvery1Month: disbursed 2023-12-12, across the year end', () => {
    const terms = monthly({ dayCount: 'ACTUAL_ACTUAL', disbursementDate: '2023-12-12' });
    const s = generateSchedule(terms);
    expect(money(s.installment)).toBe('17.13');
    // The first period crosses the year end: Fineract splits it at Dec 31 (19/365 + 12/366).
    expect(rateFactors(terms)).toEqual([
      '0.008044857759', '0.008031371585', '0.007513218579', '0.008031371585', '0.007772295082', '0.008031371585',
    ]);
    expect(rows(s.rows)).toEqual([
      ['2024-01-12', '0.80', '16.33', '83.67'],
      ['2024-02-12', '0.67', '16.46', '67.21'],
      ['2024-03-12', '0.50', '16.63', '50.58'],
      ['2024-04-12', '0.41', '16.72', '33.86'],
      ['2024-05-12', '0.26', '16.87', '16.99'],
      ['2024-06-12', '0.14', '16.99', '0.00'],
    ]);
    expect(s.rows.map(emiOf)).toEqual(Array(6).fill('17.13'));
  });

  it('testEMICalculation_principal10000_dayInYearsActual_daysInMonthActual_repayEvery1Month_DisbursementInPreviousYear: EMI 1713.12', () => {
    const s = generateSchedule(monthly({ principal: '10000', dayCount: 'ACTUAL_ACTUAL', disbursementDate: '2023-12-12' }));
    expect(money(s.installment)).toBe('1713.12');
  });

  it('the nominal-rate annuity (rate / 12) is what ACTUAL day counts used to give: it is off by cents', () => {
    // 15.678 % / 12 as if every month were equal: 17.44 instead of Fineract's 17.43.
    const nominal = new Decimal(100).mul('0.013065').div(new Decimal(1).minus(new Decimal('1.013065').pow(-6)));
    expect(nominal.toDecimalPlaces(2, Decimal.ROUND_HALF_EVEN).toFixed(2)).toBe('17.44');
  });

  it('30/360 keeps the nominal annuity (Fineract test_disbursedAmt100_dayInYears360_daysInMonth30_repayEvery1Month: 17.13)', () => {
    const s = generateSchedule(monthly({ dayCount: 'THIRTY_360' }));
    expect(money(s.installment)).toBe('17.13');
    expect(rows(s.rows)).toEqual([
      ['2024-02-01', '0.79', '16.34', '83.66'],
      ['2024-03-01', '0.66', '16.47', '67.19'],
      ['2024-04-01', '0.53', '16.60', '50.59'],
      ['2024-05-01', '0.40', '16.73', '33.86'],
      ['2024-06-01', '0.27', '16.86', '17.00'],
      ['2024-07-01', '0.13', '17.00', '0.00'],
    ]);
  });
});

describe('the EMI correction never repays the loan before its last row', () => {
  it('1000 at 3.76 %, 48 months, ACTUAL/365, multiple 1: the installment stays at 22 (23 would repay it in 47 rows)', () => {
    const s = generateSchedule(monthly({ principal: '1000.00', currency: 'MXN', numberOfInstallments: 48, annualNominalRate: '3.76', disbursementDate: '2020-01-01', installmentMultipleOf: '1' }));
    expect(money(s.installment)).toBe('22.00');
    expect(s.rows.slice(0, -1).every((r) => money(r.total) === '22.00')).toBe(true);
    expect(s.rows[47]!.principal.gt(0)).toBe(true);
    expect(money(s.rows[47]!.balance)).toBe('0.00');
  });
});
