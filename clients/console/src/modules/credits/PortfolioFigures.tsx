/**
 * Portfolio figures (lending's `portfolioSummary`): outstanding principal by delinquency bucket and
 * disbursements vs collections per month (last 12 months by default; 6, 24 or 36 selectable; the
 * months end at the tenant's today in its time zone), for one currency. Each chart has the same
 * figures as a table beside it (screen readers, and what the browser test reads).
 */
import { useMemo } from 'react';
import { useQuery } from '@apollo/client/react';
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { graphql } from '../../__generated__';
import { defineMessages, useT } from '@imagy/web-kit/i18n';
import { useSearchParam } from '@imagy/web-kit/router';
import { useFormat, useTenant } from '../../lib/tenant';
import { Section, Select, UserErrors } from '../../ui/common';
import { DataTable } from '../../ui/list';
import { EmptyState, QueryView } from '@imagy/web-kit/states';

const m = defineMessages({
  en: {
    figures: 'Portfolio figures', currency: 'Currency', range: 'Period', lastMonths: 'Last {n} months',
    byBucket: 'Outstanding principal by delinquency bucket', bucket: 'Bucket', current: 'Current', credits: 'Credits', outstanding: 'Outstanding principal',
    monthly: 'Disbursements and collections per month', month: 'Month', disbursed: 'Disbursed', collected: 'Collected', disbursedCount: 'Credits disbursed', paymentsCount: 'Payments',
    noOpen: 'No open credits in this currency.', noMonths: 'No activity in this period.',
    bucketSummary: 'Outstanding principal by bucket: {list}', monthlySummary: 'Disbursed {disbursed} and collected {collected} from {from} to {to}',
  },
  es: {
    figures: 'Cifras de la cartera', currency: 'Moneda', range: 'Periodo', lastMonths: 'Últimos {n} meses',
    byBucket: 'Capital pendiente por tramo de mora', bucket: 'Tramo', current: 'Al corriente', credits: 'Créditos', outstanding: 'Capital pendiente',
    monthly: 'Desembolsos y cobranza por mes', month: 'Mes', disbursed: 'Desembolsado', collected: 'Cobrado', disbursedCount: 'Créditos desembolsados', paymentsCount: 'Pagos',
    noOpen: 'No hay créditos abiertos en esta moneda.', noMonths: 'Sin actividad en este periodo.',
    bucketSummary: 'Capital pendiente por tramo: {list}', monthlySummary: 'Desembolsado {disbursed} y cobrado {collected} de {from} a {to}',
  },
});

const RANGES = [6, 12, 24, 36];

const PortfolioSummaryQuery = graphql(`
  query ConsolePortfolioSummary($currency: String, $from: Date!, $to: Date!) {
    everyCurrency: portfolioSummary { byBucket { currency } }
    portfolioSummary(currency: $currency) {
      currency
      byBucket { bucket currency credits outstandingPrincipal }
      monthly(from: $from, to: $to) {
        months { month currency disbursed disbursedCount collected paymentsCount }
        userErrors { code message field }
      }
    }
  }
`);

/** Today in the tenant's time zone (YYYY-MM-DD), and the first day of the month `months - 1` months before. */
function rangeOf(months: number, timeZone: string | null | undefined): { from: string; to: string } {
  const to = new Intl.DateTimeFormat('en-CA', { timeZone: timeZone ?? undefined, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date());
  const index = Number(to.slice(0, 4)) * 12 + Number(to.slice(5, 7)) - 1 - (months - 1);
  return { from: `${Math.floor(index / 12)}-${String((index % 12) + 1).padStart(2, '0')}-01`, to };
}

/** Adds decimal strings exactly (as integers of 10^-4: amounts have at most 4 decimals). */
function sum(values: string[]): string {
  const total = values.reduce((s, v) => {
    const [i = '0', d = ''] = v.replace('-', '').split('.');
    const n = BigInt(i) * 10000n + BigInt((d + '0000').slice(0, 4));
    return s + (v.startsWith('-') ? -n : n);
  }, 0n);
  const abs = total < 0n ? -total : total;
  return `${total < 0n ? '-' : ''}${abs / 10000n}.${String(abs % 10000n).padStart(4, '0')}`;
}

export function PortfolioFigures() {
  const t = useT(m);
  const f = useFormat();
  const tenant = useTenant();
  const [currencyParam, setCurrency] = useSearchParam('currency');
  const [monthsParam, setMonths] = useSearchParam('months');
  const months = RANGES.includes(Number(monthsParam)) ? Number(monthsParam) : 12;
  const currency = currencyParam || tenant?.currency || 'MXN';
  const { from, to } = useMemo(() => rangeOf(months, tenant?.timezone), [months, tenant?.timezone]);
  const q = useQuery(PortfolioSummaryQuery, { variables: { currency, from, to } });
  const monthLabel = (ym: string) => new Intl.DateTimeFormat(document.documentElement.lang || undefined, { month: 'short', year: 'numeric', timeZone: 'UTC' }).format(new Date(`${ym}-01T00:00:00Z`));
  const currencies = [...new Set([currency, tenant?.currency ?? currency, ...(q.data?.everyCurrency.byBucket.map((b) => b.currency) ?? [])])].sort();
  return (
    <Section title={t('figures')}>
      <form className="filters" onSubmit={(e) => e.preventDefault()} aria-label={t('figures')}>
        <Select label={t('currency')} value={currency} onChange={(e) => setCurrency(e.target.value)} options={currencies.map((c) => ({ value: c, label: c }))} />
        <Select label={t('range')} value={String(months)} onChange={(e) => setMonths(e.target.value)} options={RANGES.map((n) => ({ value: String(n), label: t('lastMonths', { n }) }))} />
      </form>
      <QueryView {...q}>
        {(d) => {
          const buckets = d.portfolioSummary.byBucket;
          const flows = d.portfolioSummary.monthly.months;
          const bucketName = (b: string | null | undefined) => b ?? t('current');
          return (
            <div className="grid-2">
              <div>
                <h3>{t('byBucket')}</h3>
                {buckets.length === 0 ? <EmptyState title={t('noOpen')} /> : (
                  <>
                    <div className="chart" role="img" aria-label={t('bucketSummary', { list: buckets.map((b) => `${bucketName(b.bucket)} ${f.money(b.outstandingPrincipal, b.currency)}`).join(', ') })}>
                      <ResponsiveContainer width="100%" height="100%">
                        <BarChart data={buckets.map((b) => ({ bucket: bucketName(b.bucket), amount: Number(b.outstandingPrincipal) }))}>
                          <CartesianGrid strokeDasharray="3 3" />
                          <XAxis dataKey="bucket" />
                          <YAxis />
                          <Tooltip formatter={(v) => f.money(String(v), currency)} />
                          <Bar isAnimationActive={false} dataKey="amount" fill="#1746a2" name={t('outstanding')} />
                        </BarChart>
                      </ResponsiveContainer>
                    </div>
                    <DataTable caption={t('byBucket')} columns={[t('bucket'), { label: t('credits'), numeric: true }, { label: t('outstanding'), numeric: true }]}>
                      {buckets.map((b) => (
                        <tr key={`${b.bucket}-${b.currency}`}><td>{bucketName(b.bucket)}</td><td className="num">{f.number(b.credits)}</td><td className="num">{f.money(b.outstandingPrincipal, b.currency)}</td></tr>
                      ))}
                    </DataTable>
                  </>
                )}
              </div>
              <div>
                <h3>{t('monthly')}</h3>
                <UserErrors errors={d.portfolioSummary.monthly.userErrors} />
                {flows.every((x) => x.disbursedCount === 0 && x.paymentsCount === 0) ? <EmptyState title={t('noMonths')} /> : (
                  <>
                    <div className="chart" role="img" aria-label={t('monthlySummary', { disbursed: f.money(sum(flows.map((x) => x.disbursed)), currency), collected: f.money(sum(flows.map((x) => x.collected)), currency), from: f.date(from), to: f.date(to) })}>
                      <ResponsiveContainer width="100%" height="100%">
                        <BarChart data={flows.map((x) => ({ month: monthLabel(x.month), disbursed: Number(x.disbursed), collected: Number(x.collected) }))}>
                          <CartesianGrid strokeDasharray="3 3" />
                          <XAxis dataKey="month" />
                          <YAxis />
                          <Tooltip formatter={(v) => f.money(String(v), currency)} />
                          <Legend />
                          <Bar isAnimationActive={false} dataKey="disbursed" fill="#1746a2" name={t('disbursed')} />
                          <Bar isAnimationActive={false} dataKey="collected" fill="#2e7d32" name={t('collected')} />
                        </BarChart>
                      </ResponsiveContainer>
                    </div>
                    <DataTable caption={t('monthly')} columns={[t('month'), { label: t('disbursed'), numeric: true }, { label: t('disbursedCount'), numeric: true }, { label: t('collected'), numeric: true }, { label: t('paymentsCount'), numeric: true }]}>
                      {flows.map((x) => (
                        <tr key={`${x.month}-${x.currency}`} data-month={x.month}>
                          <td>{monthLabel(x.month)}</td><td className="num">{f.money(x.disbursed, x.currency)}</td><td className="num">{f.number(x.disbursedCount)}</td>
                          <td className="num">{f.money(x.collected, x.currency)}</td><td className="num">{f.number(x.paymentsCount)}</td>
                        </tr>
                      ))}
                    </DataTable>
                  </>
                )}
              </div>
            </div>
          );
        }}
      </QueryView>
    </Section>
  );
}
