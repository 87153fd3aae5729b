/**
 * "Mi cuenta" (seed 5.20-5.24): the borrower's applications and credits, a credit's schedule,
 * payments and payoff quote, their signatures and documents (the sealed PDF), and the notifications
 * sent to them. Each page loads with one `me { ... }` query. Devices and validations (seed 5.23)
 * wait for the subject subgraph, which does not exist yet.
 */
import { useEffect } from 'react';
import { defineMessages, useT } from '@imagy/web-kit/i18n';
import { Link, useRouter } from '@imagy/web-kit/router';
import { Loading } from '@imagy/web-kit/states';
import { useAuth } from '../lib/auth';
import { Overview } from './Overview';
import { CreditDetail } from './CreditDetail';
import { Documents } from './Documents';
import { Notifications } from './Notifications';

const messages = defineMessages({
  en: { title: 'My account', sections: 'My account sections', overview: 'Credits and applications', documents: 'Signatures and documents', notifications: 'Notifications', hello: 'Hello, {name}' },
  es: { title: 'Mi cuenta', sections: 'Secciones de mi cuenta', overview: 'Créditos y solicitudes', documents: 'Firmas y documentos', notifications: 'Notificaciones', hello: 'Hola, {name}' },
});

const TABS = [
  { path: '', key: 'overview' },
  { path: 'documentos', key: 'documents' },
  { path: 'notificaciones', key: 'notifications' },
] as const;

export default function Account({ path }: { path: string[] }) {
  const t = useT(messages);
  const { session, restoring } = useAuth();
  const { navigate } = useRouter();
  useEffect(() => {
    if (!session && !restoring) navigate(`/ingresar?next=${encodeURIComponent(`/mi-cuenta${path.length ? `/${path.join('/')}` : ''}`)}`, { replace: true });
  }, [session, restoring, path, navigate]);
  if (!session) return <Loading />;
  const [section, id] = path;
  const active = section === 'creditos' ? '' : section ?? '';
  return (
    <div className="account">
      <h1>{t('title')}</h1>
      <p className="subtitle">{t('hello', { name: session.user.displayName })}</p>
      <nav aria-label={t('sections')} className="tabs-nav">
        <ul>
          {TABS.map((tab) => (
            <li key={tab.key}><Link to={`/mi-cuenta${tab.path ? `/${tab.path}` : ''}`} aria-current={active === tab.path ? 'page' : undefined}>{t(tab.key)}</Link></li>
          ))}
        </ul>
      </nav>
      {section === 'creditos' && id ? <CreditDetail id={id} />
        : section === 'documentos' ? <Documents />
          : section === 'notificaciones' ? <Notifications />
            : <Overview />}
    </div>
  );
}
