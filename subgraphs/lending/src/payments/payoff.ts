/**
 * The payoff amount of a credit at a date (pure: the caller reads the rows). Everything due by the
 * date and still open (principal, interest, fees, tax, penalties booked so far), the principal of
 * the installments not yet due, and the interest accrued on that principal since the last due date
 * (or the disbursement) by the product's interest method and day count (loan-math interestBetween),
 * at most the interest of the current installment, plus its interest tax.
 */
import { interestBetween } from '../loan-math';
import { D, money, ZERO, type Dec } from '../common/money';
import type { Credit } from '../credits/credits.service';
import type { InstallmentRow } from '../credits/credits.store';

export interface PayoffParts {
  /** Installments due on or before the date with something open. */
  due: InstallmentRow[];
  /** Installments due after the date with something open (the first is the current one). */
  future: InstallmentRow[];
  accruedFrom: string;
  dueOpen: { principal: Dec; interest: Dec; fee: Dec; tax: Dec; penalty: Dec };
  futurePrincipal: Dec;
  accruedInterest: Dec;
  accruedTax: Dec;
  /** What settles the not-yet-due part: futurePrincipal + accruedInterest + accruedTax. */
  rest: Dec;
  total: Dec;
}

const open = (due: string, paid: string) => new D(due).minus(paid);

export function payoffParts(credit: Credit, rows: InstallmentRow[], date: string): PayoffParts {
  const units = credit.minorUnits;
  const due = rows.filter((r) => r.due_date <= date && new D(r.outstanding).gt(0));
  const future = rows.filter((r) => r.due_date > date && new D(r.outstanding).gt(0));
  const lastDue = rows.filter((r) => r.due_date <= date).reduce<string | null>((m, r) => (m === null || r.due_date > m ? r.due_date : m), null);
  const accruedFrom = lastDue ?? credit.disbursedAt;
  const sum = (list: InstallmentRow[], f: (r: InstallmentRow) => Dec) => list.reduce<Dec>((s, r) => s.plus(f(r)), ZERO);
  const dueOpen = {
    principal: sum(due, (r) => open(r.principal_due, r.principal_paid)),
    interest: sum(due, (r) => open(r.interest_due, r.interest_paid)),
    fee: sum(due, (r) => open(r.fee_due, r.fee_paid)),
    tax: sum(due, (r) => open(r.tax_due, r.tax_paid)),
    penalty: sum(due, (r) => open(r.penalty_due, r.penalty_paid)),
  };
  const futurePrincipal = sum(future, (r) => open(r.principal_due, r.principal_paid));
  let accruedInterest = ZERO;
  const current = future[0];
  if (current && date > accruedFrom) {
    const loan = credit.terms.loan;
    // FLAT charges interest on the financed amount; the declining methods on the balance not yet due.
    const base = loan.interestMethod === 'FLAT' ? new D(credit.principal) : futurePrincipal;
    accruedInterest = new D(interestBetween({ terms: loan, balance: base.toString(), from: accruedFrom, to: date }).toString());
    accruedInterest = D.min(accruedInterest, open(current.interest_due, current.interest_paid));
    if (accruedInterest.lt(0)) accruedInterest = ZERO;
  }
  const taxRate = credit.terms.loan.interestTaxRate ? new D(credit.terms.loan.interestTaxRate.toString()).div(100) : ZERO;
  const accruedTax = money(accruedInterest.mul(taxRate), units);
  const rest = futurePrincipal.plus(accruedInterest).plus(accruedTax);
  const total = dueOpen.principal.plus(dueOpen.interest).plus(dueOpen.fee).plus(dueOpen.tax).plus(dueOpen.penalty).plus(rest);
  return { due, future, accruedFrom, dueOpen, futurePrincipal, accruedInterest, accruedTax, rest, total };
}
