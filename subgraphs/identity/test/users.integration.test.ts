import { withSqlClient } from '@imagy/platform/testing';
import { ensureSubgraphSchema } from '@imagy/platform/db';
import { CREATE_USER, DEMO_PASSWORD, startHarness, type Harness } from './harness';

const USER_FIELDS = 'id tenantId email phone displayName roles status lockedUntil lastLoginAt createdAt';
const UPDATE_USER = `mutation($input: UpdateUserInput!) { updateUser(input: $input) { user { id email phone displayName roles status } userErrors { code field } } }`;
const USERS = `query($first: Int, $after: String, $filter: UserFilter) { users(first: $first, after: $after, filter: $filter) { edges { cursor node { id email displayName roles status } } pageInfo { hasNextPage endCursor } } }`;

describe('identity: users of a tenant', () => {
  let h: Harness;
  let a: Awaited<ReturnType<Harness['newTenant']>>;
  let b: Awaited<ReturnType<Harness['newTenant']>>;

  beforeAll(async () => {
    h = await startHarness('idusers');
    a = await h.newTenant('tenant-a');
    b = await h.newTenant('tenant-b');
  });
  afterAll(async () => { await h?.close(); });

  test('a tenant admin creates a user with a normalised email, and the user can sign in and read themself through me', async () => {
    const user = await h.createUser(a.token, { email: '  Ana.Lopez@Example.COM ', phone: '+52 (55) 1234-5678', displayName: "Ana O'Brien López", roles: ['staff'], password: 'ana-password-1' });
    expect(user).toMatchObject({ email: 'ana.lopez@example.com', phone: '+525512345678', displayName: "Ana O'Brien López", roles: ['staff'], status: 'ACTIVE', tenantId: a.tenantId });
    const session = await h.login('tenant-a', 'ANA.lopez@example.com', 'ana-password-1');
    expect(session.userErrors).toEqual([]);
    const me = await h.call(`{ me { ${USER_FIELDS} tenant { slug } } }`, {}, session.accessToken);
    expect(me.errors).toBeUndefined();
    expect(me.data.me).toMatchObject({ id: user.id, email: 'ana.lopez@example.com', lockedUntil: null, tenant: { slug: 'tenant-a' } });
    expect(me.data.me.lastLoginAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  test('invalid or duplicate user input returns userErrors and changes nothing', async () => {
    await h.createUser(a.token, { email: 'dup@example.com', displayName: 'Dup', roles: ['borrower'], password: 'dup-password-1' });
    const before = await h.adminSql('select count(*)::int as n from identity.users');
    const outboxBefore = await h.adminSql('select count(*)::int as n from identity.outbox');
    const cases: [Record<string, unknown>, string, string][] = [
      [{ email: 'DUP@example.com' }, 'EMAIL_TAKEN', 'email'],
      [{ phone: '5512345678' }, 'INVALID_PHONE', 'phone'],
      [{ password: 'short' }, 'WEAK_PASSWORD', 'password'],
      [{ roles: ['platform_admin'] }, 'INVALID_ROLE', 'roles'],
      [{ roles: ['wizard'] }, 'INVALID_ROLE', 'roles'],
      [{ email: 'not-an-email' }, 'INVALID_EMAIL', 'email'],
    ];
    for (const [override, code, field] of cases) {
      const r = await h.call(CREATE_USER, { input: { email: 'new@example.com', displayName: 'New', roles: ['staff'], password: 'new-password-1', ...override } }, a.token);
      expect(r.errors).toBeUndefined();
      expect(r.data.createUser).toEqual({ user: null, userErrors: [expect.objectContaining({ code, field })] });
    }
    expect(await h.adminSql('select count(*)::int as n from identity.users')).toEqual(before);
    expect(await h.adminSql('select count(*)::int as n from identity.outbox')).toEqual(outboxBefore);
  });

  test('the users list pages by cursor and filters by search, role and status', async () => {
    for (const [email, roles] of [['filter-1@example.com', ['borrower']], ['filter-2@example.com', ['auditor']], ['filter_3@example.com', ['borrower']]] as const) {
      await h.createUser(a.token, { email, displayName: `Filter ${email}`, roles, password: 'filter-password-1' });
    }
    const all: string[] = [];
    let after: string | null = null;
    for (;;) {
      const page: any = await h.call(USERS, { first: 2, after }, a.token);
      expect(page.errors).toBeUndefined();
      all.push(...page.data.users.edges.map((e: any) => e.node.email));
      if (!page.data.users.pageInfo.hasNextPage) break;
      after = page.data.users.pageInfo.endCursor;
    }
    expect(new Set(all).size).toBe(all.length);
    expect(all[0]).toBe(a.adminEmail);
    expect(all).toEqual(expect.arrayContaining(['filter-1@example.com', 'filter-2@example.com', 'filter_3@example.com']));

    const search = await h.call(USERS, { filter: { search: 'FILTER' } }, a.token);
    expect(search.data.users.edges.map((e: any) => e.node.email)).toEqual(['filter-1@example.com', 'filter-2@example.com', 'filter_3@example.com']);
    // `_` is matched literally, not as a LIKE wildcard.
    const literal = await h.call(USERS, { filter: { search: 'filter_' } }, a.token);
    expect(literal.data.users.edges.map((e: any) => e.node.email)).toEqual(['filter_3@example.com']);
    const borrowers = await h.call(USERS, { filter: { role: 'borrower', search: 'filter' } }, a.token);
    expect(borrowers.data.users.edges.map((e: any) => e.node.email)).toEqual(['filter-1@example.com', 'filter_3@example.com']);
    const [target] = search.data.users.edges;
    await h.call(`mutation($input: DisableUserInput!) { disableUser(input: $input) { userErrors { code } } }`, { input: { id: target.node.id } }, a.token);
    const disabled = await h.call(USERS, { filter: { status: 'DISABLED' } }, a.token);
    expect(disabled.data.users.edges.map((e: any) => e.node.email)).toEqual(['filter-1@example.com']);
    const badCursor = await h.call(USERS, { after: 'garbage' }, a.token);
    expect(badCursor.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  test('a tenant admin updates and disables a user; a disabled user can no longer sign in and loses their sessions', async () => {
    const user = await h.createUser(a.token, { email: 'bob@example.com', displayName: 'Bob', roles: ['borrower'], password: 'bob-password-1' });
    const session = await h.login('tenant-a', 'bob@example.com', 'bob-password-1');
    const updated = await h.call(UPDATE_USER, { input: { id: user.id, displayName: 'Robert', roles: ['borrower', 'staff'], phone: '+14155550100' } }, a.token);
    expect(updated.data.updateUser).toEqual({ user: expect.objectContaining({ displayName: 'Robert', roles: ['borrower', 'staff'], phone: '+14155550100' }), userErrors: [] });
    const taken = await h.call(UPDATE_USER, { input: { id: user.id, email: a.adminEmail } }, a.token);
    expect(taken.data.updateUser.userErrors).toEqual([{ code: 'EMAIL_TAKEN', field: 'email' }]);
    const disabled = await h.call(`mutation($input: DisableUserInput!) { disableUser(input: $input) { user { status } userErrors { code } } }`, { input: { id: user.id } }, a.token);
    expect(disabled.data.disableUser).toEqual({ user: { status: 'DISABLED' }, userErrors: [] });
    const refused = await h.login('tenant-a', 'bob@example.com', 'bob-password-1');
    expect(refused.userErrors.map((e: any) => e.code)).toEqual(['INVALID_CREDENTIALS']);
    const refresh = await h.call(`mutation($input: RefreshTokenInput!) { refreshToken(input: $input) { accessToken userErrors { code } } }`, { input: { refreshToken: session.refreshToken } });
    expect(refresh.data.refreshToken).toEqual({ accessToken: null, userErrors: [{ code: 'INVALID_REFRESH_TOKEN' }] });
    const events = await h.adminSql(`select envelope->'data'->'changes' as changes from identity.outbox where subject = 'identity.user.updated' and envelope->'data'->>'userId' = $1 order by created_at`, [user.id]);
    expect(events.map((e) => e.changes)).toEqual([['phone', 'displayName', 'roles'], ['status']]);
  });

  test('a tenant admin cannot disable themself or drop their own admin role', async () => {
    const disable = await h.call(`mutation($input: DisableUserInput!) { disableUser(input: $input) { userErrors { code } } }`, { input: { id: a.adminId } }, a.token);
    expect(disable.data.disableUser.userErrors).toEqual([{ code: 'CANNOT_DISABLE_SELF' }]);
    const demote = await h.call(UPDATE_USER, { input: { id: a.adminId, roles: ['staff'] } }, a.token);
    expect(demote.data.updateUser.userErrors).toEqual([{ code: 'CANNOT_DEMOTE_SELF', field: 'roles' }]);
  });

  test("tenant B's admin cannot see or change tenant A's users by id, by list or by entity reference", async () => {
    const victim = await h.createUser(a.token, { email: 'victim@example.com', displayName: 'Victim', roles: ['borrower'], password: 'victim-password-1' });
    const byId = await h.call(`query($id: ID!) { user(id: $id) { id email } }`, { id: victim.id }, b.token);
    expect(byId.errors).toBeUndefined();
    expect(byId.data.user).toBeNull();
    const list = await h.call(USERS, { first: 100 }, b.token);
    expect(list.data.users.edges.map((e: any) => e.node.email)).toEqual([b.adminEmail]);
    const search = await h.call(USERS, { filter: { search: 'victim' } }, b.token);
    expect(search.data.users.edges).toEqual([]);
    const refs = await h.call(`query($r: [_Any!]!) { _entities(representations: $r) { ... on User { id email } } }`, {
      r: [{ __typename: 'User', id: victim.id }, { __typename: 'User', id: b.adminId }],
    }, b.token);
    expect(refs.errors).toBeUndefined();
    expect(refs.data._entities).toEqual([null, { id: b.adminId, email: b.adminEmail }]);
    const update = await h.call(UPDATE_USER, { input: { id: victim.id, displayName: 'Pwned' } }, b.token);
    expect(update.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const disable = await h.call(`mutation($input: DisableUserInput!) { disableUser(input: $input) { userErrors { code } } }`, { input: { id: victim.id } }, b.token);
    expect(disable.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const createThere = await h.call(CREATE_USER, { input: { tenantId: a.tenantId, email: 'plant@example.com', displayName: 'Plant', roles: ['tenant_admin'], password: 'plant-password-1' } }, b.token);
    expect(createThere.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const [row] = await h.adminSql('select display_name, status from identity.users where id = $1', [victim.id]);
    expect(row).toEqual({ display_name: 'Victim', status: 'ACTIVE' });
    expect(await h.adminSql(`select id from identity.users where email = 'plant@example.com'`)).toEqual([]);
  });

  test('row level security hides every user from the subgraph role when no tenant is set', async () => {
    const { url } = await ensureSubgraphSchema(h.db.adminUrl, 'identity');
    await withSqlClient(url, async (client) => {
      const total = await h.adminSql('select count(*)::int as n from identity.users');
      expect(total[0].n).toBeGreaterThan(3);
      expect((await client.query('select current_user')).rows[0].current_user).toBe('imagy_identity');
      expect((await client.query('select count(*)::int as n from identity.users')).rows[0].n).toBe(0);
      expect((await client.query('select count(*)::int as n from identity.refresh_tokens')).rows[0].n).toBe(0);
      await client.query('begin');
      await client.query(`select set_config('app.tenant_id', $1, true)`, [a.tenantId]);
      const scoped = await client.query('select distinct tenant_id from identity.users');
      expect(scoped.rows).toEqual([{ tenant_id: a.tenantId }]);
      // Writing a row for another tenant is refused by the policy's WITH CHECK.
      await expect(client.query(`insert into identity.users (id, tenant_id, email, display_name, password_hash) values (gen_random_uuid(), $1, 'x@y.z', 'X', 'h')`, [b.tenantId])).rejects.toThrow(/row-level security/);
      await client.query('rollback');
    });
  });

  test('a borrower reads only themself, and cannot list or create users', async () => {
    await h.createUser(a.token, { email: 'carla@example.com', displayName: 'Carla', roles: ['borrower'], password: 'carla-password-1' });
    const session = await h.login('tenant-a', 'carla@example.com', 'carla-password-1');
    const me = await h.call(`{ me { email roles } }`, {}, session.accessToken);
    expect(me.data.me).toEqual({ email: 'carla@example.com', roles: ['borrower'] });
    const other = await h.call(`query($id: ID!) { user(id: $id) { id } }`, { id: a.adminId }, session.accessToken);
    expect(other.data.user).toBeNull();
    const list = await h.call(USERS, {}, session.accessToken);
    expect(list.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const create = await h.call(CREATE_USER, { input: { email: 'x@example.com', displayName: 'X', roles: ['tenant_admin'], password: 'x-password-12' } }, session.accessToken);
    expect(create.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  test('anonymous callers and forged tokens get nothing private', async () => {
    const anon = await h.call(`{ me { id } }`);
    expect(anon.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    const refs = await h.call(`query($r: [_Any!]!) { _entities(representations: $r) { ... on User { id } } }`, { r: [{ __typename: 'User', id: a.adminId }] });
    expect(refs.data._entities).toEqual([null]);
    const [header, , signature] = a.token.split('.');
    const forgedBody = Buffer.from(JSON.stringify({ sub: a.adminId, tid: a.tenantId, roles: ['tenant_admin'], iss: h.issuer.issuer, aud: h.issuer.audience, exp: 9999999999 })).toString('base64url');
    const forged = await h.call(USERS, {}, `${header}.${forgedBody}.${signature}`);
    expect(forged.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(forged.data?.users ?? null).toBeNull();
    const demo = await h.login('demo', 'admin@demo.localhost', DEMO_PASSWORD);
    expect(demo.userErrors).toEqual([]);
  });

  test('entity references of many users cost one batch and keep their order', async () => {
    const users = await h.adminSql<{ id: string }>('select id from identity.users where tenant_id = $1 order by created_at', [a.tenantId]);
    const batches = jest.spyOn(h.identity.services.users, 'byIds');
    const r = await h.call(`query($r: [_Any!]!) { _entities(representations: $r) { ... on User { id } } }`, {
      r: [...users].reverse().map((u) => ({ __typename: 'User', id: u.id })).concat([{ __typename: 'User', id: 'not-a-uuid' }]),
    }, a.token);
    expect(r.errors).toBeUndefined();
    expect(r.data._entities).toEqual([...[...users].reverse().map((u) => ({ id: u.id })), null]);
    expect(batches).toHaveBeenCalledTimes(1);
    expect(batches.mock.calls[0]![1]).toHaveLength(users.length + 1);
    batches.mockRestore();
  });
});
