import { D } from '../common/money';
import { allocate, type OpenInstallment } from './allocation';

const row = (number: number, due: Partial<Record<string, string>>, paid: Partial<Record<string, string>> = {}): OpenInstallment => {
  const c = ['PENALTY', 'FEE', 'TAX', 'INTEREST', 'PRINCIPAL'] as const;
  return { number, due: Object.fromEntries(c.map((k) => [k, new D(due[k] ?? '0')])) as never, paid: Object.fromEntries(c.map((k) => [k, new D(paid[k] ?? '0')])) as never };
};

describe('payment allocation', () => {
  test('pays the oldest installment first, penalties then fees, tax, interest and principal, and leaves the rest', () => {
    const r = allocate(new D('100'), [row(1, { PENALTY: '5', FEE: '10', TAX: '2', INTEREST: '30', PRINCIPAL: '100' }), row(2, { INTEREST: '20', PRINCIPAL: '100' })], ['PENALTY', 'FEE', 'TAX', 'INTEREST', 'PRINCIPAL']);
    expect(r.perInstallment).toHaveLength(1);
    expect(Object.fromEntries(Object.entries(r.totals).map(([k, v]) => [k, v.toString()]))).toEqual({ PENALTY: '5', FEE: '10', TAX: '2', INTEREST: '30', PRINCIPAL: '53' });
    expect(r.remaining.toString()).toBe('0');
  });

  test('a custom order (principal before interest) is honoured and already-paid parts are skipped', () => {
    const r = allocate(new D('60'), [row(1, { INTEREST: '30', PRINCIPAL: '50' }, { PRINCIPAL: '20' })], ['PRINCIPAL', 'INTEREST', 'PENALTY', 'FEE', 'TAX']);
    expect(r.totals.PRINCIPAL.toString()).toBe('30');
    expect(r.totals.INTEREST.toString()).toBe('30');
    expect(r.remaining.toString()).toBe('0');
  });

  test('an amount larger than everything due is returned as remaining, with exact decimals', () => {
    const r = allocate(new D('200.10'), [row(1, { INTEREST: '0.05', PRINCIPAL: '99.95' })], ['PENALTY', 'FEE', 'TAX', 'INTEREST', 'PRINCIPAL']);
    expect(r.remaining.toString()).toBe('100.1');
  });
});
