/**
 * Hostile text in identity's inputs, through GraphQL variables: NUL, lone UTF-16 surrogates,
 * text-direction controls and terminal escapes in names and e-mails, e-mails the `validator`
 * package refuses, passwords with nothing visible. Each gets a typed userError naming the field
 * (or BAD_USER_INPUT for query arguments), never INTERNAL_SERVER_ERROR, and nothing is written.
 */
import { CREATE_TENANT, CREATE_USER, LOGIN, startHarness, type Harness } from './harness';

const HOSTILE_TEXT: [string, string][] = [
  ['NUL', 'Ana\u0000López'],
  ['a lone high surrogate', 'Ana\uD800'],
  ['a lone low surrogate', '\uDC00Ana'],
  ['a right-to-left override', 'Ana\u202Etxt.exe'],
  ['a left-to-right embedding', '\u202AAna'],
  ['a pop directional formatting', 'Ana\u202C'],
  ['a right-to-left isolate', 'Ana\u2067x'],
  ['a pop directional isolate', 'Ana\u2069'],
  ['a terminal colour escape', 'Ana\u001B[31m'],
  ['a terminal title escape', '\u001B]0;pwned\u0007Ana'],
  ['a C1 control sequence introducer', 'Ana\u009B2J'],
  ['a line break inside', 'Ana\nRole: admin'],
  ['DEL', 'Ana\u007F'],
];

describe('identity: hostile input text', () => {
  let h: Harness;
  let a: Awaited<ReturnType<Harness['newTenant']>>;
  const counts = async () => (await h.adminSql(`select (select count(*) from identity.users)::int as users, (select count(*) from identity.tenants)::int as tenants,
    (select count(*) from identity.api_keys)::int as keys, (select count(*) from identity.outbox)::int as outbox,
    (select count(*) from identity.tenant_branding)::int as brandings, (select coalesce(max(updated_at)::text, '') from identity.tenant_branding) as branded`))[0];

  beforeAll(async () => {
    h = await startHarness('idinputs');
    a = await h.newTenant('inputs-a');
  });
  afterAll(async () => { await h?.close(); });

  const createUser = (input: Record<string, unknown>) =>
    h.call(CREATE_USER, { input: { email: 'new-user@example.com', displayName: 'New User', roles: ['staff'], password: 'new-password-1', ...input } }, a.token);

  test.each(HOSTILE_TEXT)('a display name with %s is refused with INVALID_DISPLAY_NAME and nothing is written', async (_what, displayName) => {
    const before = await counts();
    const r = await createUser({ displayName });
    expect(r.errors).toBeUndefined();
    expect(r.data.createUser).toEqual({ user: null, userErrors: [expect.objectContaining({ code: 'INVALID_DISPLAY_NAME', field: 'displayName' })] });
    expect(await counts()).toEqual(before);
  });

  test.each(HOSTILE_TEXT)('an e-mail with %s is refused with INVALID_EMAIL and nothing is written', async (_what, text) => {
    const before = await counts();
    const r = await createUser({ email: `${text.replace(/ /g, '')}@example.com` });
    expect(r.errors).toBeUndefined();
    expect(r.data.createUser).toEqual({ user: null, userErrors: [expect.objectContaining({ code: 'INVALID_EMAIL', field: 'email' })] });
    expect(await counts()).toEqual(before);
  });

  const BRANDING = `mutation($input: UpdateTenantBrandingInput!) { updateTenantBranding(input: $input) { tenant { id } userErrors { code field } } }`;

  test.each(HOSTILE_TEXT)('branding names with %s are refused with INVALID_NAME naming the field, and nothing is written', async (_what, text) => {
    const before = await counts();
    for (const field of ['displayName', 'legalName']) {
      const r = await h.call(BRANDING, { input: { [field]: text, primaryColor: '#123456' } }, a.token);
      expect(r.errors).toBeUndefined();
      expect(r.data.updateTenantBranding).toEqual({ tenant: null, userErrors: [{ code: 'INVALID_NAME', field }] });
    }
    expect(await counts()).toEqual(before);
  });

  test.each(HOSTILE_TEXT.filter(([what]) => what !== 'a line break inside'))('a legal footer with %s is refused with INVALID_FOOTER, and nothing is written (line breaks are allowed)', async (_what, legalFooter) => {
    const before = await counts();
    const r = await h.call(BRANDING, { input: { legalFooter } }, a.token);
    expect(r.errors).toBeUndefined();
    expect(r.data.updateTenantBranding).toEqual({ tenant: null, userErrors: [{ code: 'INVALID_FOOTER', field: 'legalFooter' }] });
    expect(await counts()).toEqual(before);
  });

  test.each(HOSTILE_TEXT)('a support e-mail or logo URL with %s is refused naming its field, and nothing is written', async (_what, text) => {
    const before = await counts();
    const email = await h.call(BRANDING, { input: { supportEmail: `${text.replace(/ /g, '')}@example.com` } }, a.token);
    expect(email.data.updateTenantBranding.userErrors).toEqual([{ code: 'INVALID_EMAIL', field: 'supportEmail' }]);
    const logo = await h.call(BRANDING, { input: { logoUrl: `https://cdn.example.com/${text}.png` } }, a.token);
    expect(logo.data.updateTenantBranding.userErrors).toEqual([{ code: 'INVALID_LOGO', field: 'logoUrl' }]);
    expect(await counts()).toEqual(before);
  });

  test('e-mails are checked by the validator package: malformed ones are refused, real-world ones accepted', async () => {
    const before = await counts();
    for (const email of ['plainaddress', 'a@b', 'a@@example.com', 'a b@example.com', 'Ana <ana@example.com>', 'ana@[127.0.0.1]', 'ana@example.c', '.ana@example.com', 'ana.@example.com', 'ana..lopez@example.com', `${'x'.repeat(65)}@example.com`]) {
      const r = await createUser({ email });
      expect([email, r.data.createUser.userErrors.map((e: any) => [e.code, e.field])]).toEqual([email, [['INVALID_EMAIL', 'email']]]);
    }
    expect(await counts()).toEqual(before);
    for (const email of ['ana.lopez+loans@mail.example.co', "o'brien@example.org", 'josé@ejemplo.mx', 'ANA@Example.COM ']) {
      const r = await createUser({ email });
      expect([email, r.data.createUser.userErrors]).toEqual([email, []]);
    }
  });

  test('a password made only of spaces, control or invisible characters, or with a lone surrogate, is refused with INVALID_PASSWORD; too short stays WEAK_PASSWORD', async () => {
    const before = await counts();
    for (const password of [' '.repeat(12), '\t\n\r\u000B\u000C'.repeat(3), '\u0000'.repeat(12), '\u200B\u2060\uFEFF'.repeat(4), '\u00A0\u3000'.repeat(6), 'long-enough-\uD800-pw']) {
      const r = await createUser({ password });
      expect(r.data.createUser.userErrors).toEqual([expect.objectContaining({ code: 'INVALID_PASSWORD', field: 'password' })]);
    }
    expect((await createUser({ password: 'short' })).data.createUser.userErrors).toEqual([expect.objectContaining({ code: 'WEAK_PASSWORD', field: 'password' })]);
    expect(await counts()).toEqual(before);
  });

  test('an update with hostile text changes nothing, and its answer names the field', async () => {
    const user = await h.createUser(a.token, { email: 'target@example.com', displayName: 'Target', roles: ['staff'], password: 'target-password-1' });
    const before = await counts();
    const [row] = await h.adminSql('select email, display_name, password_hash, updated_at from identity.users where id = $1', [user.id]);
    const UPDATE = `mutation($input: UpdateUserInput!) { updateUser(input: $input) { user { id } userErrors { code field } } }`;
    const cases: [Record<string, unknown>, string, string][] = [
      [{ displayName: 'Tar\u202Eget' }, 'INVALID_DISPLAY_NAME', 'displayName'],
      [{ email: 'tar\u0000get@example.com' }, 'INVALID_EMAIL', 'email'],
      [{ password: '\u0000'.repeat(16) }, 'INVALID_PASSWORD', 'password'],
    ];
    for (const [change, code, field] of cases) {
      const r = await h.call(UPDATE, { input: { id: user.id, ...change } }, a.token);
      expect(r.errors).toBeUndefined();
      expect(r.data.updateUser).toEqual({ user: null, userErrors: [{ code, field }] });
    }
    expect(await h.adminSql('select email, display_name, password_hash, updated_at from identity.users where id = $1', [user.id])).toEqual([row]);
    expect(await counts()).toEqual(before);
  });

  test('tenant and API key names with hostile text are refused with INVALID_NAME, and nothing is written', async () => {
    const platform = await h.platformToken();
    const before = await counts();
    for (const [, text] of HOSTILE_TEXT) {
      const t = await h.call(CREATE_TENANT, { input: { slug: 'hostile', name: text } }, platform);
      expect(t.data.createTenant.userErrors).toEqual([expect.objectContaining({ code: 'INVALID_NAME', field: 'name' })]);
      const k = await h.call(`mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { apiKey { id } userErrors { code field } } }`, { input: { name: text, scopes: ['audit:read'] } }, a.token);
      expect(k.data.createApiKey).toEqual({ apiKey: null, userErrors: [{ code: 'INVALID_NAME', field: 'name' }] });
    }
    const rename = await h.call(`mutation($input: UpdateTenantInput!) { updateTenant(input: $input) { tenant { id } userErrors { code field } } }`, { input: { id: a.tenantId, name: 'Acme\u001B[2J' } }, platform);
    expect(rename.data.updateTenant).toEqual({ tenant: null, userErrors: [{ code: 'INVALID_NAME', field: 'name' }] });
    expect(await counts()).toEqual(before);
    expect((await h.adminSql('select name from identity.tenants where id = $1', [a.tenantId]))[0].name).toBe('Tenant inputs-a');
  });

  test('sign-in with hostile text in the e-mail or the tenant slug is a typed refusal, never an internal error, and counts nothing', async () => {
    // Attempts counted against the caller's address (the fuzz found a hostile slug counted there).
    const addressAttempts = async () => (await h.adminSql(`select count(*)::int as rows, coalesce(sum(cardinality(attempts)), 0)::int as attempts from identity.login_address_throttle`))[0];
    const attemptsBefore = await addressAttempts();
    const before = await counts();
    for (const [, text] of HOSTILE_TEXT) {
      const bad = await h.call(LOGIN, { input: { tenantSlug: 'inputs-a', email: `${text}@example.com`, password: 'whatever-password' } });
      expect(bad.errors).toBeUndefined();
      expect(bad.data.login.userErrors).toEqual([{ code: 'INVALID_EMAIL', message: 'The email address is not valid', field: 'email' }]);
      const slug = await h.call(LOGIN, { input: { tenantSlug: `inputs${text}`, email: a.adminEmail, password: 'admin-password-1' } });
      expect(slug.errors).toBeUndefined();
      expect(slug.data.login.userErrors.map((e: any) => e.code)).toEqual(['INVALID_CREDENTIALS']);
    }
    expect(await counts()).toEqual(before);
    expect(await addressAttempts()).toEqual(attemptsBefore);
    expect(await h.adminSql(`select * from identity.login_account_throttle where tenant_id = $1`, [a.tenantId])).toEqual([]);
  });

  test('sign-in with a password no account can have is refused before anything is counted or published', async () => {
    const addressAttempts = async () => (await h.adminSql(`select count(*)::int as rows, coalesce(sum(cardinality(attempts)), 0)::int as attempts from identity.login_address_throttle`))[0];
    const attemptsBefore = await addressAttempts();
    const before = await counts();
    // Not a password at all: named; a length outside the rule: the ordinary wrong-credentials answer.
    const cases: [string, string, string | null][] = [['\uDFFF', 'INVALID_PASSWORD', 'password'], ['\u0007\u0008\u001b', 'INVALID_PASSWORD', 'password'],
      ['a'.repeat(100_000), 'INVALID_CREDENTIALS', null], ['\u0007bell', 'INVALID_CREDENTIALS', null]];
    for (const [password, code, field] of cases) {
      const r = await h.call(LOGIN, { input: { tenantSlug: 'inputs-a', email: a.adminEmail, password } });
      expect(r.errors).toBeUndefined();
      expect(r.data.login.userErrors).toEqual([expect.objectContaining({ code, field })]);
    }
    expect(await counts()).toEqual(before);
    expect(await addressAttempts()).toEqual(attemptsBefore);
    expect(await h.adminSql(`select * from identity.login_account_throttle where tenant_id = $1`, [a.tenantId])).toEqual([]);
  });

  test('a users filter with NUL or a lone surrogate is BAD_USER_INPUT naming the argument', async () => {
    const USERS = `query($filter: UserFilter) { users(first: 5, filter: $filter) { edges { node { id } } } }`;
    for (const [filter, field] of [[{ search: 'ana\u0000' }, 'filter.search'], [{ search: '\uDFFF' }, 'filter.search'], [{ role: 'staff\u0000' }, 'filter.role']] as const) {
      const r = await h.call(USERS, { filter }, a.token);
      expect(r.errors?.map((e) => [e.extensions?.code, e.extensions?.field])).toEqual([['BAD_USER_INPUT', field]]);
    }
  });

  test('messages with details keep them in Spanish', async () => {
    const r = await h.call(CREATE_USER, { input: { email: 'es@example.com', displayName: 'Es', roles: ['staff'], password: 'corta' } }, a.token, { 'accept-language': 'es-MX,es;q=0.9' });
    expect(r.data.createUser.userErrors).toEqual([{ code: 'WEAK_PASSWORD', message: 'La contraseña debe tener de 10 a 1024 caracteres.', field: 'password' }]);
    const hostile = await h.call(CREATE_USER, { input: { email: 'es@example.com', displayName: 'E\u202Es', roles: ['staff'], password: 'larga-contrasena-1' } }, a.token, { 'accept-language': 'es' });
    expect(hostile.data.createUser.userErrors[0].message).toMatch(/^El nombre debe tener de 1 a 120 caracteres/);
  });
});
