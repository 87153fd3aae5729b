/**
 * The public simulator (seed 5.14): amount and term sliders (with number inputs beside them, the
 * keyboard way), `simulateCredit` called as they move, debounced; installment, total cost, CAT and
 * the schedule. The figures are the server's (lending computes them; nothing is computed here).
 */
import { useEffect, useId, useState } from 'react';
import { useQuery } from '@apollo/client/react';
import { defineMessages, useT } from '@imagy/web-kit/i18n';
import { graphql } from '../__generated__';
import { currentHost, useFormat } from '../lib/tenant';

const SimulateQuery = graphql(`
  query PortalSimulate($input: SimulateCreditInput!) {
    simulateCredit(input: $input) {
      simulation {
        productCode currency amount term frequency installment netDisbursed catWithoutVat catWithVat annualNominalRate firstDueDate
        rows { number dueDate principal interest fee tax total balance }
        totals { totalCost totalPayable interest fees taxes }
      }
      userErrors { code message field }
    }
  }
`);

export const simulatorMessages = defineMessages({
  en: {
    title: 'Simulate your credit', amount: 'Amount', term: 'Installments', installment: 'Installment', totalCost: 'Total cost of the credit',
    totalPayable: 'Total to pay', cat: 'CAT (without VAT, for information)', catWithVat: 'CAT with VAT', rate: 'Annual nominal rate',
    schedule: 'Payment schedule', number: 'No.', dueDate: 'Due date', principal: 'Principal', interest: 'Interest', fees: 'Fees', tax: 'Tax', total: 'Payment', balance: 'Balance',
    showSchedule: 'Show the payment schedule', hideSchedule: 'Hide the payment schedule', updating: 'Updating…', netDisbursed: 'You receive',
    MONTHLY: 'monthly', BIWEEKLY: 'biweekly', WEEKLY: 'weekly', range: 'From {min} to {max}',
  },
  es: {
    title: 'Simule su crédito', amount: 'Monto', term: 'Plazo (cuotas)', installment: 'Cuota', totalCost: 'Costo total del crédito',
    totalPayable: 'Total a pagar', cat: 'CAT sin IVA (informativo)', catWithVat: 'CAT con IVA', rate: 'Tasa nominal anual',
    schedule: 'Tabla de pagos', number: 'N.º', dueDate: 'Vencimiento', principal: 'Capital', interest: 'Interés', fees: 'Comisiones', tax: 'IVA', total: 'Pago', balance: 'Saldo',
    showSchedule: 'Ver la tabla de pagos', hideSchedule: 'Ocultar la tabla de pagos', updating: 'Actualizando…', netDisbursed: 'Usted recibe',
    MONTHLY: 'mensual', BIWEEKLY: 'quincenal', WEEKLY: 'semanal', range: 'De {min} a {max}',
  },
});

/** The value `ms` after it last changed. */
function useDebounced<T>(value: T, ms: number): T {
  const [debounced, set] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => set(value), ms);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return debounced;
}

export interface SimulatorProduct { productCode: string; currency: string; minAmount: string; maxAmount: string; minTerm: number; maxTerm: number }

/** A round slider step for the range: about a hundred positions. */
function amountStep(min: number, max: number): number {
  const raw = (max - min) / 100;
  const magnitude = 10 ** Math.floor(Math.log10(Math.max(raw, 1)));
  return Math.max(1, Math.round(raw / magnitude) * magnitude);
}

export function Simulator({ product, onChange }: { product: SimulatorProduct; onChange?: (amount: string, term: number) => void }) {
  const t = useT(simulatorMessages);
  const f = useFormat();
  const ids = { amount: useId(), term: useId() };
  const min = Number(product.minAmount);
  const max = Number(product.maxAmount);
  const [amount, setAmount] = useState(() => String(Math.round((min + max) / 2 / amountStep(min, max)) * amountStep(min, max)));
  const [term, setTerm] = useState(() => Math.round((product.minTerm + product.maxTerm) / 2));
  const [showRows, setShowRows] = useState(false);
  const input = useDebounced({ host: currentHost(), productCode: product.productCode, amount, term }, 250);
  const { data, previousData, loading } = useQuery(SimulateQuery, { variables: { input }, fetchPolicy: 'cache-first' });
  const result = (data ?? previousData)?.simulateCredit;
  const sim = result?.simulation;
  useEffect(() => { onChange?.(input.amount, input.term); }, [input.amount, input.term, onChange]);
  const error = data?.simulateCredit.userErrors[0]?.message;
  return (
    <section className="card simulator" aria-labelledby={`${ids.amount}-title`}>
      <h2 id={`${ids.amount}-title`}>{t('title')}</h2>
      <div className="slider">
        <label htmlFor={ids.amount}>{t('amount')}</label>
        <output htmlFor={ids.amount} className="slider-value">{f.money(amount, product.currency)}</output>
        <input id={ids.amount} type="range" min={min} max={max} step={amountStep(min, max)} value={amount} onChange={(e) => setAmount(e.target.value)}
          aria-valuetext={f.money(amount, product.currency)} />
        <p className="hint">{t('range', { min: f.money(product.minAmount, product.currency), max: f.money(product.maxAmount, product.currency) })}</p>
      </div>
      <div className="slider">
        <label htmlFor={ids.term}>{t('term')}</label>
        <output htmlFor={ids.term} className="slider-value">{term}</output>
        <input id={ids.term} type="range" min={product.minTerm} max={product.maxTerm} step={1} value={term} onChange={(e) => setTerm(Number(e.target.value))} />
        <p className="hint">{t('range', { min: String(product.minTerm), max: String(product.maxTerm) })}</p>
      </div>
      <div aria-live="polite" aria-busy={loading} className="sim-result">
        {error && <p className="field-error" role="alert">{error}</p>}
        {sim && (
          <>
            <dl className="figures">
              <div className="figure main-figure"><dt>{t('installment')} ({t(sim.frequency)})</dt><dd data-testid="installment">{f.money(sim.installment, sim.currency)}</dd></div>
              <div className="figure"><dt>{t('totalCost')}</dt><dd data-testid="total-cost">{f.money(sim.totals.totalCost, sim.currency)}</dd></div>
              <div className="figure"><dt>{t('totalPayable')}</dt><dd>{f.money(sim.totals.totalPayable, sim.currency)}</dd></div>
              <div className="figure"><dt>{t('cat')}</dt><dd data-testid="cat">{f.percent(sim.catWithoutVat)}</dd></div>
              <div className="figure"><dt>{t('catWithVat')}</dt><dd>{f.percent(sim.catWithVat)}</dd></div>
              <div className="figure"><dt>{t('rate')}</dt><dd>{f.percent(sim.annualNominalRate)}</dd></div>
              <div className="figure"><dt>{t('netDisbursed')}</dt><dd>{f.money(sim.netDisbursed, sim.currency)}</dd></div>
            </dl>
            {loading && <p className="hint">{t('updating')}</p>}
            <button type="button" className="button secondary" aria-expanded={showRows} onClick={() => setShowRows(!showRows)}>{showRows ? t('hideSchedule') : t('showSchedule')}</button>
            {showRows && (
              <div className="table-wrap" tabIndex={0} role="region" aria-label={t('schedule')}>
                <table className="table">
                  <caption className="visually-hidden">{t('schedule')}</caption>
                  <thead><tr><th scope="col">{t('number')}</th><th scope="col">{t('dueDate')}</th><th scope="col">{t('principal')}</th><th scope="col">{t('interest')}</th><th scope="col">{t('tax')}</th><th scope="col">{t('total')}</th><th scope="col">{t('balance')}</th></tr></thead>
                  <tbody>
                    {sim.rows.map((r) => (
                      <tr key={r.number}><td>{r.number}</td><td>{f.date(r.dueDate)}</td><td>{f.money(r.principal, sim.currency)}</td><td>{f.money(r.interest, sim.currency)}</td><td>{f.money(r.tax, sim.currency)}</td><td>{f.money(r.total, sim.currency)}</td><td>{f.money(r.balance, sim.currency)}</td></tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
          </>
        )}
      </div>
    </section>
  );
}
