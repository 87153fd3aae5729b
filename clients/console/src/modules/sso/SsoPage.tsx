/**
 * The tenant's OpenID Connect provider (a Keycloak realm), tenant_admin only: issuer, client id,
 * client secret (write-only: the API says only whether one is stored), roles claim, the mapping of
 * IdP roles to Imagy roles, automatic user creation and the enabled switch. identity validates
 * everything (and fetches the issuer's discovery document) before saving.
 */
import { useEffect, useState } from 'react';
import { useMutation, useQuery } from '@apollo/client/react';
import { graphql } from '../../__generated__';
import { defineMessages, useT } from '@imagy/web-kit/i18n';
import { GRANTABLE_ROLES } from '../../lib/roles';
import { callbackUri } from '../../lib/oidc';
import { Notice, PageHeader, Section, TextArea, TextInput, useMutationFeedback } from '../../ui/common';
import { Loading } from '@imagy/web-kit/states';

const m = defineMessages({
  en: {
    title: 'Single sign-on', subtitle: 'Let your staff sign in with your organisation’s Keycloak realm.',
    issuer: 'Issuer URL', issuerHint: 'The realm URL, e.g. https://kc.example/realms/acme',
    clientId: 'Client id', secret: 'Client secret', secretStored: 'A secret is stored; leave empty to keep it.', secretNone: 'Leave empty for a public client (PKCE only).',
    rolesClaim: 'Roles claim', mappings: 'Role mapping', mappingsHint: 'One line per IdP role: idp-role = {roles}',
    autoCreate: 'Create users at their first sign-in (verified e-mail only)', enabled: 'Enabled', save: 'Save', saved: 'Single sign-on saved.',
    redirect: 'Register this redirect URI in the Keycloak client:', notConfigured: 'Not configured yet.',
  },
  es: {
    title: 'Inicio de sesión único', subtitle: 'Permita que su personal ingrese con el realm de Keycloak de su organización.',
    issuer: 'URL del emisor (issuer)', issuerHint: 'La URL del realm, p. ej. https://kc.example/realms/acme',
    clientId: 'Client id', secret: 'Secreto del cliente', secretStored: 'Hay un secreto guardado; deje vacío para conservarlo.', secretNone: 'Deje vacío para un cliente público (solo PKCE).',
    rolesClaim: 'Claim de roles', mappings: 'Mapeo de roles', mappingsHint: 'Una línea por rol del proveedor: rol-idp = {roles}',
    autoCreate: 'Crear usuarios en su primer ingreso (solo correo verificado)', enabled: 'Habilitado', save: 'Guardar', saved: 'Inicio de sesión único guardado.',
    redirect: 'Registre esta URI de redirección en el cliente de Keycloak:', notConfigured: 'Todavía no está configurado.',
  },
});

const ProviderQuery = graphql(`
  query ConsoleOidcProvider { oidcProvider { issuer clientId hasClientSecret rolesClaim roleMappings { idpRole roles } autoCreateUsers enabled updatedAt } }
`);
const Configure = graphql(`
  mutation ConsoleConfigureOidcProvider($input: ConfigureOidcProviderInput!) {
    configureOidcProvider(input: $input) { provider { issuer clientId hasClientSecret rolesClaim roleMappings { idpRole roles } autoCreateUsers enabled updatedAt } userErrors { code message field } }
  }
`);

/** `idp-role = staff, auditor` lines -> mappings (identity refuses unknown roles, naming the line). */
function parseMappings(text: string): { idpRole: string; roles: string[] }[] {
  return text.split('\n').map((l) => l.trim()).filter(Boolean).map((line) => {
    const [idpRole = '', roles = ''] = line.split('=');
    return { idpRole: idpRole.trim(), roles: roles.split(',').map((r) => r.trim()).filter(Boolean) };
  });
}

export default function SsoPage() {
  const t = useT(m);
  const q = useQuery(ProviderQuery);
  const [save, s] = useMutation(Configure);
  const { errors, notice, done } = useMutationFeedback();
  const [form, setForm] = useState({ issuer: '', clientId: '', clientSecret: '', rolesClaim: 'realm_access.roles', mappings: '', autoCreateUsers: false, enabled: true });
  const stored = q.data?.oidcProvider;
  useEffect(() => {
    if (!stored) return;
    setForm({
      issuer: stored.issuer, clientId: stored.clientId, clientSecret: '', rolesClaim: stored.rolesClaim,
      mappings: stored.roleMappings.map((r) => `${r.idpRole} = ${r.roles.join(', ')}`).join('\n'), autoCreateUsers: stored.autoCreateUsers, enabled: stored.enabled,
    });
  }, [stored]);
  if (q.loading) return <Loading />;
  const fieldError = (field: string) => errors.find((e) => e.field === field || e.field?.startsWith(`${field}.`))?.message ?? null;
  return (
    <>
      <PageHeader title={t('title')} subtitle={t('subtitle')} />
      {notice && <Notice>{notice}</Notice>}
      <Section title={t('title')}>
        <p>{t('redirect')} <code>{callbackUri()}</code></p>
        {!stored && <p>{t('notConfigured')}</p>}
        <form onSubmit={async (e) => {
          e.preventDefault();
          const r = await save({ variables: { input: {
            issuer: form.issuer, clientId: form.clientId, ...(form.clientSecret ? { clientSecret: form.clientSecret } : {}), rolesClaim: form.rolesClaim,
            roleMappings: parseMappings(form.mappings), autoCreateUsers: form.autoCreateUsers, enabled: form.enabled,
          } } });
          // The provider has no id for the cache to update by: read it again (the form follows it, secret emptied).
          if (done(r.data?.configureOidcProvider, t('saved'))) await q.refetch();
        }}>
          <TextInput label={t('issuer')} hint={t('issuerHint')} type="url" value={form.issuer} error={fieldError('issuer')} onChange={(e) => setForm({ ...form, issuer: e.target.value })} required />
          <TextInput label={t('clientId')} value={form.clientId} error={fieldError('clientId')} onChange={(e) => setForm({ ...form, clientId: e.target.value })} required />
          <TextInput label={t('secret')} hint={stored?.hasClientSecret ? t('secretStored') : t('secretNone')} type="password" autoComplete="new-password" value={form.clientSecret} error={fieldError('clientSecret')} onChange={(e) => setForm({ ...form, clientSecret: e.target.value })} />
          <TextInput label={t('rolesClaim')} value={form.rolesClaim} error={fieldError('rolesClaim')} onChange={(e) => setForm({ ...form, rolesClaim: e.target.value })} />
          <TextArea label={t('mappings')} hint={t('mappingsHint', { roles: GRANTABLE_ROLES.join(', ') })} rows={4} value={form.mappings} error={fieldError('roleMappings')} onChange={(e) => setForm({ ...form, mappings: e.target.value })} />
          <label className="checkbox"><input type="checkbox" checked={form.autoCreateUsers} onChange={(e) => setForm({ ...form, autoCreateUsers: e.target.checked })} /> {t('autoCreate')}</label>
          <label className="checkbox"><input type="checkbox" checked={form.enabled} onChange={(e) => setForm({ ...form, enabled: e.target.checked })} /> {t('enabled')}</label>
          <button type="submit" className="button primary" disabled={s.loading}>{t('save')}</button>
        </form>
      </Section>
    </>
  );
}
