import Decimal from 'decimal.js';
import {
  computeCat,
  CURRENCY_MINOR_UNITS,
  effectiveAnnualRate,
  irr,
  LoanMathError,
  minorUnits,
  nominalApr,
  nominalPeriodicRate,
  periodsPerYear,
  periodYearFraction,
  roundMoney,
  roundToMultiple,
} from './index';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return e instanceof LoanMathError ? e.code : 'NOT_A_LOAN_MATH_ERROR';
  }
  return undefined;
}

describe('currency minor units and rounding', () => {
  it('knows the minor units of Latin American currencies, USD and EUR', () => {
    expect(minorUnits('MXN')).toBe(2);
    expect(minorUnits('CLP')).toBe(0);
    expect(minorUnits('PYG')).toBe(0);
    expect(minorUnits('CLF')).toBe(4);
    expect(minorUnits('UYW')).toBe(4);
    expect(minorUnits('USD')).toBe(2);
    expect(minorUnits('EUR')).toBe(2);
    expect(Object.keys(CURRENCY_MINOR_UNITS)).toEqual(expect.arrayContaining(['ARS', 'BRL', 'COP', 'PEN', 'UYU', 'BOB', 'GTQ', 'DOP']));
  });

  it('throws a typed error for an unknown currency', () => {
    expect(codeOf(() => minorUnits('ABC'))).toBe('UNKNOWN_CURRENCY');
    expect(codeOf(() => roundMoney('1', 'mxn'))).toBe('UNKNOWN_CURRENCY');
  });

  it('rounds money half to even at the minor unit', () => {
    expect(roundMoney('2.345', 'MXN').toString()).toBe('2.34');
    expect(roundMoney('2.355', 'MXN').toString()).toBe('2.36');
    expect(roundMoney('2.3451', 'MXN').toString()).toBe('2.35');
    expect(roundMoney('1500.5', 'CLP').toString()).toBe('1500');
    expect(roundMoney('1501.5', 'CLP').toString()).toBe('1502');
  });

  it('rounds an installment to the nearest multiple, ties to the even multiple', () => {
    expect(roundToMultiple('304.91', '1').toString()).toBe('305');
    expect(roundToMultiple('304.49', '1').toString()).toBe('304');
    expect(roundToMultiple('302.5', '1').toString()).toBe('302');
    expect(roundToMultiple('303.5', '1').toString()).toBe('304');
    expect(roundToMultiple('1234.56', '100').toString()).toBe('1200');
    expect(roundToMultiple('10.26', '0.50').toString()).toBe('10.5');
    expect(roundToMultiple('304.01', '1', Decimal.ROUND_UP).toString()).toBe('305');
  });

  it('rejects a zero multiple', () => {
    expect(codeOf(() => roundToMultiple('10', '0'))).toBe('INVALID_AMOUNT');
  });
});

describe('periodic and annual rates', () => {
  it('annualises over 12, 26 and 52 periods', () => {
    expect([periodsPerYear('MONTHLY'), periodsPerYear('BIWEEKLY'), periodsPerYear('WEEKLY')]).toEqual([12, 26, 52]);
  });

  it('uses 30/360 periods of 30, 15 and 7 days and actual periods of a twelfth, 14/365 and 7/365', () => {
    expect(periodYearFraction('MONTHLY', 'THIRTY_360').mul(360).toDecimalPlaces(20).toString()).toBe('30');
    expect(periodYearFraction('BIWEEKLY', 'THIRTY_360').mul(360).toDecimalPlaces(20).toString()).toBe('15');
    expect(periodYearFraction('BIWEEKLY', 'ACTUAL_365').mul(365).toDecimalPlaces(20).toString()).toBe('14');
    expect(nominalPeriodicRate('12', 'MONTHLY', 'THIRTY_360').toString()).toBe('0.01');
    expect(nominalPeriodicRate('36', 'BIWEEKLY', 'THIRTY_360').toString()).toBe('0.015');
    expect(nominalPeriodicRate('36', 'WEEKLY', 'THIRTY_360').toString()).toBe('0.007');
    expect(nominalPeriodicRate('12', 'MONTHLY', 'ACTUAL_365').toString()).toBe('0.01');
    expect(nominalPeriodicRate('36.5', 'BIWEEKLY', 'ACTUAL_ACTUAL').toString()).toBe('0.014');
    expect(nominalPeriodicRate('36.5', 'WEEKLY', 'ACTUAL_365').toString()).toBe('0.007');
  });

  it('computes the effective annual rate by compounding the periodic rate', () => {
    expect(effectiveAnnualRate('0.01', 12).toString()).toBe('0.126825030131969720661201');
    expect(effectiveAnnualRate('0', 52).toString()).toBe('0');
  });

  it('computes the nominal APR as periodic rate times periods per year', () => {
    expect(nominalApr('0.015', 26).toString()).toBe('0.39');
  });
});

describe('internal rate of return', () => {
  it('finds the exact rate of a one-period loan', () => {
    expect(irr([{ time: 0, amount: '100' }, { time: 1, amount: '-110' }]).toString()).toBe('0.1');
  });

  it('recovers the periodic rate of an exact annuity', () => {
    // 1000 repaid by 3 payments at 5 %: payment = 1000 x 0.05 / (1 - 1.05^-3)
    const payment = new Decimal(1000).mul('0.05').div(new Decimal(1).minus(new Decimal('1.05').pow(-3)));
    const flows = [{ time: 0, amount: '1000' }, ...[1, 2, 3].map((t) => ({ time: t, amount: payment.neg() }))];
    expect(irr(flows).minus('0.05').abs().lt('1e-15')).toBe(true);
  });

  it('handles fractional times', () => {
    const x = irr([{ time: 0, amount: '1000' }, { time: new Decimal('1.5'), amount: '-1100' }]);
    expect(new Decimal(1).plus(x).pow('1.5').mul(1000).minus(1100).abs().lt('1e-20')).toBe(true);
  });

  it('returns the same root whatever the starting guess, falling back to bisection when Newton leaves the domain', () => {
    const flows = [{ time: 0, amount: '100' }, { time: 1, amount: '-50' }, { time: 2, amount: '-200' }];
    const reference = irr(flows);
    for (const guess of ['-0.99', '0', '5', '1000']) {
      expect(irr(flows, { guess }).minus(reference).abs().lt('1e-25')).toBe(true);
    }
    expect(irr(flows, { maxIterations: 0 }).minus(reference).abs().lt('1e-25')).toBe(true);
  });

  it('is deterministic', () => {
    const flows = [{ time: 0, amount: '4884' }, ...Array.from({ length: 18 }, (_, i) => ({ time: i + 1, amount: '-305' }))];
    expect(irr(flows).toString()).toBe(irr(flows).toString());
  });

  it('refuses cash flows that never change sign', () => {
    expect(codeOf(() => irr([{ time: 0, amount: '100' }, { time: 1, amount: '10' }]))).toBe('NO_CONVERGENCE');
  });
});

describe('CAT (costo anual total)', () => {
  it('compounds the periodic IRR over the year and rounds the percentage to one decimal', () => {
    const cat = computeCat([{ time: 0, amount: '100' }, { time: 1, amount: '-110' }], 12);
    expect(cat.irrPerPeriod.toString()).toBe('0.1');
    expect(cat.exactPercent.eq(new Decimal('1.1').pow(12).minus(1).mul(100))).toBe(true);
    expect(cat.percent.toString()).toBe('213.8');
    expect(cat.aprPercent.toString()).toBe('120');
  });

  it('does not change the global Decimal precision', () => {
    const before = Decimal.precision;
    computeCat([{ time: 0, amount: '100' }, { time: 1, amount: '-101' }], 52);
    expect(Decimal.precision).toBe(before);
  });
});
