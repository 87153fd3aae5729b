/** Header (the tenant's logo or name, account link, language), the page, the tenant's legal footer. */
import type { ReactNode } from 'react';
import { LOCALES, defineMessages, useLocale, useT } from '@imagy/web-kit/i18n';
import { Link, useRouter } from '@imagy/web-kit/router';
import { useAuth } from './lib/auth';
import { useTenant } from './lib/tenant';

const messages = defineMessages({
  en: { skip: 'Skip to content', account: 'My account', signIn: 'Sign in', signOut: 'Sign out', language: 'Language', home: 'Home', support: 'Support', site: 'Site' },
  es: { skip: 'Saltar al contenido', account: 'Mi cuenta', signIn: 'Ingresar', signOut: 'Salir', language: 'Idioma', home: 'Inicio', support: 'Atención', site: 'Sitio' },
});

export function Shell({ children }: { children: ReactNode }) {
  const t = useT(messages);
  const tenant = useTenant();
  const { session, logout } = useAuth();
  const { locale, setLocale } = useLocale();
  const { navigate } = useRouter();
  const b = tenant?.branding;
  return (
    <div className="app">
      <a className="skip-link" href="#main">{t('skip')}</a>
      <header className="header">
        <Link to="/" className="brand" aria-label={b ? `${b.displayName}: ${t('home')}` : t('home')}>
          {b?.logoUrl ? <img src={b.logoUrl} alt="" className="logo" /> : null}
          <span className="brand-name">{b?.displayName ?? ''}</span>
        </Link>
        <nav aria-label={t('site')} className="header-nav">
          {tenant && (session
            ? <>
              <Link to="/mi-cuenta">{t('account')}</Link>
              <button type="button" className="link-button" onClick={() => { void logout().then(() => navigate('/')); }}>{t('signOut')}</button>
            </>
            : <Link to="/ingresar">{t('signIn')}</Link>)}
          <label className="lang">
            <span className="visually-hidden">{t('language')}</span>
            <select value={locale} onChange={(e) => setLocale(e.target.value as typeof locale)}>
              {LOCALES.map((l) => <option key={l} value={l}>{l.toUpperCase()}</option>)}
            </select>
          </label>
        </nav>
      </header>
      <main id="main" className="page" tabIndex={-1}>{children}</main>
      {b && (
        <footer className="footer">
          {b.legalFooter && <p>{b.legalFooter}</p>}
          <p>
            {b.legalName ?? b.displayName}
            {b.supportEmail && <> · {t('support')}: <a href={`mailto:${b.supportEmail}`}>{b.supportEmail}</a></>}
            {b.supportPhone && <> · <a href={`tel:${b.supportPhone}`}>{b.supportPhone}</a></>}
          </p>
        </footer>
      )}
    </div>
  );
}
