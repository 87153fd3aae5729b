import { D } from '../common/money';
import type { Component } from '../products/terms';
import { allocate, type OpenInstallment, type Split } from './allocation';

type Amounts = Partial<Record<Component, string>>;
const split = (a: Amounts): Split => ({ PENALTY: new D(a.PENALTY ?? '0'), FEE: new D(a.FEE ?? '0'), TAX: new D(a.TAX ?? '0'), INTEREST: new D(a.INTEREST ?? '0'), PRINCIPAL: new D(a.PRINCIPAL ?? '0') });
const row = (number: number, due: Amounts, paid: Amounts = {}): OpenInstallment => ({ number, due: split(due), paid: split(paid) });

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
