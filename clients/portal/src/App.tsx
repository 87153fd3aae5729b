/**
 * Routes (History API, base `/`):
 *
 *   /                          the tenant's products with a landing
 *   /p/<code>                  a product's landing and simulator
 *   /solicitar/<code>          registration or sign-in, then the application starts (?amount=&term=)
 *   /ingresar                  sign-in; back to the application in progress, else "mi cuenta"
 *   /solicitud/<id>            the origination journey, step by step, live
 *   /flujo/<token>             a flow execution by its access token (standalone, seed 5.18)
 *   /sign/<token>              signing by its signing token (standalone, seed 5.19; the sign links)
 *   /mi-cuenta[/...]           the borrower's credits, documents and notifications
 *
 * Every page but the token pages needs the host's tenant; the token pages work on any host.
 */
import { lazy, Suspense, type ReactNode } from 'react';
import { useRouter } from '@imagy/web-kit/router';
import { Loading } from '@imagy/web-kit/states';
import type { ApolloClient } from '@apollo/client';
import { TenantProvider, currentHost } from './lib/tenant';
import { LandingQuery } from './pages/landing-query';
import { Shell } from './Shell';

// Each page is its own chunk; the current route's chunk is asked for at startup (preload below),
// in parallel with the tenant's query, not after it.
const loaders = {
  home: () => import('./pages/Home'),
  landing: () => import('./pages/ProductLanding'),
  apply: () => import('./pages/Apply'),
  signIn: () => import('./pages/SignIn'),
  journey: () => import('./journey/Journey'),
  flow: () => import('./pages/FlowPage'),
  sign: () => import('./pages/SignPage'),
  account: () => import('./account/Account'),
  notFound: () => import('./pages/NotFound'),
};
const Home = lazy(loaders.home);
const ProductLanding = lazy(loaders.landing);
const Apply = lazy(loaders.apply);
const SignIn = lazy(loaders.signIn);
const Journey = lazy(loaders.journey);
const FlowPage = lazy(loaders.flow);
const SignPage = lazy(loaders.sign);
const Account = lazy(loaders.account);
const NotFound = lazy(loaders.notFound);

const ROUTE_CHUNKS: Record<string, keyof typeof loaders> = {
  '': 'home', p: 'landing', solicitar: 'apply', ingresar: 'signIn', solicitud: 'journey', flujo: 'flow', sign: 'sign', 'mi-cuenta': 'account',
};

/**
 * The first load's requests at once: the page's chunk and, on a product's landing, its query
 * (the tenant's query starts with the first render).
 */
export function preload(client: ApolloClient, path: string): void {
  const [first = '', second] = path.split('/').filter(Boolean).map(decodeURIComponent);
  void loaders[ROUTE_CHUNKS[first] ?? 'notFound']();
  if (first === 'p' && second) void client.query({ query: LandingQuery, variables: { productCode: second, host: currentHost() } }).catch(() => undefined);
}

function page(segments: string[]): { node: ReactNode; anyHost: boolean } {
  const [first, second] = segments;
  switch (first) {
    case undefined: return { node: <Home />, anyHost: false };
    case 'p': return { node: second ? <ProductLanding code={second} /> : <NotFound />, anyHost: false };
    case 'solicitar': return { node: second ? <Apply code={second} /> : <NotFound />, anyHost: false };
    case 'ingresar': return { node: <SignIn />, anyHost: false };
    case 'solicitud': return { node: second ? <Journey id={second} /> : <NotFound />, anyHost: false };
    case 'flujo': return { node: second ? <FlowPage token={second} /> : <NotFound />, anyHost: true };
    case 'sign': return { node: second ? <SignPage token={second} /> : <NotFound />, anyHost: true };
    case 'mi-cuenta': return { node: <Account path={segments.slice(1)} />, anyHost: false };
    default: return { node: <NotFound />, anyHost: false };
  }
}

export function App() {
  const { segments } = useRouter();
  const { node, anyHost } = page(segments);
  const content = <Suspense fallback={<main className="page"><Loading /></main>}>{node}</Suspense>;
  return (
    <TenantProvider anyHost={anyHost ? <Shell>{content}</Shell> : undefined}>
      <Shell>{content}</Shell>
    </TenantProvider>
  );
}
