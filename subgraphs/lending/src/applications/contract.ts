/**
 * The contract of a DOCUMENT_SIGNATURE step: its template filled with the application's data
 * (amount, term, installment, rate, CAT, fees, schedule) from the pinned product version's terms
 * and loan-math's schedule (pure; the engine publishes the result in lending.contract.issued).
 */
import { generateSchedule, minorUnits } from '../loan-math';
import { fmt } from '../common/money';
import { loanTermsOf, type ProductTerms } from '../products/terms';
import type { StepConfigs } from '../pipeline/steps';

export interface ContractData {
  applicationId: string; productCode: string; productName: string; currency: string; amount: string; term: number; borrowerName: string; terms: ProductTerms;
}

export function renderContract(config: StepConfigs['DOCUMENT_SIGNATURE'], d: ContractData, today: string): string {
  const units = minorUnits(d.currency);
  const schedule = generateSchedule(loanTermsOf(d.terms, d.currency, d.amount, d.term, today));
  const fees = d.terms.fees.length
    ? d.terms.fees.map((f) => `${f.code} ${f.kind === 'PERCENTAGE' ? `${f.value} %` : `${fmt(f.value, units)} ${d.currency}`} (${f.charge})`).join('; ')
    : '-';
  const table = schedule.rows.map((r) => `${r.number}. ${r.dueDate}  ${fmt(r.total, units)} (capital ${fmt(r.principal, units)}, interés ${fmt(r.interest, units)}, comisión ${fmt(r.fee, units)}, IVA ${fmt(r.tax, units)})`).join('\n');
  const values: Record<string, string> = {
    productName: d.productName, productCode: d.productCode, borrowerName: d.borrowerName, amount: fmt(d.amount, units), currency: d.currency,
    term: String(d.term), frequency: d.terms.frequency, installment: fmt(schedule.installment, units), annualNominalRate: d.terms.annualNominalRate,
    cat: schedule.cat.percent.toFixed(1), fees, netDisbursed: fmt(schedule.netDisbursed, units), totalPayable: fmt(schedule.totals.totalPayable, units),
    schedule: table, applicationId: d.applicationId, date: today,
  };
  return config.template.replace(/\{\{\s*([A-Za-z]+)\s*\}\}/g, (_m, name: string) => values[name] ?? '');
}
