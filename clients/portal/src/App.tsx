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
import { TenantProvider } from './lib/tenant';
import { Shell } from './Shell';

const Home = lazy(() => import('./pages/Home'));
const ProductLanding = lazy(() => import('./pages/ProductLanding'));
const Apply = lazy(() => import('./pages/Apply'));
const SignIn = lazy(() => import('./pages/SignIn'));
const Journey = lazy(() => import('./journey/Journey'));
const FlowPage = lazy(() => import('./pages/FlowPage'));
const SignPage = lazy(() => import('./pages/SignPage'));
const Account = lazy(() => import('./account/Account'));
const NotFound = lazy(() => import('./pages/NotFound'));

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
