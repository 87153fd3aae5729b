/**
 * Sign-in (identity's `login` with the host's tenant). Afterwards: the `next` page when given, else
 * the application in progress (back to the step where the borrower stopped), else "mi cuenta".
 */
import { useState, type FormEvent } from 'react';
import { useApolloClient } from '@apollo/client/react';
import { defineMessages, useT } from '@imagy/web-kit/i18n';
import { useRouter } from '@imagy/web-kit/router';
import { graphql } from '../__generated__';
import { useAuth } from '../lib/auth';
import { useRequiredTenant } from '../lib/tenant';
import { Field, FormErrors, errorFor, type UserErrorView } from '../ui/fields';

const ResumeQuery = graphql(`
  query PortalResume { me { id applications { id status createdAt } } }
`);

export const signInMessages = defineMessages({
  en: { title: 'Sign in', email: 'E-mail', password: 'Password', submit: 'Sign in', working: 'Signing in…' },
  es: { title: 'Ingresar', email: 'Correo electrónico', password: 'Contraseña', submit: 'Ingresar', working: 'Ingresando…' },
});

export function SignInForm({ onDone, headingLevel = 1 }: { onDone: () => void; headingLevel?: 1 | 2 }) {
  const t = useT(signInMessages);
  const tenant = useRequiredTenant();
  const { login } = useAuth();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [errors, setErrors] = useState<UserErrorView[]>([]);
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    const found = await login(tenant.slug, email, password).finally(() => setBusy(false));
    setErrors(found);
    if (!found.length) onDone();
  };
  const Heading = headingLevel === 1 ? 'h1' : 'h2';
  return (
    <form className="card form" onSubmit={(e) => void submit(e)} noValidate>
      <Heading>{t('title')}</Heading>
      <FormErrors errors={errors} shown={['email', 'password']} />
      <Field label={t('email')} type="email" autoComplete="username" value={email} onChange={(e) => setEmail(e.target.value)} error={errorFor(errors, 'email')} required />
      <Field label={t('password')} type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} error={errorFor(errors, 'password')} required />
      <button type="submit" className="button primary" disabled={busy}>{busy ? t('working') : t('submit')}</button>
    </form>
  );
}

export default function SignIn() {
  const { navigate, search } = useRouter();
  const client = useApolloClient();
  const next = search.get('next');
  const onDone = async () => {
    if (next?.startsWith('/')) return navigate(next);
    const { data } = await client.query({ query: ResumeQuery, fetchPolicy: 'network-only' });
    const open = data?.me?.applications.find((a) => a.status === 'IN_PROGRESS' || a.status === 'APPROVED');
    navigate(open ? `/solicitud/${open.id}` : '/mi-cuenta');
  };
  return <section className="narrow"><SignInForm onDone={() => void onDone()} /></section>;
}
