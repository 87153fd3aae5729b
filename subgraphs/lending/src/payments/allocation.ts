/**
 * Payment allocation (pure): splits an amount over installments in order, each installment's
 * components in the version's allocation order (default PENALTY, FEE, TAX, INTEREST, PRINCIPAL,
 * Fineract's standard strategy). Amounts are decimal.js; nothing is rounded here because every input
 * is already at the currency's minor unit.
 */
import { D, ZERO, type Dec } from '../common/money';
import type { Component } from '../products/terms';

export interface OpenInstallment {
  number: number;
  due: Record<Component, Dec>;
  paid: Record<Component, Dec>;
}

export type Split = Record<Component, Dec>;
export const emptySplit = (): Split => ({ PENALTY: ZERO, FEE: ZERO, TAX: ZERO, INTEREST: ZERO, PRINCIPAL: ZERO });

export interface AllocationResult {
  perInstallment: { number: number; split: Split }[];
  totals: Split;
  remaining: Dec;
}

export function allocate(amount: Dec, rows: OpenInstallment[], order: Component[]): AllocationResult {
  let remaining = new D(amount);
  const totals = emptySplit();
  const perInstallment: AllocationResult['perInstallment'] = [];
  for (const row of rows) {
    if (remaining.lte(0)) break;
    const split = emptySplit();
    let any = false;
    for (const c of order) {
      const open = row.due[c].minus(row.paid[c]);
      if (open.lte(0) || remaining.lte(0)) continue;
      const take = D.min(open, remaining);
      split[c] = take;
      totals[c] = totals[c].plus(take);
      remaining = remaining.minus(take);
      any = true;
    }
    if (any) perInstallment.push({ number: row.number, split });
  }
  return { perInstallment, totals, remaining };
}
