import Decimal from 'decimal.js';
import { generateSchedule, interestBetween, LoanTerms } from './index';

const base: LoanTerms = {
  principal: '10000',
  currency: 'MXN',
  numberOfInstallments: 12,
  frequency: 'MONTHLY',
  interestMethod: 'DECLINING_EQUAL_INSTALLMENTS',
  annualNominalRate: '24',
  dayCount: 'THIRTY_360',
  disbursementDate: '2025-01-15',
  interestTaxRate: '16',
};

/** IRR per period by bisection in plain floating point: an independent check of the figure. */
function irrFloat(flows: number[]): number {
  let lo = 0;
  let hi = 1;
  const npv = (x: number) => flows.reduce((s, a, t) => s + a / (1 + x) ** t, 0);
  for (let i = 0; i < 200; i++) {
    const mid = (lo + hi) / 2;
    if (npv(mid) > 0) hi = mid; else lo = mid; // a higher rate discounts the payments more
  }
  return (lo + hi) / 2;
}

describe('CAT with and without VAT (Banxico basis)', () => {
  it('24 % a year paid monthly, no fees: CAT sin IVA = 1.02^12 - 1 = 26.8 %; with 16 % VAT on interest it is higher', () => {
    const s = generateSchedule(base);
    expect(s.catWithoutVat.percent.toFixed(1)).toBe('26.8');
    // 1.02^12 - 1 = 26.8242 %; the installment rounded to the cent (945.60 for 945.5960) moves the 4th decimal.
    expect(s.catWithoutVat.exactPercent.toDecimalPlaces(2).toString()).toBe(new Decimal('1.02').pow(12).minus(1).mul(100).toDecimalPlaces(2).toString());
    expect(s.catWithoutVat.periodsPerYear).toBe(12);
    // With VAT each payment also carries 16 % of its interest.
    expect(s.cat.percent.toFixed(1)).toBe('31.7');
    expect(s.cat.percent.toFixed(1)).toBe((((1 + irrFloat([10000, ...s.rows.map((r) => -Number(r.total))])) ** 12 - 1) * 100).toFixed(1));
  });

  it('an upfront fee of 2 % plus 16 % VAT: sin IVA the borrower receives 9800, with IVA 9768', () => {
    const s = generateSchedule({ ...base, fees: [{ code: 'APERTURA', kind: 'PERCENTAGE', value: '2', charge: 'UPFRONT', taxRate: '16' }] });
    expect(s.netDisbursed.toFixed(2)).toBe('9768.00');
    const without = [9800, ...s.rows.map((r) => -Number(r.total.minus(r.tax)))];
    const withVat = [9768, ...s.rows.map((r) => -Number(r.total))];
    const annual = (flows: number[]) => (((1 + irrFloat(flows)) ** 12 - 1) * 100).toFixed(1);
    expect(s.catWithoutVat.percent.toFixed(1)).toBe(annual(without));
    expect(s.cat.percent.toFixed(1)).toBe(annual(withVat));
    expect(s.catWithoutVat.percent.toFixed(1)).toBe('31.8');
    expect(s.cat.percent.toFixed(1)).toBe('37.8');
    expect(s.cat.percent.lt(s.catWithoutVat.percent)).toBe(false);
  });

  it('biweekly (14-day) periods annualise over 26 periods', () => {
    const s = generateSchedule({ ...base, frequency: 'BIWEEKLY', numberOfInstallments: 26, interestTaxRate: undefined });
    expect(s.catWithoutVat.periodsPerYear).toBe(26);
    expect(s.cat.exactPercent.toString()).toBe(s.catWithoutVat.exactPercent.toString());
  });
});

describe('interestBetween (payoff accrual)', () => {
  it('30/360: 10 days of a month on 10000 at 24 % = 66.67; a whole month = 200.00', () => {
    expect(interestBetween({ terms: base, balance: '10000', from: '2025-03-15', to: '2025-03-25' }).toFixed(2)).toBe('66.67');
    expect(interestBetween({ terms: base, balance: '10000', from: '2025-03-15', to: '2025-04-15' }).toFixed(2)).toBe('200.00');
  });

  it('ACTUAL/365 counts the real days; nothing before or on the start', () => {
    const terms = { ...base, dayCount: 'ACTUAL_365' as const, annualNominalRate: '36.5' };
    expect(interestBetween({ terms, balance: '10000', from: '2025-02-15', to: '2025-02-25' }).toFixed(2)).toBe('100.00');
    expect(interestBetween({ terms, balance: '10000', from: '2025-02-15', to: '2025-02-15' }).toFixed(2)).toBe('0.00');
  });
});
