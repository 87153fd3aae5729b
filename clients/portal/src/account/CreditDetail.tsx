/** A credit (seed 5.21): status, balance, the amortization table, the payments, and a payoff quote for a date. */
import { useState, type FormEvent } from 'react';
import { useLazyQuery, useQuery } from '@apollo/client/react';
import { defineMessages, useT } from '@imagy/web-kit/i18n';
import { Link } from '@imagy/web-kit/router';
import { EmptyState, QueryView } from '@imagy/web-kit/states';
import { graphql } from '../__generated__';
import { useFormat } from '../lib/tenant';
import { Field, FormErrors, errorFor } from '../ui/fields';
import { creditStatus } from './Overview';

const CreditQuery = graphql(`
  query PortalAccountCredit {
    me {
      id
      credits {
        id status currency principal numberOfInstallments installmentAmount disbursedAt paidOffAt daysPastDue product { id name }
        outstanding { principal interest fee tax penalty total }
        schedule { id number dueDate status principalDue interestDue feeDue taxDue penaltyDue totalDue totalPaid outstanding }
        payments { id amount currency paidAt channel status principal interest fee tax penalty }
      }
    }
  }
`);

const PayoffQuery = graphql(`
  query PortalPayoffQuote($creditId: ID!, $date: Date!) {
    payoffQuote(creditId: $creditId, date: $date) {
      quote { creditId currency date accruedFrom principal interestDue accruedInterest fee tax penalty total }
      userErrors { code message field }
    }
  }
`);

const messages = defineMessages({
  en: {
    back: 'Back to my account', notFound: 'This credit does not exist or is not yours.', balance: 'Balance', principal: 'Principal', interest: 'Interest', fee: 'Fees', tax: 'Tax', penalty: 'Penalties', total: 'Total',
    schedule: 'Amortization table', number: 'No.', dueDate: 'Due', status: 'Status', due: 'Due', paid: 'Paid', outstanding: 'Outstanding', payments: 'Payments', noPayments: 'No payments yet.',
    paidAt: 'Date', amount: 'Amount', channel: 'Channel', payoff: 'Pay it off', payoffHint: 'How much it takes to pay the credit off on a date.', date: 'Payoff date', quote: 'Get the quote',
    accrued: 'Accrued interest (since {date})', interestDue: 'Interest due', quoteTotal: 'Total to pay off on {date}', disbursed: 'Disbursed on {date}', installments: '{n} installments of {amount}',
    PENDING: 'Pending', PARTIALLY_PAID: 'Partially paid', OVERDUE: 'Overdue', PAID: 'Paid', APPLIED: 'Applied', REVERSED: 'Reversed',
  },
  es: {
    back: 'Volver a mi cuenta', notFound: 'Este crédito no existe o no es suyo.', balance: 'Saldo', principal: 'Capital', interest: 'Interés', fee: 'Comisiones', tax: 'IVA', penalty: 'Moratorios', total: 'Total',
    schedule: 'Tabla de amortización', number: 'N.º', dueDate: 'Vencimiento', status: 'Estado', due: 'Exigible', paid: 'Pagado', outstanding: 'Pendiente', payments: 'Pagos', noPayments: 'Todavía no hay pagos.',
    paidAt: 'Fecha', amount: 'Monto', channel: 'Canal', payoff: 'Liquidar', payoffHint: 'Cuánto se necesita para liquidar el crédito en una fecha.', date: 'Fecha de liquidación', quote: 'Cotizar',
    accrued: 'Interés devengado (desde {date})', interestDue: 'Interés exigible', quoteTotal: 'Total para liquidar el {date}', disbursed: 'Desembolsado el {date}', installments: '{n} cuotas de {amount}',
    PENDING: 'Pendiente', PARTIALLY_PAID: 'Pagada en parte', OVERDUE: 'Vencida', PAID: 'Pagada', APPLIED: 'Aplicado', REVERSED: 'Revertido',
  },
});

/** Today as a calendar date in the browser's time zone (YYYY-MM-DD). */
const today = () => {
  const d = new Date();
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
};

function Payoff({ creditId }: { creditId: string }) {
  const t = useT(messages);
  const f = useFormat();
  const [date, setDate] = useState(today);
  const [load, { data, loading }] = useLazyQuery(PayoffQuery, { fetchPolicy: 'network-only' });
  const payload = data?.payoffQuote;
  const q = payload?.quote;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void load({ variables: { creditId, date } });
  };
  return (
    <section className="card" aria-labelledby="payoff-title">
      <h2 id="payoff-title">{t('payoff')}</h2>
      <p className="hint">{t('payoffHint')}</p>
      <form className="form inline" onSubmit={submit} noValidate>
        <Field label={t('date')} type="date" value={date} onChange={(e) => setDate(e.target.value)} error={payload ? errorFor(payload.userErrors, 'date') : null} />
        <button type="submit" className="button" disabled={loading}>{t('quote')}</button>
      </form>
      {payload && <FormErrors errors={payload.userErrors} shown={['date']} />}
      {q && (
        <dl className="pairs quote" aria-live="polite">
          <div><dt>{t('principal')}</dt><dd>{f.money(q.principal, q.currency)}</dd></div>
          <div><dt>{t('interestDue')}</dt><dd>{f.money(q.interestDue, q.currency)}</dd></div>
          <div><dt>{t('accrued', { date: f.date(q.accruedFrom) })}</dt><dd>{f.money(q.accruedInterest, q.currency)}</dd></div>
          <div><dt>{t('fee')}</dt><dd>{f.money(q.fee, q.currency)}</dd></div>
          <div><dt>{t('tax')}</dt><dd>{f.money(q.tax, q.currency)}</dd></div>
          <div><dt>{t('penalty')}</dt><dd>{f.money(q.penalty, q.currency)}</dd></div>
          <div className="total"><dt>{t('quoteTotal', { date: f.date(q.date) })}</dt><dd data-testid="payoff-total">{f.money(q.total, q.currency)}</dd></div>
        </dl>
      )}
    </section>
  );
}

export function CreditDetail({ id }: { id: string }) {
  const t = useT(messages);
  const s = useT(creditStatus);
  const f = useFormat();
  const { data, loading, error, refetch } = useQuery(CreditQuery, { fetchPolicy: 'cache-and-network' });
  return (
    <QueryView data={data?.me ?? undefined} loading={loading} error={error} refetch={refetch}>
      {(me) => {
        const c = me.credits.find((x) => x.id === id);
        if (!c) return <EmptyState title={t('notFound')} action={<Link to="/mi-cuenta">{t('back')}</Link>} />;
        const money = (v: string) => f.money(v, c.currency);
        return (
          <div className="credit-detail">
            <p><Link to="/mi-cuenta">{t('back')}</Link></p>
            <h2>{c.product.name} <span className={`badge badge-${c.status.toLowerCase()}`}>{s(c.status)}</span></h2>
            <p>{t('disbursed', { date: f.date(c.disbursedAt) })} · {t('installments', { n: c.numberOfInstallments, amount: money(c.installmentAmount) })}</p>
            <section className="card" aria-labelledby="balance-title">
              <h3 id="balance-title">{t('balance')}</h3>
              <dl className="pairs">
                <div><dt>{t('principal')}</dt><dd>{money(c.outstanding.principal)}</dd></div>
                <div><dt>{t('interest')}</dt><dd>{money(c.outstanding.interest)}</dd></div>
                <div><dt>{t('fee')}</dt><dd>{money(c.outstanding.fee)}</dd></div>
                <div><dt>{t('tax')}</dt><dd>{money(c.outstanding.tax)}</dd></div>
                <div><dt>{t('penalty')}</dt><dd>{money(c.outstanding.penalty)}</dd></div>
                <div className="total"><dt>{t('total')}</dt><dd>{money(c.outstanding.total)}</dd></div>
              </dl>
            </section>
            <section aria-labelledby="schedule-title">
              <h3 id="schedule-title">{t('schedule')}</h3>
              <div className="table-wrap" tabIndex={0} role="region" aria-labelledby="schedule-title">
                <table className="table">
                  <thead><tr><th scope="col">{t('number')}</th><th scope="col">{t('dueDate')}</th><th scope="col">{t('status')}</th><th scope="col">{t('principal')}</th><th scope="col">{t('interest')}</th><th scope="col">{t('tax')}</th><th scope="col">{t('due')}</th><th scope="col">{t('paid')}</th><th scope="col">{t('outstanding')}</th></tr></thead>
                  <tbody>
                    {c.schedule.map((i) => (
                      <tr key={i.id}><td>{i.number}</td><td>{f.date(i.dueDate)}</td><td>{t(i.status)}</td><td>{money(i.principalDue)}</td><td>{money(i.interestDue)}</td><td>{money(i.taxDue)}</td><td>{money(i.totalDue)}</td><td>{money(i.totalPaid)}</td><td>{money(i.outstanding)}</td></tr>
                    ))}
                  </tbody>
                </table>
              </div>
            </section>
            <section aria-labelledby="payments-title">
              <h3 id="payments-title">{t('payments')}</h3>
              {c.payments.length === 0 ? <p>{t('noPayments')}</p> : (
                <div className="table-wrap" tabIndex={0} role="region" aria-labelledby="payments-title">
                  <table className="table">
                    <thead><tr><th scope="col">{t('paidAt')}</th><th scope="col">{t('amount')}</th><th scope="col">{t('channel')}</th><th scope="col">{t('status')}</th></tr></thead>
                    <tbody>{c.payments.map((p) => <tr key={p.id}><td>{f.date(p.paidAt)}</td><td>{f.money(p.amount, p.currency)}</td><td>{p.channel}</td><td>{t(p.status)}</td></tr>)}</tbody>
                  </table>
                </div>
              )}
            </section>
            {c.status === 'ACTIVE' && <Payoff creditId={c.id} />}
          </div>
        );
      }}
    </QueryView>
  );
}
