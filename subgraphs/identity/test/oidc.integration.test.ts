/**
 * Single sign-on through a tenant's Keycloak realm (src/oidc/), through GraphQL on the real
 * database and bus, against a local server that plays Keycloak's documented endpoints
 * (platform/src/testing/fake-keycloak.ts): the login form is driven over HTTP like a browser.
 */
import crypto from 'node:crypto';
import { inTenantTx } from '@imagy/platform/db';
import { gql, pkcePair, startFakeKeycloak, type FakeKeycloak } from '@imagy/platform/testing';
import { startIdentity } from '../src/app';
import { claimsOf, startHarness, type Harness } from './harness';

// The fake realm listens on 127.0.0.1 over http: this suite's identity allows private issuers (the
// refusal without the flag is tested on a second instance below).
process.env.IDENTITY_ALLOW_PRIVATE_OIDC_URLS = '1';
process.env.IDENTITY_OIDC_KEY_REFETCH_MS = '0';

const CONFIGURE = `mutation($input: ConfigureOidcProviderInput!) { configureOidcProvider(input: $input) {
  provider { issuer clientId hasClientSecret rolesClaim roleMappings { idpRole roles } autoCreateUsers enabled updatedAt } userErrors { code message field } } }`;
const PROVIDER = `{ oidcProvider { issuer clientId hasClientSecret rolesClaim roleMappings { idpRole roles } enabled } }`;
const OPTIONS = `query($tenantSlug: String, $host: String) { oidcLoginOptions(tenantSlug: $tenantSlug, host: $host) { tenantSlug issuer authorizationEndpoint clientId scopes } }`;
const COMPLETE = `mutation($input: CompleteOidcLoginInput!) { completeOidcLogin(input: $input) {
  accessToken refreshToken expiresAt user { id email roles tenantId } userErrors { code message field } } }`;
const REFRESH = `mutation($input: RefreshTokenInput!) { refreshToken(input: $input) { accessToken refreshToken userErrors { code } } }`;

const REDIRECT = 'http://console.test/console/auth/callback';
const SECRET = 'kc-client-secret-0123456789abcdef';
const MAPPINGS = [{ idpRole: 'kc-staff', roles: ['staff'] }, { idpRole: 'kc-audit', roles: ['auditor'] }, { idpRole: 'kc-admin', roles: ['tenant_admin', 'staff'] }];

describe('identity: single sign-on through a Keycloak realm (OIDC code flow with PKCE)', () => {
  let h: Harness;
  let kc: FakeKeycloak;
  let a: Awaited<ReturnType<Harness['newTenant']>>;
  let b: Awaited<ReturnType<Harness['newTenant']>>;

  beforeAll(async () => {
    h = await startHarness('idoidc');
    kc = await startFakeKeycloak({ realm: 'acme' });
    kc.addClient({ clientId: 'console-a', secret: SECRET, redirectUris: ['http://console.test/*'] });
    kc.addClient({ clientId: 'console-b', redirectUris: ['http://console.test/*'] });
    a = await h.newTenant('sso-a');
    b = await h.newTenant('sso-b');
    const r = await h.call(CONFIGURE, { input: { issuer: kc.issuer, clientId: 'console-a', clientSecret: SECRET, roleMappings: MAPPINGS } }, a.token);
    expect(r.data.configureOidcProvider.userErrors).toEqual([]);
  });
  afterAll(async () => {
    await kc?.close();
    await h?.close();
  });

  /** What the console does: options, PKCE pair, nonce and state, the realm's form, back with the code. */
  async function signInAtRealm(tenantSlug: string, username: string, password = 'kc-password') {
    const r = await h.call(OPTIONS, { tenantSlug });
    const options = r.data.oidcLoginOptions;
    const { verifier, challenge } = pkcePair();
    const nonce = crypto.randomBytes(16).toString('base64url');
    const state = crypto.randomBytes(16).toString('base64url');
    const url = new URL(options.authorizationEndpoint);
    for (const [k, v] of Object.entries({ client_id: options.clientId, redirect_uri: REDIRECT, response_type: 'code', scope: options.scopes.join(' '), state, nonce, code_challenge: challenge, code_challenge_method: 'S256' })) url.searchParams.set(k, v);
    const back = await kc.signIn(url.toString(), username, password);
    expect(back.state).toBe(state);
    return { tenantSlug, code: back.code, codeVerifier: verifier, redirectUri: REDIRECT, nonce };
  }
  const complete = (input: Record<string, unknown>, headers?: Record<string, string>) => h.call(COMPLETE, { input }, undefined, headers);
  const newRealmUser = (email: string, realmRoles: string[], extra: { emailVerified?: boolean } = {}) =>
    kc.addUser({ username: email.split('@')[0]!, password: 'kc-password', email, realmRoles, ...extra });

  test('a realm user whose verified e-mail is a user of the tenant signs in with Imagy tokens carrying the mapped roles; the link, refresh rotation and the OIDC login event follow', async () => {
    const local = await h.createUser(a.token, { email: 'ines@sso-a.test', displayName: 'Ines', roles: ['borrower'], password: 'local-password-1' });
    const realmUser = newRealmUser('ines@sso-a.test', ['kc-staff', 'kc-audit', 'offline_access']);
    const certsBefore = kc.requests.filter((r) => r.endsWith('/certs')).length;
    const r = await complete(await signInAtRealm('sso-a', 'ines'));
    const payload = r.data.completeOidcLogin;
    expect(payload.userErrors).toEqual([]);
    expect(payload.user).toEqual({ id: local.id, email: 'ines@sso-a.test', roles: ['staff', 'auditor'], tenantId: a.tenantId });
    // Imagy's own token (our issuer and key), not Keycloak's.
    const claims = claimsOf(payload.accessToken);
    expect(claims).toMatchObject({ sub: local.id, tid: a.tenantId, roles: ['staff', 'auditor'], iss: h.issuer.issuer, aud: h.issuer.audience });
    expect((await h.call(`{ me { id roles } }`, {}, payload.accessToken)).data.me).toEqual({ id: local.id, roles: ['staff', 'auditor'] });
    // The same rotation as a password session: the new pair works, the old refresh token is dead.
    const rotated = await h.call(REFRESH, { input: { refreshToken: payload.refreshToken } });
    expect(rotated.data.refreshToken.userErrors).toEqual([]);
    expect((await h.call(REFRESH, { input: { refreshToken: payload.refreshToken } })).data.refreshToken.userErrors).toEqual([{ code: 'INVALID_REFRESH_TOKEN' }]);
    expect(await h.adminSql('select user_id, issuer, subject from identity.oidc_links where subject = $1', [realmUser.sub])).toEqual([{ user_id: local.id, issuer: kc.issuer, subject: realmUser.sub }]);
    const events = await h.adminSql(`select envelope from identity.outbox where subject = 'identity.user.login_succeeded' and envelope->'data'->>'userId' = $1`, [local.id]);
    expect(events.map((e) => e.envelope.data)).toEqual([expect.objectContaining({ userId: local.id, email: 'ines@sso-a.test', method: 'OIDC' })]);
    const updated = await h.adminSql(`select envelope from identity.outbox where subject = 'identity.user.updated' and envelope->'data'->>'userId' = $1`, [local.id]);
    expect(updated.map((e) => e.envelope.data.changes)).toEqual([['roles']]);
    // The realm's keys were fetched once at most, then cached.
    expect(kc.requests.filter((r) => r.endsWith('/certs')).length - certsBefore).toBeLessThanOrEqual(1);

    // The second sign-in finds the user by the link (sub), even after the realm changed the e-mail.
    realmUser.email = 'ines.new@sso-a.test';
    const again = await complete(await signInAtRealm('sso-a', 'ines'));
    expect(again.data.completeOidcLogin.user).toMatchObject({ id: local.id });
  });

  test('a code presented with the wrong PKCE verifier is refused by the realm: OIDC_CODE_REJECTED, a failure event, no session, and nothing of the realm\'s answer', async () => {
    await h.createUser(a.token, { email: 'jon@sso-a.test', displayName: 'Jon', roles: ['staff'], password: 'local-password-1' });
    newRealmUser('jon@sso-a.test', ['kc-staff']);
    const input = await signInAtRealm('sso-a', 'jon');
    const sessionsBefore = (await h.adminSql('select count(*)::int as n from identity.refresh_tokens where tenant_id = $1', [a.tenantId]))[0].n;
    const r = await complete({ ...input, codeVerifier: pkcePair().verifier });
    expect(r.data.completeOidcLogin).toEqual({ accessToken: null, refreshToken: null, expiresAt: null, user: null, userErrors: [{ code: 'OIDC_CODE_REJECTED', message: expect.any(String), field: null }] });
    expect(JSON.stringify(r)).not.toMatch(/PKCE|invalid_grant|mismatch/i);
    // The code was single use at the realm: the right verifier no longer helps either.
    expect((await complete(input)).data.completeOidcLogin.userErrors[0].code).toBe('OIDC_CODE_REJECTED');
    expect((await h.adminSql('select count(*)::int as n from identity.refresh_tokens where tenant_id = $1', [a.tenantId]))[0].n).toBe(sessionsBefore);
    const failed = await h.adminSql(`select envelope from identity.outbox where subject = 'identity.user.login_failed' and envelope->'data'->>'method' = 'OIDC' and envelope->>'tenantId' = $1`, [a.tenantId]);
    expect(failed.map((e) => e.envelope.data.reason)).toEqual(expect.arrayContaining(['OIDC_REJECTED']));
  });

  test('an ID token with another nonce, expired, for another audience or signed by a key the realm never published is refused with OIDC_INVALID_ID_TOKEN, in Spanish too', async () => {
    await h.createUser(a.token, { email: 'kim@sso-a.test', displayName: 'Kim', roles: ['staff'], password: 'local-password-1' });
    newRealmUser('kim@sso-a.test', ['kc-staff']);
    for (const tamper of [{ nonce: 'another-nonce-0123456789' }, { expired: true }, { audience: 'some-other-client' }, { foreignKey: true }, { issuer: 'https://evil.test/realms/acme' }]) {
      const input = await signInAtRealm('sso-a', 'kim');
      kc.tamperNextIdToken(tamper);
      const r = await complete(input, { 'accept-language': 'es' });
      expect({ tamper, errors: r.data.completeOidcLogin.userErrors }).toEqual({ tamper, errors: [{ code: 'OIDC_INVALID_ID_TOKEN', message: 'No se pudo verificar la respuesta del proveedor de identidad. Inicie sesión de nuevo.', field: null }] });
      expect(r.data.completeOidcLogin.accessToken).toBeNull();
    }
    // The nonce the flow started with is required, and checked against the token.
    const input = await signInAtRealm('sso-a', 'kim');
    expect((await complete({ ...input, nonce: 'a-different-nonce-xyz0' })).data.completeOidcLogin.userErrors[0].code).toBe('OIDC_INVALID_ID_TOKEN');
  });

  test('after the realm rotates its keys, the new key id is fetched and the sign-in succeeds', async () => {
    await h.createUser(a.token, { email: 'lia@sso-a.test', displayName: 'Lia', roles: ['staff'], password: 'local-password-1' });
    newRealmUser('lia@sso-a.test', ['kc-staff']);
    expect((await complete(await signInAtRealm('sso-a', 'lia'))).data.completeOidcLogin.userErrors).toEqual([]);
    await kc.rotateKeys();
    const before = kc.requests.filter((r) => r.endsWith('/certs')).length;
    const r = await complete(await signInAtRealm('sso-a', 'lia'));
    expect(r.data.completeOidcLogin.userErrors).toEqual([]);
    expect(kc.requests.filter((r) => r.endsWith('/certs')).length).toBe(before + 1);
  });

  test('a realm user with no user in the tenant, or whose e-mail is not verified, gets OIDC_UNKNOWN_USER and no user is created', async () => {
    newRealmUser('nobody@sso-a.test', ['kc-staff']);
    await h.createUser(a.token, { email: 'unverified@sso-a.test', displayName: 'U', roles: ['staff'], password: 'local-password-1' });
    newRealmUser('unverified@sso-a.test', ['kc-staff'], { emailVerified: false });
    for (const who of ['nobody', 'unverified']) {
      const r = await complete(await signInAtRealm('sso-a', who));
      expect(r.data.completeOidcLogin.userErrors.map((e: { code: string }) => e.code)).toEqual(['OIDC_UNKNOWN_USER']);
    }
    expect(await h.adminSql(`select id from identity.users where email = 'nobody@sso-a.test'`)).toEqual([]);
    expect(await h.adminSql(`select subject from identity.oidc_links l join identity.users u on u.id = l.user_id where u.email = 'unverified@sso-a.test'`)).toEqual([]);
    const failed = await h.adminSql(`select envelope from identity.outbox where subject = 'identity.user.login_failed' and envelope->'data'->>'email' = 'nobody@sso-a.test'`);
    expect(failed.map((e) => e.envelope.data)).toEqual([expect.objectContaining({ reason: 'UNKNOWN_USER', userId: null, method: 'OIDC' })]);
  });

  test('with autoCreateUsers a verified realm user without a user gets one with the mapped roles and no usable password; a disabled user is refused with OIDC_USER_DISABLED', async () => {
    const t = await h.newTenant('sso-auto');
    const r = await h.call(CONFIGURE, { input: { issuer: kc.issuer, clientId: 'console-b', roleMappings: MAPPINGS, autoCreateUsers: true } }, t.token);
    expect(r.data.configureOidcProvider.provider.autoCreateUsers).toBe(true);
    newRealmUser('new.hire@sso-auto.test', ['kc-audit']);
    const created = await complete(await signInAtRealm('sso-auto', 'new.hire'));
    expect(created.data.completeOidcLogin.userErrors).toEqual([]);
    expect(created.data.completeOidcLogin.user).toMatchObject({ email: 'new.hire@sso-auto.test', roles: ['auditor'], tenantId: t.tenantId });
    const userId = created.data.completeOidcLogin.user.id;
    expect((await h.adminSql(`select envelope from identity.outbox where subject = 'identity.user.created' and envelope->'data'->>'userId' = $1`, [userId])).map((e) => e.envelope.data.roles)).toEqual([['auditor']]);
    // No password was ever set: a password sign-in cannot succeed.
    expect((await h.login('sso-auto', 'new.hire@sso-auto.test', '!oidc-is-no-password')).userErrors[0].code).toBe('INVALID_CREDENTIALS');
    expect((await h.call(`mutation($input: DisableUserInput!) { disableUser(input: $input) { userErrors { code } } }`, { input: { id: userId } }, t.token)).data.disableUser.userErrors).toEqual([]);
    expect((await complete(await signInAtRealm('sso-auto', 'new.hire'))).data.completeOidcLogin.userErrors.map((e: { code: string }) => e.code)).toEqual(['OIDC_USER_DISABLED']);
  });

  test('roles the mapping does not know grant nothing: OIDC_NO_ROLE', async () => {
    await h.createUser(a.token, { email: 'max@sso-a.test', displayName: 'Max', roles: ['staff'], password: 'local-password-1' });
    newRealmUser('max@sso-a.test', ['offline_access', 'uma_authorization']);
    expect((await complete(await signInAtRealm('sso-a', 'max'))).data.completeOidcLogin.userErrors.map((e: { code: string }) => e.code)).toEqual(['OIDC_NO_ROLE']);
  });

  test('tenant B\'s provider cannot sign anyone into tenant A: a code of B\'s client is refused at A, and B finds only B\'s users', async () => {
    const inA = await h.createUser(a.token, { email: 'ola@shared.test', displayName: 'Ola', roles: ['staff'], password: 'local-password-1' });
    newRealmUser('ola@shared.test', ['kc-staff']);
    const r = await h.call(CONFIGURE, { input: { issuer: kc.issuer, clientId: 'console-b', roleMappings: [{ idpRole: 'kc-staff', roles: ['staff'] }] } }, b.token);
    expect(r.data.configureOidcProvider.userErrors).toEqual([]);
    const atB = await signInAtRealm('sso-b', 'ola');
    // B has no user with that e-mail (A's user is invisible under B's RLS scope).
    expect((await complete(atB)).data.completeOidcLogin.userErrors.map((e: { code: string }) => e.code)).toEqual(['OIDC_UNKNOWN_USER']);
    // B's code presented to A: A's client is another client at the realm, so the code is refused.
    const again = await signInAtRealm('sso-b', 'ola');
    const intoA = await complete({ ...again, tenantSlug: 'sso-a' });
    expect(intoA.data.completeOidcLogin.userErrors.map((e: { code: string }) => e.code)).toEqual(['OIDC_CODE_REJECTED']);
    expect(await h.adminSql('select user_id from identity.oidc_links where user_id = $1', [inA.id])).toEqual([]);
    // Each admin sees their own provider; B's transaction neither reads nor changes A's row (forced RLS).
    expect((await h.call(PROVIDER, {}, b.token)).data.oidcProvider).toMatchObject({ clientId: 'console-b', hasClientSecret: false });
    expect((await h.call(PROVIDER, {}, a.token)).data.oidcProvider).toMatchObject({ clientId: 'console-a', hasClientSecret: true });
    const seen = await inTenantTx(h.identity.orm, { tenantId: b.tenantId }, async (em) => ({
      read: await em.execute(`select tenant_id from oidc_providers where tenant_id = ?`, [a.tenantId]),
      changed: await em.execute(`update oidc_providers set enabled = false where tenant_id = ? returning tenant_id`, [a.tenantId]),
    }));
    expect(seen).toEqual({ read: [], changed: [] });
    await expect(inTenantTx(h.identity.orm, { tenantId: b.tenantId }, (em) =>
      em.execute(`insert into oidc_links (tenant_id, issuer, subject, user_id) values (?, 'x', 'y', ?)`, [a.tenantId, inA.id]))).rejects.toThrow(/row-level security/);
  });

  test('the client secret is sealed at rest and never returned; omitting it keeps it, an empty string removes it', async () => {
    const t = await h.newTenant('sso-secret');
    const r = await h.call(CONFIGURE, { input: { issuer: kc.issuer, clientId: 'console-a', clientSecret: SECRET, roleMappings: MAPPINGS } }, t.token);
    expect(r.data.configureOidcProvider.provider).toMatchObject({ hasClientSecret: true, rolesClaim: 'realm_access.roles', enabled: true, autoCreateUsers: false });
    expect(JSON.stringify(r)).not.toContain(SECRET);
    const [row] = await h.adminSql('select client_secret_sealed from identity.oidc_providers where tenant_id = $1', [t.tenantId]);
    expect(row.client_secret_sealed).toMatch(/^v1\./);
    expect(row.client_secret_sealed).not.toContain(SECRET);
    expect(row.client_secret_sealed).not.toContain(Buffer.from(SECRET).toString('base64url').slice(0, 12));
    expect(JSON.stringify(await h.adminSql('select envelope from identity.outbox'))).not.toContain(SECRET);
    const kept = await h.call(CONFIGURE, { input: { issuer: kc.issuer, clientId: 'console-a', roleMappings: MAPPINGS, enabled: false } }, t.token);
    expect(kept.data.configureOidcProvider.provider).toMatchObject({ hasClientSecret: true, enabled: false });
    const removed = await h.call(CONFIGURE, { input: { issuer: kc.issuer, clientId: 'console-a', clientSecret: '', roleMappings: MAPPINGS } }, t.token);
    expect(removed.data.configureOidcProvider.provider.hasClientSecret).toBe(false);
    // Each change is an audited event, without the secret.
    const events = await h.adminSql(`select envelope from identity.outbox where subject = 'identity.oidc_provider.configured' and envelope->>'tenantId' = $1 order by created_at`, [t.tenantId]);
    expect(events.map((e) => [e.envelope.actor.userId, e.envelope.data.hasClientSecret, e.envelope.data.secretChanged])).toEqual([[t.adminId, true, true], [t.adminId, true, false], [t.adminId, false, true]]);
    expect(events[0].envelope.data.mappedIdpRoles).toEqual(['kc-admin', 'kc-audit', 'kc-staff']);
  });

  test('a disabled provider offers no sign-on and refuses completion with OIDC_NOT_CONFIGURED; oidcLoginOptions answers by slug or host and null otherwise', async () => {
    expect((await h.call(OPTIONS, { host: 'sso-a.example.test:5173' })).data.oidcLoginOptions).toEqual({
      tenantSlug: 'sso-a', issuer: kc.issuer, authorizationEndpoint: `${kc.issuer}/protocol/openid-connect/auth`, clientId: 'console-a', scopes: ['openid', 'email', 'profile'],
    });
    expect((await h.call(OPTIONS, { tenantSlug: 'no-such-tenant' })).data.oidcLoginOptions).toBeNull();
    expect((await h.call(OPTIONS, { tenantSlug: 'demo' })).data.oidcLoginOptions).toBeNull();
    const t = await h.newTenant('sso-off');
    await h.createUser(t.token, { email: 'pat@sso-off.test', displayName: 'Pat', roles: ['staff'], password: 'local-password-1' });
    newRealmUser('pat@sso-off.test', ['kc-staff']);
    await h.call(CONFIGURE, { input: { issuer: kc.issuer, clientId: 'console-b', roleMappings: MAPPINGS } }, t.token);
    const input = await signInAtRealm('sso-off', 'pat');
    await h.call(CONFIGURE, { input: { issuer: kc.issuer, clientId: 'console-b', roleMappings: MAPPINGS, enabled: false } }, t.token);
    expect((await h.call(OPTIONS, { tenantSlug: 'sso-off' })).data.oidcLoginOptions).toBeNull();
    expect((await complete(input)).data.completeOidcLogin.userErrors).toEqual([{ code: 'OIDC_NOT_CONFIGURED', message: expect.any(String), field: 'tenantSlug' }]);
  });

  test('configuration is for tenant admins, validated field by field, and writes nothing when refused', async () => {
    const staff = await h.createUser(a.token, { email: 'quin@sso-a.test', displayName: 'Quin', roles: ['staff'], password: 'local-password-1' });
    const staffToken = (await h.login('sso-a', staff.email, 'local-password-1')).accessToken;
    const forbidden = await h.call(CONFIGURE, { input: { issuer: kc.issuer, clientId: 'x', roleMappings: [] } }, staffToken);
    expect(forbidden.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect((await h.call(PROVIDER, {}, staffToken)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const t = await h.newTenant('sso-bad');
    const bad = await h.call(CONFIGURE, { input: {
      issuer: 'ftp://kc.example/realms/x', clientId: 'has space', clientSecret: 'bad secret', rolesClaim: 'realm access', roleMappings: [{ idpRole: 'kc-root', roles: ['platform_admin'] }],
    } }, t.token);
    expect(bad.data.configureOidcProvider.userErrors.map((e: { code: string; field: string }) => [e.code, e.field])).toEqual([
      ['OIDC_INVALID_ISSUER', 'issuer'], ['OIDC_INVALID_CLIENT_ID', 'clientId'], ['OIDC_INVALID_CLIENT_SECRET', 'clientSecret'],
      ['OIDC_INVALID_ROLES_CLAIM', 'rolesClaim'], ['OIDC_INVALID_ROLE_MAPPING', 'roleMappings.0'],
    ]);
    // An issuer whose discovery names another issuer (a wrong realm path) is refused too.
    const wrongRealm = await h.call(CONFIGURE, { input: { issuer: `${kc.issuer}-other`, clientId: 'console-a', roleMappings: MAPPINGS } }, t.token);
    expect(wrongRealm.data.configureOidcProvider.userErrors).toEqual([{ code: 'OIDC_ISSUER_UNREACHABLE', message: expect.any(String), field: 'issuer' }]);
    expect(await h.adminSql('select tenant_id from identity.oidc_providers where tenant_id = $1', [t.tenantId])).toEqual([]);
  });

  test('malformed completion input is refused naming the field, before the realm is called', async () => {
    const calls = kc.requests.length;
    const good = { tenantSlug: 'sso-a', code: 'abc', codeVerifier: 'v'.repeat(43), redirectUri: REDIRECT, nonce: 'n'.repeat(16) };
    for (const [field, value] of [['code', 'a b'], ['codeVerifier', 'short'], ['redirectUri', 'javascript:alert(1)'], ['nonce', '\u0000'.repeat(20)]] as const) {
      const r = await complete({ ...good, [field]: value });
      expect(r.data.completeOidcLogin.userErrors).toEqual([{ code: 'OIDC_INVALID_REQUEST', message: expect.any(String), field }]);
    }
    expect(kc.requests.length).toBe(calls);
    // One completion per operation, like login.
    const twice = await h.call(`mutation($input: CompleteOidcLoginInput!) { a: completeOidcLogin(input: $input) { accessToken } b: completeOidcLogin(input: $input) { accessToken } }`, { input: good });
    expect(twice.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(kc.requests.length).toBe(calls);
  });

  test('an issuer on a private or loopback address is refused without the allow flag, and nothing is written', async () => {
    const strict = await startIdentity({
      adminUrl: h.db.adminUrl, port: 0, host: '127.0.0.1', nc: h.bus.nc, ns: h.bus.ns, signer: h.bus.signer, verifier: h.issuer.verifier,
      signingKey: h.issuer.key, issuer: h.issuer.issuer, audience: h.issuer.audience, poolMax: 2,
      oidc: { secretKey: crypto.randomBytes(32), allowPrivate: false, timeoutMs: 2_000 },
    });
    try {
      const t = await h.newTenant('sso-strict');
      const call = (issuer: string) => gql(strict.url, CONFIGURE, { input: { issuer, clientId: 'console-a', roleMappings: MAPPINGS } }, { token: t.token });
      // Plain http is refused outright; https names that resolve to loopback or private addresses by the outbound guard.
      expect((await call(kc.issuer)).data.configureOidcProvider.userErrors.map((e: { code: string }) => e.code)).toEqual(['OIDC_INVALID_ISSUER']);
      for (const issuer of ['https://127.0.0.1:1/realms/acme', 'https://localhost/realms/acme', 'https://10.0.0.7/realms/acme', 'https://[::1]/realms/acme']) {
        const r = await call(issuer);
        expect({ issuer, errors: r.data.configureOidcProvider.userErrors }).toEqual({ issuer, errors: [{ code: 'OIDC_ISSUER_NOT_ALLOWED', message: expect.any(String), field: 'issuer' }] });
      }
      expect(await h.adminSql('select tenant_id from identity.oidc_providers where tenant_id = $1', [t.tenantId])).toEqual([]);
    } finally {
      await strict.stop();
    }
  });
});
