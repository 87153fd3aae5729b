/**
 * The tenant is the host the portal was reached on (seed 5.12): `tenantByHost(location.hostname)`,
 * anonymous. Its branding (name, logo, colours, legal texts) is applied as CSS variables on the
 * document; amounts and dates are formatted for its locale, currency and time zone. An unknown host
 * gets a page that says so (never a blank one).
 */
import { createContext, useContext, useEffect, useMemo, type ReactNode } from 'react';
import { useQuery } from '@apollo/client/react';
import { makeFormat, type Format } from '@imagy/web-kit/format';
import { Loading, ErrorState } from '@imagy/web-kit/states';
import { defineMessages, useT } from '@imagy/web-kit/i18n';
import { graphql } from '../__generated__';
import type { PortalTenantQuery } from '../__generated__/graphql';
import { applyBranding } from './branding';

const PortalTenant = graphql(`
  query PortalTenant($host: String!) {
    tenantByHost(host: $host) {
      id slug name status defaultLocale currency
      branding { displayName logoUrl primaryColor accentColor legalName legalFooter supportEmail supportPhone }
    }
  }
`);

export type TenantView = NonNullable<PortalTenantQuery['tenantByHost']>;
const TenantContext = createContext<TenantView | null>(null);

const messages = defineMessages({
  en: {
    unknownTitle: 'There is no credit portal at this address',
    unknownHint: 'Check the address you were given by your institution: {host} does not belong to any of them.',
    suspendedTitle: 'This portal is not available',
    suspendedHint: 'The institution is not accepting applications at the moment.',
  },
  es: {
    unknownTitle: 'No hay un portal de crédito en esta dirección',
    unknownHint: 'Revise la dirección que le dio su institución: {host} no corresponde a ninguna.',
    suspendedTitle: 'Este portal no está disponible',
    suspendedHint: 'La institución no está recibiendo solicitudes por el momento.',
  },
});

export const currentHost = () => window.location.hostname;

export function TenantProvider({ children, anyHost }: { children: ReactNode; anyHost?: ReactNode }) {
  const t = useT(messages);
  const host = currentHost();
  const { data, loading, error, refetch } = useQuery(PortalTenant, { variables: { host }, fetchPolicy: 'cache-first' });
  const found = data?.tenantByHost ?? null;
  const tenant: TenantView | null = found;
  useEffect(() => {
    if (tenant) applyBranding(tenant.branding);
  }, [tenant]);
  if (!data) {
    if (error) return <main className="page narrow"><ErrorState error={error} onRetry={() => void refetch()} /></main>;
    if (loading) return <main className="page narrow"><Loading /></main>;
  }
  if (!tenant) {
    // Token pages (signing, flow) work on any host: the token names the tenant.
    if (anyHost) return <>{anyHost}</>;
    return (
      <main className="page narrow unknown-host" id="main">
        <h1>{t('unknownTitle')}</h1>
        <p>{t('unknownHint', { host })}</p>
      </main>
    );
  }
  if (tenant.status !== 'ACTIVE' && !anyHost) {
    return (
      <main className="page narrow" id="main">
        <h1>{t('suspendedTitle')}</h1>
        <p>{t('suspendedHint')}</p>
      </main>
    );
  }
  return <TenantContext.Provider value={tenant}>{children}</TenantContext.Provider>;
}

export const useTenant = () => useContext(TenantContext);

export function useRequiredTenant(): TenantView {
  const tenant = useTenant();
  if (!tenant) throw new Error('useRequiredTenant outside a resolved tenant');
  return tenant;
}

export function useFormat(): Format {
  const tenant = useTenant();
  return useMemo(() => makeFormat(tenant ? { defaultLocale: tenant.defaultLocale, currency: tenant.currency } : null), [tenant]);
}
