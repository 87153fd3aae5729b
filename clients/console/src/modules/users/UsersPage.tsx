/**
 * Users of the tenant (search, role and status filters, create, disable) and API keys (tenant_admin:
 * create, rotate, revoke; the secret is shown once, right after it is made, and never again).
 */
import { useState } from 'react';
import { useMutation, useQuery } from '@apollo/client/react';
import { graphql, getFragmentData, type FragmentType } from '../../__generated__';
import type { UserStatus } from '../../__generated__/graphql';
import { Can, useAuth } from '../../lib/auth';
import { defineMessages, useT } from '@imagy/web-kit/i18n';
import { CAN, GRANTABLE_ROLES } from '../../lib/roles';
import { Link, useSearchParam } from '@imagy/web-kit/router';
import { useFormat } from '../../lib/tenant';
import { Badge, Dialog, Notice, PageHeader, Select, TextInput, UserErrors, type UserErrorLike } from '../../ui/common';
import { PAGE_SIZE, useCursorPager } from '../../ui/pager';
import { ConnectionList } from '../../ui/list';
import { EmptyState } from '@imagy/web-kit/states';
import { common } from '@imagy/web-kit/messages';

const m = defineMessages({
  en: {
    title: 'Users and API keys', subtitle: 'Who works in this organisation, and which integrations call the API.', tabUsers: 'Users', tabKeys: 'API keys',
    search: 'Search', role: 'Role', status: 'Status', name: 'Name', email: 'E-mail', roles: 'Roles', lastLogin: 'Last sign-in', created: 'Created',
    emptyUsers: 'No users match', editRoles: 'Roles…', newUser: 'New user', password: 'Initial password', create: 'Create', disable: 'Disable', userCreated: 'User created.', disabled: 'User disabled.',
    keys: 'API keys', newKey: 'New API key', scopes: 'Scopes', plan: 'Plan', prefix: 'Prefix', lastUsed: 'Last used', rotate: 'Rotate', revoke: 'Revoke',
    secretTitle: 'Copy the secret now', secretHint: 'It is shown only this once; store it in the integration’s secret manager.', emptyKeys: 'No API keys yet', emptyKeysHint: 'Create one for each integration that calls the API.',
    revoked: 'API key revoked.', pager: 'Pages',
  },
  es: {
    title: 'Usuarios y API keys', subtitle: 'Quién trabaja en esta organización y qué integraciones llaman a la API.', tabUsers: 'Usuarios', tabKeys: 'API keys',
    search: 'Buscar', role: 'Rol', status: 'Estado', name: 'Nombre', email: 'Correo', roles: 'Roles', lastLogin: 'Último ingreso', created: 'Creado',
    emptyUsers: 'Ningún usuario coincide', editRoles: 'Roles…', newUser: 'Nuevo usuario', password: 'Contraseña inicial', create: 'Crear', disable: 'Deshabilitar', userCreated: 'Usuario creado.', disabled: 'Usuario deshabilitado.',
    keys: 'API keys', newKey: 'Nueva API key', scopes: 'Permisos', plan: 'Plan', prefix: 'Prefijo', lastUsed: 'Último uso', rotate: 'Rotar', revoke: 'Revocar',
    secretTitle: 'Copie el secreto ahora', secretHint: 'Solo se muestra esta vez; guárdelo en el gestor de secretos de la integración.', emptyKeys: 'Todavía no hay API keys', emptyKeysHint: 'Cree una por cada integración que llama a la API.',
    revoked: 'API key revocada.', pager: 'Páginas',
  },
});

export default function UsersPage({ path }: { path: string[] }) {
  const t = useT(m);
  const { can } = useAuth();
  const keys = path[0] === 'api-keys' && can(CAN.manageApiKeys);
  return (
    <>
      <PageHeader title={t('title')} subtitle={t('subtitle')} />
      <nav className="tabs" aria-label={t('title')}>
        <Link to="/users" aria-current={!keys ? 'page' : undefined}>{t('tabUsers')}</Link>
        {can(CAN.manageApiKeys) && <Link to="/users/api-keys" aria-current={keys ? 'page' : undefined}>{t('tabKeys')}</Link>}
      </nav>
      {keys ? <ApiKeys /> : <Users />}
    </>
  );
}

const UserRowFragment = graphql(`
  fragment UserRow_User on User { id displayName email roles status lastLoginAt createdAt }
`);
const UsersQuery = graphql(`
  query ConsoleUsers($filter: UserFilter, $first: Int, $after: String) {
    users(filter: $filter, first: $first, after: $after) { edges { node { id ...UserRow_User } } pageInfo { hasNextPage endCursor } }
  }
`);
const CreateUser = graphql(`
  mutation ConsoleCreateUser($input: CreateUserInput!) { createUser(input: $input) { user { id email } userErrors { code message field } } }
`);
const DisableUser = graphql(`
  mutation ConsoleDisableUser($input: DisableUserInput!) { disableUser(input: $input) { user { id status } userErrors { code message field } } }
`);

const UpdateUserRoles = graphql(`
  mutation ConsoleUpdateUserRoles($input: UpdateUserInput!) { updateUser(input: $input) { user { id roles } userErrors { code message field } } }
`);

function UserRow({ user: ref, onDisable }: { user: FragmentType<typeof UserRowFragment>; onDisable(id: string): void }) {
  const u = getFragmentData(UserRowFragment, ref);
  const f = useFormat();
  const t = useT(m);
  const tc = useT(common);
  const { session } = useAuth();
  const [editing, setEditing] = useState(false);
  const [roles, setRoles] = useState<string[]>([]);
  const [errors, setErrors] = useState<readonly UserErrorLike[]>([]);
  const [update, up] = useMutation(UpdateUserRoles, { refetchQueries: ['ConsoleUsers'], awaitRefetchQueries: true });
  return (
    <tr>
      <td>{u.displayName}</td><td>{u.email}</td><td>{u.roles.join(', ')}</td><td><Badge value={u.status} /></td><td>{f.dateTime(u.lastLoginAt)}</td>
      <td>
        <Can roles={CAN.writeUsers}>
          {u.status === 'ACTIVE' && u.id !== session?.user.id && (
            <div className="page-actions">
              <button type="button" className="button secondary" aria-label={`${t('editRoles')} ${u.email}`} onClick={() => { setRoles([...u.roles]); setErrors([]); setEditing(true); }}>{t('editRoles')}</button>
              <button type="button" className="button danger" aria-label={`${t('disable')} ${u.email}`} onClick={() => onDisable(u.id)}>{t('disable')}</button>
            </div>
          )}
          <Dialog open={editing} title={`${t('editRoles')}: ${u.email}`} onClose={() => setEditing(false)}>
            <form onSubmit={async (e) => {
              e.preventDefault();
              const payload = (await update({ variables: { input: { id: u.id, roles } } })).data?.updateUser;
              setErrors(payload?.userErrors ?? [{ code: 'ERROR', message: tc('errorTitle') }]);
              if (payload?.user) setEditing(false);
            }}>
              <UserErrors errors={errors} />
              <fieldset><legend>{t('roles')}</legend>
                {GRANTABLE_ROLES.map((r) => <label key={r} className="checkbox"><input type="checkbox" checked={roles.includes(r)} onChange={(e) => setRoles(e.target.checked ? [...roles, r] : roles.filter((x) => x !== r))} /> {r}</label>)}
              </fieldset>
              <button type="submit" className="button primary" disabled={up.loading}>{tc('save')}</button>
            </form>
          </Dialog>
        </Can>
      </td>
    </tr>
  );
}

function Users() {
  const t = useT(m);
  const tc = useT(common);
  const [search, setSearch] = useSearchParam('q');
  const [role, setRole] = useSearchParam('role');
  const [status, setStatus] = useSearchParam('status');
  const filter = { ...(search && { search }), ...(role && { role }), ...((status === 'ACTIVE' || status === 'DISABLED') && { status: status as UserStatus }) };
  const pager = useCursorPager(JSON.stringify(filter));
  const q = useQuery(UsersQuery, { variables: { filter, first: PAGE_SIZE, after: pager.after } });
  const [creating, setCreating] = useState(false);
  const [form, setForm] = useState({ email: '', displayName: '', password: '', role: 'staff' });
  const [errors, setErrors] = useState<readonly UserErrorLike[]>([]);
  const [notice, setNotice] = useState<string | null>(null);
  const refetch = { refetchQueries: ['ConsoleUsers'], awaitRefetchQueries: true };
  const [create, c] = useMutation(CreateUser, refetch);
  const [disable] = useMutation(DisableUser, refetch);
  return (
    <>
      <div className="filters">
        <TextInput label={t('search')} value={search} onChange={(e) => setSearch(e.target.value)} />
        <Select label={t('role')} value={role} onChange={(e) => setRole(e.target.value)} options={[{ value: '', label: tc('any') }, ...GRANTABLE_ROLES.map((r) => ({ value: r, label: r }))]} />
        <Select label={t('status')} value={status} onChange={(e) => setStatus(e.target.value)} options={[{ value: '', label: tc('any') }, { value: 'ACTIVE', label: 'ACTIVE' }, { value: 'DISABLED', label: 'DISABLED' }]} />
        <Can roles={CAN.writeUsers}><button type="button" className="button primary" onClick={() => setCreating(true)}>{t('newUser')}</button></Can>
      </div>
      {notice && <Notice>{notice}</Notice>}
      {!creating && <UserErrors errors={errors} />}
      <ConnectionList result={q} connection={(d) => d.users} pager={pager} pagerLabel={t('pager')}
        columns={[t('name'), t('email'), t('roles'), t('status'), t('lastLogin'), tc('actions')]}
        empty={<EmptyState title={t('emptyUsers')} />}
        row={(e) => <UserRow key={e.node.id} user={e.node} onDisable={async (id) => {
                const r = await disable({ variables: { input: { id } } });
                setErrors(r.data?.disableUser.userErrors ?? []);
                setNotice(r.data?.disableUser.user ? t('disabled') : null);
              }} />} />
      <Dialog open={creating} title={t('newUser')} onClose={() => setCreating(false)}>
        <form onSubmit={async (e) => {
          e.preventDefault();
          const r = await create({ variables: { input: { email: form.email, displayName: form.displayName, password: form.password, roles: [form.role] } } });
          const payload = r.data?.createUser;
          setErrors(payload?.userErrors ?? [{ code: 'ERROR', message: tc('errorTitle') }]);
          if (payload?.user) { setCreating(false); setNotice(t('userCreated')); setForm({ email: '', displayName: '', password: '', role: 'staff' }); }
        }}>
          <UserErrors errors={errors} />
          <TextInput label={t('name')} value={form.displayName} onChange={(e) => setForm({ ...form, displayName: e.target.value })} required />
          <TextInput label={t('email')} type="email" value={form.email} onChange={(e) => setForm({ ...form, email: e.target.value })} required />
          <Select label={t('role')} value={form.role} onChange={(e) => setForm({ ...form, role: e.target.value })} options={GRANTABLE_ROLES.map((r) => ({ value: r, label: r }))} />
          <TextInput label={t('password')} type="password" autoComplete="new-password" value={form.password} onChange={(e) => setForm({ ...form, password: e.target.value })} required />
          <button type="submit" className="button primary" disabled={c.loading}>{t('create')}</button>
        </form>
      </Dialog>
    </>
  );
}

const ApiKeysQuery = graphql(`
  query ConsoleApiKeys($first: Int, $after: String) {
    apiKeys(first: $first, after: $after) { edges { node { id name prefix scopes plan status createdAt lastUsedAt expiresAt overlapEndsAt } } pageInfo { hasNextPage endCursor } }
    apiKeyScopes
  }
`);
const CreateKey = graphql(`
  mutation ConsoleCreateApiKey($input: CreateApiKeyInput!) { createApiKey(input: $input) { apiKey { id name } secret userErrors { code message field } } }
`);
const RotateKey = graphql(`
  mutation ConsoleRotateApiKey($input: RotateApiKeyInput!) { rotateApiKey(input: $input) { apiKey { id name } secret userErrors { code message field } } }
`);
const RevokeKey = graphql(`
  mutation ConsoleRevokeApiKey($input: RevokeApiKeyInput!) { revokeApiKey(input: $input) { apiKey { id status } userErrors { code message field } } }
`);

function ApiKeys() {
  const t = useT(m);
  const tc = useT(common);
  const f = useFormat();
  const pager = useCursorPager();
  const q = useQuery(ApiKeysQuery, { variables: { first: PAGE_SIZE, after: pager.after } });
  const refetch = { refetchQueries: ['ConsoleApiKeys'], awaitRefetchQueries: true };
  const [create, c] = useMutation(CreateKey, refetch);
  const [rotate] = useMutation(RotateKey, refetch);
  const [revoke] = useMutation(RevokeKey, refetch);
  const [creating, setCreating] = useState(false);
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState<string[]>([]);
  const [secret, setSecret] = useState<string | null>(null);
  const [errors, setErrors] = useState<readonly UserErrorLike[]>([]);
  const [notice, setNotice] = useState<string | null>(null);
  const showSecret = (payload: { secret?: string | null; userErrors: readonly UserErrorLike[] } | undefined) => {
    setErrors(payload?.userErrors ?? [{ code: 'ERROR', message: tc('errorTitle') }]);
    if (payload?.secret) setSecret(payload.secret);
  };
  return (
    <>
      <div className="filters"><button type="button" className="button primary" onClick={() => setCreating(true)}>{t('newKey')}</button></div>
      {notice && <Notice>{notice}</Notice>}
      {!creating && <UserErrors errors={errors} />}
      <ConnectionList result={q} connection={(d) => d.apiKeys} pager={pager} pagerLabel={t('pager')}
        columns={[t('name'), t('prefix'), t('scopes'), t('status'), t('created'), t('lastUsed'), tc('actions')]}
        empty={<EmptyState title={t('emptyKeys')} hint={t('emptyKeysHint')} />}
        row={({ node: k }) => (
                <tr key={k.id}>
                  <td>{k.name}</td><td><code>{k.prefix}</code></td><td>{k.scopes.join(' ')}</td><td><Badge value={k.status} /></td><td>{f.dateTime(k.createdAt)}</td><td>{f.dateTime(k.lastUsedAt)}</td>
                  <td>{(k.status === 'ACTIVE' || k.status === 'ROTATING') && <div className="page-actions">
                    {k.status === 'ACTIVE' && <button type="button" className="button secondary" aria-label={`${t('rotate')} ${k.name}`} onClick={async () => showSecret((await rotate({ variables: { input: { id: k.id } } })).data?.rotateApiKey)}>{t('rotate')}</button>}
                    <button type="button" className="button danger" aria-label={`${t('revoke')} ${k.name}`} onClick={async () => {
                      const r = (await revoke({ variables: { input: { id: k.id } } })).data?.revokeApiKey;
                      setErrors(r?.userErrors ?? []);
                      setNotice(r?.apiKey ? t('revoked') : null);
                    }}>{t('revoke')}</button>
                  </div>}</td>
                </tr>
              )} />
      <Dialog open={creating} title={t('newKey')} onClose={() => setCreating(false)}>
        <form onSubmit={async (e) => {
          e.preventDefault();
          const payload = (await create({ variables: { input: { name, scopes } } })).data?.createApiKey;
          showSecret(payload);
          if (payload?.secret) { setCreating(false); setName(''); setScopes([]); }
        }}>
          <UserErrors errors={errors} />
          <TextInput label={t('name')} value={name} onChange={(e) => setName(e.target.value)} required />
          <fieldset><legend>{t('scopes')}</legend>
            {(q.data?.apiKeyScopes ?? []).map((s) => <label key={s} className="checkbox"><input type="checkbox" checked={scopes.includes(s)} onChange={(e) => setScopes(e.target.checked ? [...scopes, s] : scopes.filter((x) => x !== s))} /> {s}</label>)}
          </fieldset>
          <button type="submit" className="button primary" disabled={c.loading}>{t('create')}</button>
        </form>
      </Dialog>
      <Dialog open={secret !== null} title={t('secretTitle')} onClose={() => setSecret(null)}>
        <p>{t('secretHint')}</p>
        <p className="secret" data-testid="api-key-secret">{secret}</p>
        <button type="button" className="button primary" onClick={() => setSecret(null)}>{tc('close')}</button>
      </Dialog>
    </>
  );
}
