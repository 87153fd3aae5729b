/**
 * Portfolio (lending): the portfolio figures (./PortfolioFigures.tsx: balance by bucket,
 * disbursements and collections per month), credits with filters (status, delinquency bucket) and
 * cursor pages, the outstanding principal per currency (chart), and a credit's detail: balance, schedule, payments,
 * register a payment (idempotent) and reverse the latest one.
 */
import { useMemo, useState } from 'react';
import { useLazyQuery, useMutation, useQuery } from '@apollo/client/react';
import { Bar, BarChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { graphql, getFragmentData, type FragmentType } from '../../__generated__';
import type { CreditStatus } from '../../__generated__/graphql';
import { Can, useAuth } from '../../lib/auth';
import { defineMessages, useT } from '@imagy/web-kit/i18n';
import { CAN } from '../../lib/roles';
import { Link, useSearchParam } from '@imagy/web-kit/router';
import { useFormat } from '../../lib/tenant';
import { Badge, Details, Dialog, newIdempotencyKey, Notice, PageHeader, Section, Select, TextArea, TextInput, UserErrors, useMutationFeedback } from '../../ui/common';
import { PAGE_SIZE, useCursorPager } from '../../ui/pager';
import { ConnectionList, DataTable } from '../../ui/list';
import { EmptyState, QueryView } from '@imagy/web-kit/states';
import { common } from '@imagy/web-kit/messages';
import { PortfolioFigures } from './PortfolioFigures';

const m = defineMessages({
  en: {
    title: 'Portfolio', subtitle: 'Credits, schedules and payments.', status: 'Status', bucket: 'Delinquency bucket', borrower: 'Borrower', product: 'Product',
    principal: 'Principal', installments: 'Installments', disbursed: 'Disbursed', dpd: 'Days past due', outstanding: 'Outstanding', count: 'Credits',
    empty: 'No credits match', emptyHint: 'Credits appear here once booked or originated.', chartTitle: 'Outstanding principal by currency',
    schedule: 'Schedule', payments: 'Payments', number: '#', due: 'Due date', totalDue: 'Due', paid: 'Paid', balance: 'Balance',
    registerPayment: 'Register payment', amount: 'Amount', paidAt: 'Paid on', channel: 'Channel', reference: 'External reference', register: 'Register',
    registered: 'Payment registered.', reverse: 'Reverse', reverseTitle: 'Reverse the latest payment', reason: 'Reason', reversed: 'Payment reversed.',
    runDelinquency: 'Run delinquency', businessDate: 'Business date', run: 'Run', runResult: '{date}: {evaluated} credits evaluated, {penalties} penalties, {defaulted} defaulted{again}.', alreadyRun: ' (already run)',
    noPayments: 'No payments yet.', detailOf: 'Credit of {name}', next: 'Next installment', pager: 'Credit pages', allocated: 'Allocation',
    ACTIVE: 'Active', PAID_OFF: 'Paid off', DEFAULTED: 'Defaulted',
    payoff: 'Payoff quote', payoffDate: 'Payoff date', quote: 'Quote', accruedFrom: 'Interest accrued from', interestDue: 'Interest due', accruedInterest: 'Accrued interest',
    fee: 'Fees', tax: 'Tax', penalty: 'Penalties', payoffTotal: 'Total to pay off', payThis: 'Register this payoff', payoffHint: 'What paying the credit off on a date takes (a payment of exactly this total on that date pays it off).',
  },
  es: {
    title: 'Cartera', subtitle: 'Créditos, tablas de amortización y pagos.', status: 'Estado', bucket: 'Tramo de mora', borrower: 'Deudor', product: 'Producto',
    principal: 'Capital', installments: 'Cuotas', disbursed: 'Desembolso', dpd: 'Días de mora', outstanding: 'Saldo', count: 'Créditos',
    empty: 'Ningún crédito coincide', emptyHint: 'Los créditos aparecen aquí al registrarse u originarse.', chartTitle: 'Capital pendiente por moneda',
    schedule: 'Tabla de amortización', payments: 'Pagos', number: 'N.º', due: 'Vencimiento', totalDue: 'Cuota', paid: 'Pagado', balance: 'Saldo',
    registerPayment: 'Registrar pago', amount: 'Monto', paidAt: 'Fecha de pago', channel: 'Canal', reference: 'Referencia externa', register: 'Registrar',
    registered: 'Pago registrado.', reverse: 'Reversar', reverseTitle: 'Reversar el último pago', reason: 'Motivo', reversed: 'Pago reversado.',
    runDelinquency: 'Ejecutar mora', businessDate: 'Fecha de negocio', run: 'Ejecutar', runResult: '{date}: {evaluated} créditos evaluados, {penalties} penalidades, {defaulted} en default{again}.', alreadyRun: ' (ya ejecutada)',
    noPayments: 'Aún no hay pagos.', detailOf: 'Crédito de {name}', next: 'Próxima cuota', pager: 'Páginas de créditos', allocated: 'Imputación',
    ACTIVE: 'Activo', PAID_OFF: 'Cancelado', DEFAULTED: 'En default',
    payoff: 'Cotización de cancelación', payoffDate: 'Fecha de cancelación', quote: 'Cotizar', accruedFrom: 'Interés devengado desde', interestDue: 'Interés vencido', accruedInterest: 'Interés devengado',
    fee: 'Comisiones', tax: 'Impuestos', penalty: 'Penalidades', payoffTotal: 'Total para cancelar', payThis: 'Registrar esta cancelación', payoffHint: 'Lo que cuesta cancelar el crédito en una fecha (un pago de exactamente este total en esa fecha lo cancela).',
  },
});

export default function CreditsPage({ path }: { path: string[] }) {
  return path[0] ? <CreditDetail id={path[0]} /> : <CreditList />;
}

const CreditRowFragment = graphql(`
  fragment CreditRow_Credit on Credit {
    id currency principal numberOfInstallments disbursedAt status daysPastDue bucket
    borrower { id displayName }
    product { id code }
    outstanding { principal total }
  }
`);

function CreditRow({ credit: ref }: { credit: FragmentType<typeof CreditRowFragment> }) {
  const c = getFragmentData(CreditRowFragment, ref);
  const t = useT(m);
  const f = useFormat();
  return (
    <tr>
      <td><Link to={`/credits/${c.id}`}>{c.borrower.displayName}</Link></td>
      <td>{c.product.code}</td>
      <td><Badge value={c.status} label={t(c.status)} /></td>
      <td className="num">{f.money(c.principal, c.currency)}</td>
      <td className="num">{f.money(c.outstanding.total, c.currency)}</td>
      <td className="num">{c.daysPastDue}</td>
      <td>{c.bucket ?? '—'}</td>
      <td>{f.date(c.disbursedAt)}</td>
    </tr>
  );
}

const CreditsQuery = graphql(`
  query ConsoleCredits($filter: CreditFilter, $first: Int, $after: String) {
    credits(filter: $filter, first: $first, after: $after) {
      edges { node { id ...CreditRow_Credit } }
      pageInfo { hasNextPage endCursor }
      totals { count outstandingPrincipal { currency amount } }
    }
  }
`);

const STATUSES: CreditStatus[] = ['ACTIVE', 'PAID_OFF', 'DEFAULTED'];

function CreditList() {
  const t = useT(m);
  const tc = useT(common);
  const f = useFormat();
  const [status, setStatus] = useSearchParam('status');
  const [bucket, setBucket] = useSearchParam('bucket');
  const filter = useMemo(() => ({ ...((STATUSES as string[]).includes(status) && { status: status as CreditStatus }), ...(bucket && { bucket }) }), [status, bucket]);
  const pager = useCursorPager(JSON.stringify(filter));
  const q = useQuery(CreditsQuery, { variables: { filter, first: PAGE_SIZE, after: pager.after } });
  return (
    <>
      <PageHeader title={t('title')} subtitle={t('subtitle')} actions={<Can roles={CAN.runDelinquency}><DelinquencyRunButton /></Can>} />
      <PortfolioFigures />
      <form className="filters" onSubmit={(e) => e.preventDefault()} aria-label={tc('filter')}>
        <Select label={t('status')} value={status} onChange={(e) => setStatus(e.target.value)} options={[{ value: '', label: tc('any') }, ...STATUSES.map((s) => ({ value: s, label: t(s) }))]} />
        <TextInput label={t('bucket')} value={bucket} onChange={(e) => setBucket(e.target.value)} />
      </form>
      <ConnectionList result={q} connection={(d) => d.credits} pager={pager} pagerLabel={t('pager')} caption={t('title')}
        columns={[t('borrower'), t('product'), t('status'), { label: t('principal'), numeric: true }, { label: t('outstanding'), numeric: true }, { label: t('dpd'), numeric: true }, t('bucket'), t('disbursed')]}
        empty={<EmptyState title={t('empty')} hint={t('emptyHint')} />}
        row={(e) => <CreditRow key={e.node.id} credit={e.node} />}
        before={(d) => (
        <div className="grid-2">
          <Section title={t('chartTitle')}>
            <p>{t('count')}: {f.number(d.credits.totals.count)}</p>
            <div className="chart" role="img" aria-label={`${t('chartTitle')}: ${d.credits.totals.outstandingPrincipal.map((a) => f.money(a.amount, a.currency)).join(', ')}`}>
              <ResponsiveContainer width="100%" height="100%">
                <BarChart data={d.credits.totals.outstandingPrincipal.map((a) => ({ currency: a.currency, amount: Number(a.amount) }))}>
                  <CartesianGrid strokeDasharray="3 3" />
                  <XAxis dataKey="currency" />
                  <YAxis />
                  <Tooltip />
                  <Bar isAnimationActive={false} dataKey="amount" fill="#1746a2" name={t('outstanding')} />
                </BarChart>
              </ResponsiveContainer>
            </div>
          </Section>
        </div>
        )} />
    </>
  );
}

const RunDelinquency = graphql(`
  mutation ConsoleRunDelinquency($input: RunDelinquencyInput!) {
    runDelinquency(input: $input) { runs { businessDate creditsEvaluated penaltiesBooked defaulted alreadyRun } userErrors { code message field } }
  }
`);

/** Runs the delinquency process up to a business date (missed dates are caught up in order). */
function DelinquencyRunButton() {
  const t = useT(m);
  const tc = useT(common);
  const f = useFormat();
  const [open, setOpen] = useState(false);
  const [date, setDate] = useState(today);
  const [run, r] = useMutation(RunDelinquency, { refetchQueries: ['ConsoleCredits'], awaitRefetchQueries: true });
  const payload = r.data?.runDelinquency;
  return (
    <>
      <button type="button" className="button secondary" onClick={() => setOpen(true)}>{t('runDelinquency')}</button>
      <Dialog open={open} title={t('runDelinquency')} onClose={() => setOpen(false)}>
        <form onSubmit={(e) => { e.preventDefault(); void run({ variables: { input: { businessDate: date } } }); }}>
          <TextInput label={t('businessDate')} type="date" value={date} onChange={(e) => setDate(e.target.value)} required />
          <button type="submit" className="button primary" disabled={r.loading}>{t('run')}</button>
        </form>
        {r.error && <UserErrors errors={[{ code: 'ERROR', message: r.error.message || tc('errorTitle') }]} />}
        <UserErrors errors={payload?.userErrors} />
        {payload && !payload.userErrors.length && (
          <ul aria-live="polite">{payload.runs.map((run) => (
            <li key={run.businessDate}>{t('runResult', { date: f.date(run.businessDate), evaluated: run.creditsEvaluated, penalties: run.penaltiesBooked, defaulted: run.defaulted, again: run.alreadyRun ? t('alreadyRun') : '' })}</li>
          ))}</ul>
        )}
      </Dialog>
    </>
  );
}

const CreditQuery = graphql(`
  query ConsoleCredit($id: ID!) {
    credit(id: $id) {
      id currency principal numberOfInstallments installmentAmount disbursedAt status daysPastDue bucket source externalReference
      borrower { id displayName email }
      product { id code name }
      version { id number }
      outstanding { principal interest fee tax penalty total }
      schedule { id number dueDate status totalDue totalPaid outstanding }
      payments { id amount currency paidAt channel externalReference status principal interest fee tax penalty prepaidPrincipal reversalReason reversedAt createdAt }
    }
  }
`);
const RegisterPayment = graphql(`
  mutation ConsoleRegisterPayment($input: RegisterPaymentInput!) { registerPayment(input: $input) { payment { id status amount } userErrors { code message field } } }
`);
const ReversePayment = graphql(`
  mutation ConsoleReversePayment($input: ReversePaymentInput!) { reversePayment(input: $input) { payment { id status } userErrors { code message field } } }
`);

const today = () => new Date().toISOString().slice(0, 10);

const PayoffQuoteQuery = graphql(`
  query ConsolePayoffQuote($creditId: ID!, $date: Date!) {
    payoffQuote(creditId: $creditId, date: $date) {
      quote { creditId currency date accruedFrom principal interestDue accruedInterest fee tax penalty total }
      userErrors { code message field }
    }
  }
`);

/** The payoff quote for a date (lending's payoffQuote); "register this payoff" fills the payment dialog. */
function PayoffQuote({ creditId, onPay }: { creditId: string; onPay?(amount: string, date: string): void }) {
  const t = useT(m);
  const tc = useT(common);
  const f = useFormat();
  const [date, setDate] = useState(today);
  const [run, q] = useLazyQuery(PayoffQuoteQuery, { fetchPolicy: 'no-cache' });
  const payload = q.data?.payoffQuote;
  const quote = payload?.quote;
  return (
    <Section title={t('payoff')}>
      <p><small>{t('payoffHint')}</small></p>
      <form className="filters" onSubmit={(e) => { e.preventDefault(); void run({ variables: { creditId, date } }); }}>
        <TextInput label={t('payoffDate')} type="date" value={date} onChange={(e) => setDate(e.target.value)} required error={payload?.userErrors.find((x) => x.field === 'date')?.message} />
        <button type="submit" className="button secondary" disabled={q.loading}>{t('quote')}</button>
      </form>
      {q.error && <UserErrors errors={[{ code: 'ERROR', message: q.error.message || tc('errorTitle') }]} />}
      <UserErrors errors={payload?.userErrors.filter((x) => x.field !== 'date')} />
      {quote && (
        <div aria-live="polite">
          <Details items={[
            [t('payoffDate'), f.date(quote.date)], [t('accruedFrom'), f.date(quote.accruedFrom)], [t('principal'), f.money(quote.principal, quote.currency)],
            [t('interestDue'), f.money(quote.interestDue, quote.currency)], [t('accruedInterest'), f.money(quote.accruedInterest, quote.currency)], [t('fee'), f.money(quote.fee, quote.currency)],
            [t('tax'), f.money(quote.tax, quote.currency)], [t('penalty'), f.money(quote.penalty, quote.currency)], [t('payoffTotal'), <strong>{f.money(quote.total, quote.currency)}</strong>],
          ]} />
          {onPay && <button type="button" className="button primary" onClick={() => onPay(quote.total, quote.date)}>{t('payThis')}</button>}
        </div>
      )}
    </Section>
  );
}

function CreditDetail({ id }: { id: string }) {
  const t = useT(m);
  const tc = useT(common);
  const f = useFormat();
  const q = useQuery(CreditQuery, { variables: { id } });
  const { can } = useAuth();
  const refetch = { refetchQueries: ['ConsoleCredit', 'ConsoleCredits'], awaitRefetchQueries: true };
  const [register, reg] = useMutation(RegisterPayment, refetch);
  const [reverse, rev] = useMutation(ReversePayment, refetch);
  const [paying, setPaying] = useState(false);
  const [reversing, setReversing] = useState(false);
  const [amount, setAmount] = useState('');
  const [paidAt, setPaidAt] = useState(today);
  const [channel, setChannel] = useState('cash');
  const [reference, setReference] = useState('');
  const [reason, setReason] = useState('');
  const [key, setKey] = useState(newIdempotencyKey);
  const { errors, notice, done } = useMutationFeedback();
  return (
    <QueryView {...q} isEmpty={(d) => !d.credit} empty={<EmptyState title={tc('notFound')} action={<Link to="/credits">{tc('back')}</Link>} />}>
      {(d) => {
        const c = d.credit!;
        const latest = c.payments.filter((p) => p.status === 'APPLIED').at(-1);
        return (
          <>
            <PageHeader title={t('detailOf', { name: c.borrower.displayName })} subtitle={`${c.product.code} · v${c.version.number}`}
              actions={<>
                <Can roles={CAN.registerPayments}>{c.status === 'ACTIVE' && <button type="button" className="button primary" onClick={() => { setPaying(true); setKey(newIdempotencyKey()); }}>{t('registerPayment')}</button>}</Can>
                <Link className="button secondary" to="/credits">{tc('back')}</Link>
              </>} />
            {notice && <Notice>{notice}</Notice>}
            <UserErrors errors={errors} />
            <Section title={tc('details')}>
              <Details items={[
                [t('status'), <Badge value={c.status} label={t(c.status)} />], [t('principal'), f.money(c.principal, c.currency)], [t('installments'), String(c.numberOfInstallments)],
                [t('disbursed'), f.date(c.disbursedAt)], [t('dpd'), String(c.daysPastDue)], [t('bucket'), c.bucket ?? '—'], [t('outstanding'), f.money(c.outstanding.total, c.currency)],
              ]} />
            </Section>
            {c.status === 'ACTIVE' && <PayoffQuote creditId={c.id} onPay={can(CAN.registerPayments) ? (total, date) => { setAmount(total); setPaidAt(date); setKey(newIdempotencyKey()); setPaying(true); } : undefined} />}
            <Section title={t('schedule')}>
              <DataTable columns={[t('number'), t('due'), t('status'), { label: t('totalDue'), numeric: true }, { label: t('paid'), numeric: true }, { label: t('balance'), numeric: true }]}>
                {c.schedule.map((i) => <tr key={i.id}><td>{i.number}</td><td>{f.date(i.dueDate)}</td><td><Badge value={i.status} /></td><td className="num">{f.money(i.totalDue, c.currency)}</td><td className="num">{f.money(i.totalPaid, c.currency)}</td><td className="num">{f.money(i.outstanding, c.currency)}</td></tr>)}
              </DataTable>
            </Section>
            <Section title={t('payments')}>
              {!c.payments.length ? <EmptyState title={t('noPayments')} /> : (
                <DataTable columns={[t('paidAt'), { label: t('amount'), numeric: true }, t('channel'), t('status'), t('allocated'), tc('actions')]}>
                    {c.payments.map((p) => (
                      <tr key={p.id}>
                        <td>{f.date(p.paidAt)}</td><td className="num">{f.money(p.amount, p.currency)}</td><td>{p.channel}</td>
                        <td><Badge value={p.status} />{p.reversalReason ? <div><small>{p.reversalReason}</small></div> : null}</td>
                        <td><small>{t('principal')} {f.money(p.principal, p.currency)} · {f.money(p.interest, p.currency)}</small></td>
                        <td>{p.id === latest?.id && <Can roles={CAN.reversePayments}><button type="button" className="button danger" onClick={() => setReversing(true)}>{t('reverse')}</button></Can>}</td>
                      </tr>
                    ))}
                </DataTable>
              )}
            </Section>
            <Dialog open={paying} title={t('registerPayment')} onClose={() => setPaying(false)}>
              <form onSubmit={async (e) => {
                e.preventDefault();
                const r = await register({ variables: { input: { creditId: c.id, amount, paidAt, channel, externalReference: reference || null, idempotencyKey: key } } });
                if (done(r.data?.registerPayment, t('registered'))) { setPaying(false); setAmount(''); }
              }}>
                <UserErrors errors={errors} />
                <TextInput label={t('amount')} name="amount" inputMode="decimal" value={amount} onChange={(e) => setAmount(e.target.value)} hint={c.currency} required />
                <TextInput label={t('paidAt')} name="paidAt" type="date" value={paidAt} onChange={(e) => setPaidAt(e.target.value)} required />
                <TextInput label={t('channel')} name="channel" value={channel} onChange={(e) => setChannel(e.target.value)} required />
                <TextInput label={t('reference')} name="reference" value={reference} onChange={(e) => setReference(e.target.value)} />
                <button type="submit" className="button primary" disabled={reg.loading}>{t('register')}</button>
              </form>
            </Dialog>
            <Dialog open={reversing} title={t('reverseTitle')} onClose={() => setReversing(false)}>
              <form onSubmit={async (e) => {
                e.preventDefault();
                if (!latest) return;
                const r = await reverse({ variables: { input: { paymentId: latest.id, reason } } });
                if (done(r.data?.reversePayment, t('reversed'))) setReversing(false);
              }}>
                <TextArea label={t('reason')} value={reason} onChange={(e) => setReason(e.target.value)} required />
                <button type="submit" className="button danger" disabled={rev.loading}>{t('reverse')}</button>
              </form>
            </Dialog>
          </>
        );
      }}
    </QueryView>
  );
}
