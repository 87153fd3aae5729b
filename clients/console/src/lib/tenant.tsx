/**
 * The signed-in user's tenant (`currentTenant`): its locale, currency and time zone format every
 * amount and date (`useFormat`), whatever the UI language is.
 */
import { createContext, useContext, useMemo, type ReactNode } from 'react';
import { useQuery } from '@apollo/client/react';
import { graphql } from '../__generated__';
import type { CurrentTenantQuery } from '../__generated__/graphql';
import { makeFormat, type Format } from '@imagy/web-kit/format';

const CurrentTenant = graphql(`
  query CurrentTenant { currentTenant { id slug name status defaultLocale currency timezone } }
`);

export type TenantView = NonNullable<CurrentTenantQuery['currentTenant']>;
const TenantContext = createContext<TenantView | null>(null);

export function TenantProvider({ children }: { children: ReactNode }) {
  const { data } = useQuery(CurrentTenant, { fetchPolicy: 'cache-first' });
  return <TenantContext.Provider value={data?.currentTenant ?? null}>{children}</TenantContext.Provider>;
}

export const useTenant = () => useContext(TenantContext);

export type { Format } from '@imagy/web-kit/format';

/** Money and dates for the signed-in user's tenant (web-kit's makeFormat). */
export function useFormat(): Format {
  const tenant = useTenant();
  return useMemo(() => makeFormat(tenant), [tenant]);
}
