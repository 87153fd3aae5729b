import Decimal from 'decimal.js';
import {
  generateSchedule,
  LoanMathError,
  LoanTerms,
  rescheduleAfterPrepayment,
  ScheduleRow,
} from './index';

/** Fineract's published example: 5000 at 12 % a year, 18 monthly installments, 30/360. */
const fineractTerms: LoanTerms = {
  principal: '5000',
  currency: 'USD',
  numberOfInstallments: 18,
  frequency: 'MONTHLY',
  interestMethod: 'DECLINING_EQUAL_INSTALLMENTS',
  annualNominalRate: '12',
  dayCount: 'THIRTY_360',
  disbursementDate: '2024-01-15',
  installmentMultipleOf: '1',
};

const money = (d: Decimal) => d.toFixed(2);
const sum = (rows: ScheduleRow[], key: 'principal' | 'interest' | 'fee' | 'tax' | 'total') =>
  rows.reduce((acc, r) => acc.plus(r[key]), new Decimal(0));

function expectLoanMathError(fn: () => unknown, code: string) {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(LoanMathError);
  expect((caught as LoanMathError).code).toBe(code);
}

describe('Fineract published vectors', () => {
  it('reproduces the declining-balance equal-installment schedule rounded to multiples of 1', () => {
    const s = generateSchedule(fineractTerms);
    expect(s.rows).toHaveLength(18);
    expect(money(s.installment)).toBe('305.00');

    const [first, second] = s.rows;
    expect([money(first.interest), money(first.principal), money(first.balance)]).toEqual(['50.00', '255.00', '4745.00']);
    expect([money(second.interest), money(second.principal), money(second.balance)]).toEqual(['47.45', '257.55', '4487.45']);

    const last = s.rows[17];
    expect(money(last.interest)).toBe('3.00');
    expect(money(last.principal)).toBe('300.22');
    expect(money(last.total)).toBe('303.22');
    expect(money(last.balance)).toBe('0.00');

    expect(money(s.totals.interest)).toBe('488.22');
    expect(money(s.totals.principal)).toBe('5000.00');
    expect(money(s.totals.totalPayable)).toBe('5488.22');
  });

  it('charges the same 305 installment in every row except the last', () => {
    const s = generateSchedule(fineractTerms);
    for (const row of s.rows.slice(0, -1)) expect(money(row.total)).toBe('305.00');
  });

  it('reproduces the declining-balance equal-principal schedule', () => {
    const s = generateSchedule({ ...fineractTerms, interestMethod: 'DECLINING_EQUAL_PRINCIPAL', installmentMultipleOf: undefined });
    for (const row of s.rows.slice(0, -1)) expect(money(row.principal)).toBe('277.78');
    expect(money(s.rows[17].principal)).toBe('277.74');
    expect(money(s.rows[0].interest)).toBe('50.00');
    expect(money(s.totals.interest)).toBe('475.00');
    expect(money(s.rows[17].balance)).toBe('0.00');
  });
});

describe('interest methods', () => {
  it('charges flat interest on the original principal in every period', () => {
    const s = generateSchedule({ ...fineractTerms, interestMethod: 'FLAT', installmentMultipleOf: undefined });
    for (const row of s.rows) expect(money(row.interest)).toBe('50.00');
    expect(money(s.totals.interest)).toBe('900.00');
    expect(money(s.rows[0].principal)).toBe('277.78');
    expect(money(s.rows[17].principal)).toBe('277.74');
  });

  it('rounds the flat installment to the requested multiple and keeps the principal parts summing to the amount', () => {
    const s = generateSchedule({ ...fineractTerms, interestMethod: 'FLAT', installmentMultipleOf: '10' });
    expect(money(s.rows[0].total)).toBe('330.00');
    expect(money(s.rows[0].principal)).toBe('280.00');
    expect(money(s.totals.principal)).toBe('5000.00');
  });

  it('spreads the principal evenly and charges no interest at a zero rate', () => {
    const s = generateSchedule({ ...fineractTerms, annualNominalRate: '0', installmentMultipleOf: undefined, numberOfInstallments: 3, principal: '100' });
    expect(s.rows.map((r) => money(r.principal))).toEqual(['33.33', '33.33', '33.34']);
    expect(money(s.totals.interest)).toBe('0.00');
    expect(s.cat.exactPercent.abs().lt('1e-20')).toBe(true);
  });
});

describe('grace periods', () => {
  it('charges only interest during the principal grace and amortises over the remaining periods', () => {
    const s = generateSchedule({ ...fineractTerms, installmentMultipleOf: undefined, numberOfInstallments: 12, graceOnPrincipal: 3 });
    for (const row of s.rows.slice(0, 3)) {
      expect(money(row.principal)).toBe('0.00');
      expect(money(row.interest)).toBe('50.00');
      expect(money(row.balance)).toBe('5000.00');
    }
    // EMI of 5000 at 1 % over the 9 amortising periods.
    expect(money(s.installment)).toBe('583.70');
    expect(money(s.rows[3].total)).toBe('583.70');
    expect(money(s.totals.principal)).toBe('5000.00');
  });

  it('collects interest deferred by the interest grace with the first installment after it (equal principal)', () => {
    const s = generateSchedule({
      ...fineractTerms,
      interestMethod: 'DECLINING_EQUAL_PRINCIPAL',
      installmentMultipleOf: undefined,
      numberOfInstallments: 10,
      graceOnInterest: 2,
      principal: '1000',
    });
    expect(money(s.rows[0].interest)).toBe('0.00');
    expect(money(s.rows[1].interest)).toBe('0.00');
    // accrued 10.00 + 9.00 deferred + 8.00 for the third period
    expect(money(s.rows[2].interest)).toBe('27.00');
    expect(money(s.totals.interest)).toBe('55.00');
  });

  it('takes deferred interest out of the equal installment so the installment stays the same', () => {
    const s = generateSchedule({ ...fineractTerms, installmentMultipleOf: undefined, numberOfInstallments: 12, graceOnInterest: 2 });
    expect(money(s.rows[0].interest)).toBe('0.00');
    expect(money(s.rows[1].interest)).toBe('0.00');
    for (const row of s.rows.slice(0, -1)) expect(money(row.total)).toBe(money(s.installment));
    // Nothing is lost or charged twice: the interest charged is the interest accrued on each period's opening balance.
    let opening = new Decimal(5000);
    let accrued = new Decimal(0);
    for (const row of s.rows) {
      accrued = accrued.plus(opening.mul('0.01').toDecimalPlaces(2, Decimal.ROUND_HALF_EVEN));
      opening = row.balance;
    }
    expect(money(s.totals.interest)).toBe(money(accrued));
    expect(s.rows[2].interest.gt(s.rows[3].interest.mul(2))).toBe(true);
    expect(money(s.totals.principal)).toBe('5000.00');
    expect(money(s.rows[11].balance)).toBe('0.00');
  });

  it('spreads flat interest deferred by the interest grace over the remaining periods', () => {
    const s = generateSchedule({
      ...fineractTerms,
      interestMethod: 'FLAT',
      installmentMultipleOf: undefined,
      numberOfInstallments: 6,
      graceOnInterest: 2,
      principal: '1200',
    });
    expect(s.rows.map((r) => money(r.interest))).toEqual(['0.00', '0.00', '18.00', '18.00', '18.00', '18.00']);
    expect(money(s.totals.interest)).toBe('72.00');
  });
});

describe('calendar and day counts', () => {
  it('places monthly due dates on the same day, clamped to the end of short months', () => {
    const s = generateSchedule({ ...fineractTerms, numberOfInstallments: 4, disbursementDate: '2024-01-31' });
    expect(s.rows.map((r) => r.dueDate)).toEqual(['2024-02-29', '2024-03-31', '2024-04-30', '2024-05-31']);
  });

  it('places biweekly due dates 14 days apart and weekly due dates 7 days apart', () => {
    const bi = generateSchedule({ ...fineractTerms, frequency: 'BIWEEKLY', numberOfInstallments: 3, disbursementDate: '2024-12-20' });
    expect(bi.rows.map((r) => r.dueDate)).toEqual(['2025-01-03', '2025-01-17', '2025-01-31']);
    const wk = generateSchedule({ ...fineractTerms, frequency: 'WEEKLY', numberOfInstallments: 2, disbursementDate: '2024-02-26' });
    expect(wk.rows.map((r) => r.dueDate)).toEqual(['2024-03-04', '2024-03-11']);
  });

  it('uses 15/360 for a biweekly period and 7/360 for a weekly period under 30/360', () => {
    const bi = generateSchedule({ ...fineractTerms, frequency: 'BIWEEKLY', installmentMultipleOf: undefined, annualNominalRate: '36' });
    expect(bi.periodicRate.toString()).toBe('1.5');
    expect(money(bi.rows[0].interest)).toBe('75.00');
    const wk = generateSchedule({ ...fineractTerms, frequency: 'WEEKLY', installmentMultipleOf: undefined, annualNominalRate: '36' });
    expect(wk.periodicRate.toString()).toBe('0.7');
    expect(money(wk.rows[0].interest)).toBe('35.00');
  });

  it('charges interest for the real days of each period under ACTUAL/365', () => {
    const s = generateSchedule({ ...fineractTerms, dayCount: 'ACTUAL_365', disbursementDate: '2024-01-31', installmentMultipleOf: undefined, annualNominalRate: '36.5' });
    // 29 days to 2024-02-29: 5000 x 0.365 x 29 / 365 = 145.00
    expect(money(s.rows[0].interest)).toBe('145.00');
    expect(money(s.rows[17].balance)).toBe('0.00');
  });

  it('splits a period across a year end at December 31 by each year length under ACTUAL/ACTUAL (Fineract)', () => {
    const s = generateSchedule({
      ...fineractTerms,
      dayCount: 'ACTUAL_ACTUAL',
      disbursementDate: '2023-12-17',
      installmentMultipleOf: undefined,
      numberOfInstallments: 2,
      annualNominalRate: '10',
    });
    // Fineract's calculatePeriodFractions: Dec 17 -> Dec 31 = 14 days / 365, Dec 31 -> Jan 17 = 17 days / 366
    // (ISDA would count 15 / 365 + 16 / 366 and give 42.41).
    const expected = new Decimal(5000).mul('0.10').mul(new Decimal(14).div(365).plus(new Decimal(17).div(366)));
    expect(money(s.rows[0].interest)).toBe(expected.toFixed(2, Decimal.ROUND_HALF_EVEN));
    expect(money(s.rows[0].interest)).toBe('42.40');
  });

  it('charges a broken first period proportionally when a later first due date is given', () => {
    const s = generateSchedule({ ...fineractTerms, installmentMultipleOf: undefined, firstDueDate: '2024-03-01' });
    // 30E/360 from Jan 15 to Mar 1 = 46 days: 5000 x 12 % x 46 / 360 = 76.67
    expect(money(s.rows[0].interest)).toBe('76.67');
    expect(s.rows[1].dueDate).toBe('2024-04-01');
    expect(money(s.totals.principal)).toBe('5000.00');
  });
});

describe('fees, taxes and net disbursement', () => {
  it('deducts upfront fees and their tax from the disbursement and raises the CAT', () => {
    const plain = generateSchedule({ ...fineractTerms, installmentMultipleOf: undefined });
    const s = generateSchedule({
      ...fineractTerms,
      installmentMultipleOf: undefined,
      fees: [{ code: 'OPENING', kind: 'PERCENTAGE', value: '2', charge: 'UPFRONT', taxRate: '16' }],
    });
    expect(money(s.upfrontFees)).toBe('100.00');
    expect(money(s.upfrontTaxes)).toBe('16.00');
    expect(money(s.netDisbursed)).toBe('4884.00');
    expect(money(s.totals.principal)).toBe('5000.00');
    expect(s.cat.exactPercent.gt(plain.cat.exactPercent)).toBe(true);
    expect(s.cat.exactPercent.gt(s.effectiveAnnualRate)).toBe(true);
  });

  it('adds financed fees and their tax to the amortised principal', () => {
    const s = generateSchedule({
      ...fineractTerms,
      installmentMultipleOf: undefined,
      fees: [{ code: 'INSURANCE', kind: 'FIXED', value: '100.00', charge: 'FINANCED', taxRate: '16' }],
    });
    expect(money(s.financedAmount)).toBe('5116.00');
    expect(money(s.totals.principal)).toBe('5116.00');
    expect(money(s.netDisbursed)).toBe('5000.00');
    expect(money(s.rows[0].interest)).toBe('51.16');
  });

  it('adds per-installment fees, tax on them and tax on interest to every row', () => {
    const s = generateSchedule({
      ...fineractTerms,
      fees: [{ code: 'ADMIN', kind: 'FIXED', value: '10', charge: 'PER_INSTALLMENT', taxRate: '16' }],
      interestTaxRate: '16',
    });
    const first = s.rows[0];
    expect(money(first.fee)).toBe('10.00');
    // 16 % of 50.00 interest + 16 % of the 10.00 fee
    expect(money(first.tax)).toBe('9.60');
    expect(money(first.total)).toBe('324.60');
  });

  it('reports a total cost equal to interest plus all fees plus all taxes and to what is repaid beyond the net disbursement', () => {
    const s = generateSchedule({
      ...fineractTerms,
      fees: [
        { code: 'OPENING', kind: 'PERCENTAGE', value: '1.5', charge: 'UPFRONT', taxRate: '16' },
        { code: 'INSURANCE', kind: 'FIXED', value: '60', charge: 'FINANCED' },
        { code: 'ADMIN', kind: 'FIXED', value: '5', charge: 'PER_INSTALLMENT', taxRate: '16' },
      ],
      interestTaxRate: '16',
    });
    expect(s.totals.totalCost.eq(s.totals.interest.plus(s.totals.fees).plus(s.totals.taxes))).toBe(true);
    expect(s.totals.totalCost.eq(s.totals.totalPayable.minus(s.netDisbursed))).toBe(true);
    expect(s.totals.totalPayable.eq(sum(s.rows, 'total'))).toBe(true);
  });

  it('presents the CAT with one decimal and keeps the full-precision value', () => {
    const s = generateSchedule({
      ...fineractTerms,
      fees: [{ code: 'OPENING', kind: 'PERCENTAGE', value: '2', charge: 'UPFRONT', taxRate: '16' }],
      interestTaxRate: '16',
    });
    expect(s.cat.percent.decimalPlaces()).toBeLessThanOrEqual(1);
    expect(s.cat.percent.eq(s.cat.exactPercent.toDecimalPlaces(1, Decimal.ROUND_HALF_EVEN))).toBe(true);
    expect(s.cat.periodsPerYear).toBe(12);
    // The IRR discounts the real cash flows to zero.
    const v = new Decimal(1).plus(s.cat.irrPerPeriod);
    const npv = s.rows.reduce((acc, r, i) => acc.minus(r.total.div(v.pow(i + 1))), s.netDisbursed);
    expect(npv.abs().lt('1e-10')).toBe(true);
  });

  it('rounds at the currency minor unit, with whole pesos for CLP', () => {
    const s = generateSchedule({ ...fineractTerms, currency: 'CLP', principal: '1000000', installmentMultipleOf: undefined, numberOfInstallments: 7 });
    for (const row of s.rows) {
      expect(row.principal.decimalPlaces()).toBe(0);
      expect(row.interest.decimalPlaces()).toBe(0);
    }
    expect(s.totals.principal.toString()).toBe('1000000');
  });

  it('leaves the global Decimal configuration untouched', () => {
    const before = { precision: Decimal.precision, rounding: Decimal.rounding };
    generateSchedule(fineractTerms);
    expect({ precision: Decimal.precision, rounding: Decimal.rounding }).toEqual(before);
  });
});

describe('invalid terms', () => {
  it('rejects an unknown currency', () => {
    expectLoanMathError(() => generateSchedule({ ...fineractTerms, currency: 'XYZ' }), 'UNKNOWN_CURRENCY');
  });

  it('rejects an MXN amount with three decimals', () => {
    expectLoanMathError(() => generateSchedule({ ...fineractTerms, currency: 'MXN', principal: '1000.005' }), 'INVALID_AMOUNT');
  });

  it('rejects a CLP amount with cents', () => {
    expectLoanMathError(() => generateSchedule({ ...fineractTerms, currency: 'CLP', principal: '1000.50' }), 'INVALID_AMOUNT');
  });

  it('rejects a zero amount, a negative amount and a non-decimal amount', () => {
    expectLoanMathError(() => generateSchedule({ ...fineractTerms, principal: '0' }), 'INVALID_AMOUNT');
    expectLoanMathError(() => generateSchedule({ ...fineractTerms, principal: '-10' }), 'INVALID_AMOUNT');
    expectLoanMathError(() => generateSchedule({ ...fineractTerms, principal: 'ten' }), 'INVALID_AMOUNT');
    expectLoanMathError(() => generateSchedule({ ...fineractTerms, principal: 5000 as unknown as string }), 'INVALID_AMOUNT');
  });

  it('rejects a zero or fractional number of installments', () => {
    expectLoanMathError(() => generateSchedule({ ...fineractTerms, numberOfInstallments: 0 }), 'INVALID_TERM');
    expectLoanMathError(() => generateSchedule({ ...fineractTerms, numberOfInstallments: 2.5 }), 'INVALID_TERM');
  });

  it('rejects grace periods that cover the whole term', () => {
    expectLoanMathError(() => generateSchedule({ ...fineractTerms, graceOnPrincipal: 18 }), 'INVALID_TERM');
    expectLoanMathError(() => generateSchedule({ ...fineractTerms, graceOnInterest: 18 }), 'INVALID_TERM');
  });

  it('rejects a negative rate, an unknown frequency and invalid dates', () => {
    expectLoanMathError(() => generateSchedule({ ...fineractTerms, annualNominalRate: '-1' }), 'INVALID_RATE');
    expectLoanMathError(() => generateSchedule({ ...fineractTerms, frequency: 'DAILY' as 'MONTHLY' }), 'INVALID_TERM');
    expectLoanMathError(() => generateSchedule({ ...fineractTerms, disbursementDate: '2024-02-30' }), 'INVALID_DATE');
    expectLoanMathError(() => generateSchedule({ ...fineractTerms, firstDueDate: '2024-01-10' }), 'INVALID_DATE');
  });

  it('rejects upfront fees that consume the whole principal and fixed fees with too many decimals', () => {
    expectLoanMathError(
      () => generateSchedule({ ...fineractTerms, fees: [{ code: 'X', kind: 'PERCENTAGE', value: '100', charge: 'UPFRONT' }] }),
      'INVALID_FEE',
    );
    expectLoanMathError(
      () => generateSchedule({ ...fineractTerms, fees: [{ code: 'X', kind: 'FIXED', value: '1.001', charge: 'UPFRONT' }] }),
      'INVALID_FEE',
    );
  });

  it('rejects a non-positive installment multiple', () => {
    expectLoanMathError(() => generateSchedule({ ...fineractTerms, installmentMultipleOf: '0' }), 'INVALID_AMOUNT');
  });
});

describe('rescheduling after a prepayment', () => {
  const original = generateSchedule(fineractTerms);
  // After 6 installments the balance is 3431.23; the borrower prepays 1000.
  const remainingPrincipal = original.rows[5].balance.minus(1000).toFixed(2);

  it('keeps the installment and shortens the loan when reducing the term', () => {
    const r = rescheduleAfterPrepayment({ terms: fineractTerms, remainingPrincipal, paidInstallments: 6, nextDueDate: '2024-08-15', rule: 'REDUCE_TERM' });
    expect(r.numberOfInstallments).toBeLessThan(12);
    expect(money(r.installment)).toBe('305.00');
    for (const row of r.rows.slice(0, -1)) expect(money(row.total)).toBe('305.00');
    expect(r.rows[r.rows.length - 1].total.lte(305)).toBe(true);
    expect(r.rows[0].number).toBe(7);
    expect(r.rows[0].dueDate).toBe('2024-08-15');
    expect(money(r.totals.principal)).toBe(remainingPrincipal);
    expect(money(r.rows[r.rows.length - 1].balance)).toBe('0.00');
  });

  it('keeps the number of installments and lowers the installment when reducing the installment', () => {
    const r = rescheduleAfterPrepayment({ terms: fineractTerms, remainingPrincipal, paidInstallments: 6, nextDueDate: '2024-08-15', rule: 'REDUCE_INSTALLMENT' });
    expect(r.numberOfInstallments).toBe(12);
    expect(r.installment.lt(305)).toBe(true);
    expect(r.rows.map((row) => row.number)).toEqual([7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18]);
    expect(money(r.totals.principal)).toBe(remainingPrincipal);
    expect(money(r.rows[11].balance)).toBe('0.00');
  });

  it('costs less interest to reduce the term than to reduce the installment', () => {
    const args = { terms: fineractTerms, remainingPrincipal, paidInstallments: 6, nextDueDate: '2024-08-15' };
    const term = rescheduleAfterPrepayment({ ...args, rule: 'REDUCE_TERM' });
    const installment = rescheduleAfterPrepayment({ ...args, rule: 'REDUCE_INSTALLMENT' });
    expect(term.totals.interest.lt(installment.totals.interest)).toBe(true);
  });

  it('keeps the principal part and shortens an equal-principal loan when reducing the term', () => {
    const terms: LoanTerms = { ...fineractTerms, interestMethod: 'DECLINING_EQUAL_PRINCIPAL', installmentMultipleOf: undefined };
    const r = rescheduleAfterPrepayment({ terms, remainingPrincipal: '1000.00', paidInstallments: 6, nextDueDate: '2024-08-15', rule: 'REDUCE_TERM' });
    expect(r.rows.map((row) => money(row.principal))).toEqual(['277.78', '277.78', '277.78', '166.66']);
  });

  it('rejects an invalid remaining principal or paid count', () => {
    const args = { terms: fineractTerms, paidInstallments: 6, nextDueDate: '2024-08-15', rule: 'REDUCE_TERM' as const };
    expectLoanMathError(() => rescheduleAfterPrepayment({ ...args, remainingPrincipal: '0' }), 'INVALID_AMOUNT');
    expectLoanMathError(() => rescheduleAfterPrepayment({ ...args, remainingPrincipal: '100', paidInstallments: 18 }), 'INVALID_TERM');
  });
});
