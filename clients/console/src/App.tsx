/** The shell: sign-in, then the navigation of the modules the user's roles open, and the module's page. */
import { lazy, Suspense, useEffect, useMemo, useState, type ComponentType, type FormEvent } from 'react';
import { useQuery } from '@apollo/client/react';
import { graphql } from './__generated__';
import { AuthCallback } from './AuthCallback';
import { useAuth } from './lib/auth';
import { startOidcLogin } from './lib/oidc';
import { defineMessages, LOCALES, useLocale, useT, type Locale } from '@imagy/web-kit/i18n';
import { Link, useRouter } from '@imagy/web-kit/router';
import { TenantProvider, useTenant } from './lib/tenant';
import { hasAny } from './lib/roles';
import { MODULES, type ConsoleModule } from './modules';
import { Loading, EmptyState } from '@imagy/web-kit/states';
import { TextInput, UserErrors, type UserErrorLike } from './ui/common';

const messages = defineMessages({
  en: {
    product: 'Imagy Console', signIn: 'Sign in', signingIn: 'Signing in…', tenant: 'Organisation (tenant)', email: 'E-mail', password: 'Password',
    signOut: 'Sign out', language: 'Language', navigation: 'Modules', roles: 'Roles', skip: 'Skip to content',
    noModules: 'Your roles open no module of the console.', noModulesHint: 'Ask an administrator of your organisation for a role.',
    unknownModule: 'This page does not exist, or your roles do not open it.', restoring: 'Resuming your session…',
    sso: 'Sign in with Keycloak', ssoStarting: 'Opening Keycloak…', or: 'or',
  },
  es: {
    product: 'Consola Imagy', signIn: 'Ingresar', signingIn: 'Ingresando…', tenant: 'Organización (tenant)', email: 'Correo electrónico', password: 'Contraseña',
    signOut: 'Cerrar sesión', language: 'Idioma', navigation: 'Módulos', roles: 'Roles', skip: 'Ir al contenido',
    noModules: 'Sus roles no abren ningún módulo de la consola.', noModulesHint: 'Pida un rol a un administrador de su organización.',
    unknownModule: 'Esta página no existe o sus roles no la abren.', restoring: 'Retomando su sesión…',
    sso: 'Entrar con Keycloak', ssoStarting: 'Abriendo Keycloak…', or: 'o',
  },
});

const LANGUAGE_NAMES: Record<Locale, string> = { es: 'Español', en: 'English' };

function LanguageSwitch() {
  const { locale, setLocale } = useLocale();
  const t = useT(messages);
  return (
    <label className="language">
      <span className="visually-hidden">{t('language')}</span>
      <select value={locale} onChange={(e) => setLocale(e.target.value as Locale)} aria-label={t('language')}>
        {LOCALES.map((l) => <option key={l} value={l}>{LANGUAGE_NAMES[l]}</option>)}
      </select>
    </label>
  );
}

function defaultTenantSlug(): string {
  // demo.localhost -> demo; anything else is typed by the user.
  const [first, ...rest] = window.location.hostname.split('.');
  return rest.length && first !== 'www' ? first! : 'demo';
}

/** PUBLIC: whether the tenant signs in through its own OIDC provider (Keycloak), and how to start. */
const OidcLoginOptionsQuery = graphql(`
  query ConsoleOidcLoginOptions($tenantSlug: String) {
    oidcLoginOptions(tenantSlug: $tenantSlug) { tenantSlug authorizationEndpoint clientId scopes }
  }
`);

/** The value after the user stopped typing for `ms`. */
function useSettled<T>(value: T, ms: number): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), ms);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return settled;
}

function LoginPage() {
  const t = useT(messages);
  const { login } = useAuth();
  const [tenantSlug, setTenant] = useState(defaultTenantSlug);
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [errors, setErrors] = useState<UserErrorLike[]>([]);
  const slug = useSettled(tenantSlug.trim(), 300);
  const sso = useQuery(OidcLoginOptionsQuery, { variables: { tenantSlug: slug }, skip: !slug, fetchPolicy: 'network-only' }).data?.oidcLoginOptions;
  const [leaving, setLeaving] = useState(false);
  const startSso = async () => {
    if (!sso) return;
    setLeaving(true);
    try {
      await startOidcLogin(sso);
    } catch (err) {
      setLeaving(false);
      setErrors([{ code: 'NETWORK', message: (err as Error).message }]);
    }
  };
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    try {
      setErrors(await login(tenantSlug.trim(), email.trim(), password));
    } catch (err) {
      setErrors([{ code: 'NETWORK', message: (err as Error).message }]);
    } finally {
      setBusy(false);
    }
  };
  return (
    <main className="login" id="main">
      <form className="card login-card" onSubmit={submit} aria-labelledby="login-title">
        <div className="login-top"><h1 id="login-title">{t('product')}</h1><LanguageSwitch /></div>
        <UserErrors errors={errors} />
        <TextInput label={t('tenant')} name="tenant" value={tenantSlug} onChange={(e) => setTenant(e.target.value)} autoComplete="organization" required />
        <TextInput label={t('email')} name="email" type="email" value={email} onChange={(e) => setEmail(e.target.value)} autoComplete="username" required />
        <TextInput label={t('password')} name="password" type="password" value={password} onChange={(e) => setPassword(e.target.value)} autoComplete="current-password" required />
        <button type="submit" className="button primary" disabled={busy}>{busy ? t('signingIn') : t('signIn')}</button>
        {sso && sso.tenantSlug === slug ? (
          <>
            <p className="login-or">{t('or')}</p>
            <button type="button" className="button secondary" onClick={() => void startSso()} disabled={leaving}>{leaving ? t('ssoStarting') : t('sso')}</button>
          </>
        ) : null}
      </form>
    </main>
  );
}

const pages = new Map<string, ComponentType<{ path: string[] }>>();
const pageOf = (m: ConsoleModule) => {
  let page = pages.get(m.id);
  if (!page) pages.set(m.id, (page = lazy(m.load)));
  return page;
};

function Shell() {
  const t = useT(messages);
  const { session, logout } = useAuth();
  const { locale } = useLocale();
  const tenant = useTenant();
  const { segments } = useRouter();
  const visible = useMemo(() => MODULES.filter((m) => hasAny(session!.user.roles, m.roles)), [session]);
  const [first, ...rest] = segments;
  const active = visible.find((m) => m.id === first) ?? (first ? undefined : visible[0]);
  const Page = active ? pageOf(active) : null;
  return (
    <div className="shell">
      <a className="skip-link" href="#main">{t('skip')}</a>
      <header className="topbar">
        <span className="brand">{t('product')}{tenant ? <span className="tenant-name"> · {tenant.name}</span> : null}</span>
        <div className="topbar-right">
          <span className="whoami">
            {session!.user.displayName}
            <span className="roles" aria-label={t('roles')}>{session!.user.roles.map((r) => <span key={r} className="role">{r}</span>)}</span>
          </span>
          <LanguageSwitch />
          <button type="button" className="button secondary" onClick={() => void logout()}>{t('signOut')}</button>
        </div>
      </header>
      <nav className="sidebar" aria-label={t('navigation')}>
        <ul>
          {visible.map((m) => (
            <li key={m.id}><Link to={`/${m.id}`} aria-current={m === active ? 'page' : undefined}>{m.label[locale]}</Link></li>
          ))}
        </ul>
      </nav>
      <main className="content" id="main" tabIndex={-1}>
        {!visible.length ? <EmptyState title={t('noModules')} hint={t('noModulesHint')} />
          : !Page ? <EmptyState title={t('unknownModule')} />
          : <Suspense fallback={<Loading />}><Page key={active!.id} path={active === visible[0] && !first ? [] : rest} /></Suspense>}
      </main>
    </div>
  );
}

export function App() {
  const { session, restoring } = useAuth();
  const { segments } = useRouter();
  const t = useT(messages);
  if (restoring) return <main id="main"><Loading rows={1} /><p className="visually-hidden">{t('restoring')}</p></main>;
  if (!session) return segments[0] === 'auth' && segments[1] === 'callback' ? <AuthCallback /> : <LoginPage />;
  return <TenantProvider key={session.user.id}><Shell /></TenantProvider>;
}
