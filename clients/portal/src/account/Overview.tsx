/** The borrower's credits (status, next installment, outstanding) and applications (continue where they stopped). */
import { useQuery } from '@apollo/client/react';
import { defineMessages, useT } from '@imagy/web-kit/i18n';
import { Link } from '@imagy/web-kit/router';
import { EmptyState, QueryView } from '@imagy/web-kit/states';
import { graphql } from '../__generated__';
import { useFormat } from '../lib/tenant';

const OverviewQuery = graphql(`
  query PortalAccountOverview {
    me {
      id
      credits { id status currency principal numberOfInstallments installmentAmount disbursedAt daysPastDue product { id name } outstanding { total } nextInstallment { id number dueDate outstanding } }
      applications { id status currentStep amount currency term createdAt product { id name } }
    }
  }
`);

export const creditStatus = defineMessages({
  en: { ACTIVE: 'Active', PAID_OFF: 'Paid off', DEFAULTED: 'Defaulted', IN_PROGRESS: 'In progress', APPROVED: 'Approved', DISBURSED: 'Disbursed', REJECTED: 'Rejected', CANCELLED: 'Cancelled', WITHDRAWN: 'Withdrawn', EXPIRED: 'Expired' },
  es: { ACTIVE: 'Vigente', PAID_OFF: 'Liquidado', DEFAULTED: 'En incumplimiento', IN_PROGRESS: 'En curso', APPROVED: 'Aprobada', DISBURSED: 'Desembolsada', REJECTED: 'Rechazada', CANCELLED: 'Cancelada', WITHDRAWN: 'Retirada', EXPIRED: 'Vencida' },
});

const messages = defineMessages({
  en: {
    credits: 'My credits', applications: 'My applications', noCredits: 'You have no credits yet.', noApplications: 'You have not applied yet.', apply: 'See the products',
    principal: 'Amount', outstanding: 'Outstanding', next: 'Next installment', nextValue: 'No. {n}: {amount} on {date}', none: '—', open: 'See credit {product}',
    continue: 'Continue application', view: 'See application', applied: '{amount} in {term} installments, {date}', late: '{days} days past due',
  },
  es: {
    credits: 'Mis créditos', applications: 'Mis solicitudes', noCredits: 'Todavía no tiene créditos.', noApplications: 'Todavía no ha solicitado.', apply: 'Ver los productos',
    principal: 'Monto', outstanding: 'Saldo', next: 'Próxima cuota', nextValue: 'N.º {n}: {amount} el {date}', none: '—', open: 'Ver crédito {product}',
    continue: 'Continuar la solicitud', view: 'Ver la solicitud', applied: '{amount} en {term} cuotas, {date}', late: '{days} días de atraso',
  },
});

export function Overview() {
  const t = useT(messages);
  const s = useT(creditStatus);
  const f = useFormat();
  const { data, loading, error, refetch } = useQuery(OverviewQuery, { fetchPolicy: 'cache-and-network' });
  return (
    <QueryView data={data?.me ?? undefined} loading={loading} error={error} refetch={refetch}>
      {(me) => (
        <>
          <section aria-labelledby="credits-title">
            <h2 id="credits-title">{t('credits')}</h2>
            {me.credits.length === 0 ? <EmptyState title={t('noCredits')} action={<Link to="/">{t('apply')}</Link>} /> : (
              <ul className="cards">
                {me.credits.map((c) => (
                  <li key={c.id} className="card credit-card">
                    <h3>{c.product.name} <span className={`badge badge-${c.status.toLowerCase()}`}>{s(c.status)}</span></h3>
                    <dl className="pairs">
                      <div><dt>{t('principal')}</dt><dd>{f.money(c.principal, c.currency)}</dd></div>
                      <div><dt>{t('outstanding')}</dt><dd>{f.money(c.outstanding.total, c.currency)}</dd></div>
                      <div><dt>{t('next')}</dt><dd>{c.nextInstallment ? t('nextValue', { n: c.nextInstallment.number, amount: f.money(c.nextInstallment.outstanding, c.currency), date: f.date(c.nextInstallment.dueDate) }) : t('none')}</dd></div>
                    </dl>
                    {c.daysPastDue > 0 && <p className="badge badge-bad">{t('late', { days: c.daysPastDue })}</p>}
                    <Link to={`/mi-cuenta/creditos/${c.id}`} className="button">{t('open', { product: c.product.name })}</Link>
                  </li>
                ))}
              </ul>
            )}
          </section>
          <section aria-labelledby="applications-title">
            <h2 id="applications-title">{t('applications')}</h2>
            {me.applications.length === 0 ? <EmptyState title={t('noApplications')} action={<Link to="/">{t('apply')}</Link>} /> : (
              <ul className="cards">
                {me.applications.map((a) => (
                  <li key={a.id} className="card">
                    <h3>{a.product.name} <span className={`badge badge-${a.status.toLowerCase()}`}>{s(a.status)}</span></h3>
                    <p>{t('applied', { amount: f.money(a.amount, a.currency), term: a.term, date: f.date(a.createdAt) })}</p>
                    <Link to={`/solicitud/${a.id}`} className={a.status === 'IN_PROGRESS' || a.status === 'APPROVED' ? 'button primary' : 'button'}>{a.status === 'IN_PROGRESS' || a.status === 'APPROVED' ? t('continue') : t('view')}</Link>
                  </li>
                ))}
              </ul>
            )}
          </section>
        </>
      )}
    </QueryView>
  );
}
