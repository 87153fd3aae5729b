/** The tenant's home: its products with a landing (`originationLandings` for the host), each with its range and a link to its landing and simulator. */
import { useQuery } from '@apollo/client/react';
import { defineMessages, useT } from '@imagy/web-kit/i18n';
import { Link } from '@imagy/web-kit/router';
import { EmptyState, QueryView } from '@imagy/web-kit/states';
import { graphql } from '../__generated__';
import { currentHost, useFormat, useRequiredTenant } from '../lib/tenant';

const LandingsQuery = graphql(`
  query PortalLandings($host: String!) {
    originationLandings(host: $host) { productId productCode productName currency minAmount maxAmount minTerm maxTerm title }
  }
`);

const messages = defineMessages({
  en: { products: 'Our credits', none: 'There are no credits open for applications right now.', range: 'From {min} to {max}, {minTerm} to {maxTerm} installments', see: 'Simulate and apply: {name}' },
  es: { products: 'Nuestros créditos', none: 'Por ahora no hay créditos abiertos a solicitudes.', range: 'De {min} a {max}, de {minTerm} a {maxTerm} cuotas', see: 'Simular y solicitar: {name}' },
});

export default function Home() {
  const t = useT(messages);
  const f = useFormat();
  const tenant = useRequiredTenant();
  const { data, loading, error, refetch } = useQuery(LandingsQuery, { variables: { host: currentHost() }, fetchPolicy: 'cache-first' });
  return (
    <section>
      <h1>{tenant.branding.displayName}</h1>
      <h2>{t('products')}</h2>
      <QueryView data={data} loading={loading} error={error} refetch={refetch} isEmpty={(d) => d.originationLandings.length === 0} empty={<EmptyState title={t('none')} />}>
        {(d) => (
          <ul className="cards">
            {d.originationLandings.map((l) => (
              <li key={l.productId} className="card product-card">
                <h3>{l.title}</h3>
                <p>{t('range', { min: f.money(l.minAmount, l.currency), max: f.money(l.maxAmount, l.currency), minTerm: l.minTerm, maxTerm: l.maxTerm })}</p>
                <Link to={`/p/${encodeURIComponent(l.productCode)}`} className="button primary">{t('see', { name: l.productName })}</Link>
              </li>
            ))}
          </ul>
        )}
      </QueryView>
    </section>
  );
}
