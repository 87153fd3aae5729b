/**
 * Applying (the pipeline's USER_REGISTRATION): a new applicant registers (`registerApplicant`,
 * anonymous, with the host's tenant) and is signed in with the password they chose; a returning
 * one signs in. Then `startApplication` with the simulated amount and term (an idempotency key kept
 * for this product, amount and term in this tab, so a reload never makes a second application) and
 * the journey opens at its first step. Right after a registration lending may not know the
 * borrower yet (identity's event): BORROWER_NOT_FOUND is retried for a while.
 */
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { useApolloClient, useMutation, useQuery } from '@apollo/client/react';
import { defineMessages, useLocale, useT } from '@imagy/web-kit/i18n';
import { Link, useRouter } from '@imagy/web-kit/router';
import { Loading, QueryView } from '@imagy/web-kit/states';
import { graphql } from '../__generated__';
import { useAuth } from '../lib/auth';
import { currentHost, useFormat, useRequiredTenant } from '../lib/tenant';
import { Field, FormErrors, errorFor, type UserErrorView } from '../ui/fields';
import { SignInForm } from './SignIn';

const ApplyLanding = graphql(`
  query PortalApplyLanding($productCode: String!, $host: String!) {
    originationLanding(productCode: $productCode, host: $host) { productId productCode productName currency minAmount maxAmount minTerm maxTerm }
  }
`);

const RegisterMutation = graphql(`
  mutation PortalRegister($input: RegisterApplicantInput!) {
    registerApplicant(input: $input) { userId email userErrors { code message field } }
  }
`);

const StartMutation = graphql(`
  mutation PortalStartApplication($input: StartApplicationInput!) {
    startApplication(input: $input) { application { id status currentStep } userErrors { code message field } }
  }
`);

const messages = defineMessages({
  en: {
    title: 'Apply for {product}', summary: '{amount} in {term} installments', change: 'Change', register: 'Create your account', haveAccount: 'I already have an account',
    newAccount: 'I am new here', name: 'Full name', email: 'E-mail', phone: 'Mobile phone (optional)', phoneHint: 'With the country code, e.g. +525512345678',
    password: 'Password', passwordHint: 'At least 10 characters.', submit: 'Create account and continue', working: 'Please wait…', starting: 'Starting your application…',
    notFound: 'This product is not available.', failed: 'The application could not be started.', retry: 'Try again',
  },
  es: {
    title: 'Solicitar {product}', summary: '{amount} en {term} cuotas', change: 'Cambiar', register: 'Cree su cuenta', haveAccount: 'Ya tengo una cuenta',
    newAccount: 'Soy nuevo', name: 'Nombre completo', email: 'Correo electrónico', phone: 'Teléfono móvil (opcional)', phoneHint: 'Con el código de país, p. ej. +525512345678',
    password: 'Contraseña', passwordHint: 'Al menos 10 caracteres.', submit: 'Crear la cuenta y continuar', working: 'Un momento…', starting: 'Iniciando su solicitud…',
    notFound: 'Este producto no está disponible.', failed: 'No se pudo iniciar la solicitud.', retry: 'Reintentar',
  },
});

function RegisterForm({ onRegistered }: { onRegistered: (email: string, password: string) => Promise<void> }) {
  const t = useT(messages);
  const [register] = useMutation(RegisterMutation);
  const [form, setForm] = useState({ displayName: '', email: '', phone: '', password: '' });
  const [errors, setErrors] = useState<UserErrorView[]>([]);
  const [busy, setBusy] = useState(false);
  const set = (k: keyof typeof form) => (e: { target: { value: string } }) => setForm({ ...form, [k]: e.target.value });
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    try {
      const { data } = await register({ variables: { input: { host: currentHost(), displayName: form.displayName, email: form.email, password: form.password, phone: form.phone || null } } });
      const r = data?.registerApplicant;
      if (!r) return;
      setErrors(r.userErrors);
      if (!r.userErrors.length && r.email) await onRegistered(r.email, form.password);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="card form" onSubmit={(e) => void submit(e)} noValidate>
      <h2>{t('register')}</h2>
      <FormErrors errors={errors} shown={['displayName', 'email', 'phone', 'password']} />
      <Field label={t('name')} autoComplete="name" value={form.displayName} onChange={set('displayName')} error={errorFor(errors, 'displayName')} required />
      <Field label={t('email')} type="email" autoComplete="email" value={form.email} onChange={set('email')} error={errorFor(errors, 'email')} required />
      <Field label={t('phone')} type="tel" autoComplete="tel" value={form.phone} onChange={set('phone')} error={errorFor(errors, 'phone')} hint={t('phoneHint')} />
      <Field label={t('password')} type="password" autoComplete="new-password" value={form.password} onChange={set('password')} error={errorFor(errors, 'password')} hint={t('passwordHint')} required />
      <button type="submit" className="button primary" disabled={busy}>{busy ? t('working') : t('submit')}</button>
    </form>
  );
}

/** Starts the application once signed in (retrying while lending does not know the new borrower yet). */
function Starter({ productId, amount, term }: { productId: string; amount: string; term: number }) {
  const t = useT(messages);
  const { locale } = useLocale();
  const client = useApolloClient();
  const { navigate } = useRouter();
  const [errors, setErrors] = useState<UserErrorView[]>([]);
  const [attempt, setAttempt] = useState(0);
  const started = useRef(-1);
  useEffect(() => {
    if (started.current === attempt) return;
    started.current = attempt;
    const storageKey = `imagy.portal.apply.${productId}.${amount}.${term}`;
    const idempotencyKey = sessionStorage.getItem(storageKey) ?? crypto.randomUUID();
    sessionStorage.setItem(storageKey, idempotencyKey);
    let cancelled = false;
    void (async () => {
      for (let i = 0; i < 40 && !cancelled; i++) {
        const { data } = await client.mutate({ mutation: StartMutation, variables: { input: { productId, amount, term, locale, idempotencyKey } } });
        const r = data?.startApplication;
        if (r?.application) return navigate(`/solicitud/${r.application.id}`, { replace: true });
        if (r?.userErrors[0]?.code !== 'BORROWER_NOT_FOUND') return setErrors(r?.userErrors ?? []);
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    })().catch((e: unknown) => setErrors([{ code: 'NETWORK', message: e instanceof Error ? e.message : String(e) }]));
    return () => { cancelled = true; };
  }, [attempt, client, productId, amount, term, locale, navigate]);
  if (!errors.length) return <div className="card" role="status"><p>{t('starting')}</p><Loading rows={1} /></div>;
  return (
    <div className="card">
      <h2>{t('failed')}</h2>
      <FormErrors errors={errors} />
      <button type="button" className="button" onClick={() => { setErrors([]); setAttempt(attempt + 1); }}>{t('retry')}</button>
    </div>
  );
}

export default function Apply({ code }: { code: string }) {
  const t = useT(messages);
  const f = useFormat();
  const tenant = useRequiredTenant();
  const { search } = useRouter();
  const { session, restoring, login } = useAuth();
  const [mode, setMode] = useState<'register' | 'signin'>('register');
  const { data, loading, error, refetch } = useQuery(ApplyLanding, { variables: { productCode: code, host: currentHost() }, fetchPolicy: 'cache-first' });
  return (
    <QueryView data={data} loading={loading} error={error} refetch={refetch}>
      {(d) => {
        const l = d.originationLanding;
        if (!l) return <section className="narrow"><h1>{t('notFound')}</h1></section>;
        const amount = search.get('amount') ?? l.minAmount;
        const term = Number(search.get('term') ?? l.minTerm);
        return (
          <section className="narrow">
            <h1>{t('title', { product: l.productName })}</h1>
            <p className="summary">{t('summary', { amount: f.money(amount, l.currency), term })} · <Link to={`/p/${encodeURIComponent(l.productCode)}`}>{t('change')}</Link></p>
            {restoring ? <Loading rows={1} /> : session ? <Starter productId={l.productId} amount={amount} term={term} /> : (
              <>
                <div className="tabs" role="group">
                  <button type="button" className={mode === 'register' ? 'tab active' : 'tab'} aria-pressed={mode === 'register'} onClick={() => setMode('register')}>{t('newAccount')}</button>
                  <button type="button" className={mode === 'signin' ? 'tab active' : 'tab'} aria-pressed={mode === 'signin'} onClick={() => setMode('signin')}>{t('haveAccount')}</button>
                </div>
                {mode === 'register'
                  ? <RegisterForm onRegistered={async (email, password) => { await login(tenant.slug, email, password); }} />
                  : <SignInForm headingLevel={2} onDone={() => undefined} />}
              </>
            )}
          </section>
        );
      }}
    </QueryView>
  );
}
