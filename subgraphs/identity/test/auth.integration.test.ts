import { claimsOf, DEMO_PASSWORD, LOGIN, PLATFORM_PASSWORD, startHarness, type Harness } from './harness';

const REFRESH = `mutation($input: RefreshTokenInput!) { refreshToken(input: $input) { accessToken refreshToken expiresAt user { id } userErrors { code field } } }`;
const LOGOUT = `mutation($input: LogoutInput!) { logout(input: $input) { success userErrors { code } } }`;

describe('identity: local token issuer (login, lockout, refresh, logout)', () => {
  let h: Harness;
  let t: Awaited<ReturnType<Harness['newTenant']>>;

  beforeAll(async () => {
    h = await startHarness('idauth');
    t = await h.newTenant('lender');
  });
  afterAll(async () => { await h?.close(); });

  const newUser = async (email: string, roles = ['borrower']) => h.createUser(t.token, { email, displayName: email, roles, password: 'right-password-1' });

  test('a successful login returns a 15 minute access token with sub, tid, roles and scope that works on me, and a refresh token', async () => {
    const user = await newUser('dana@example.com', ['staff', 'auditor']);
    const started = Math.floor(Date.now() / 1000);
    const session = await h.login('lender', 'Dana@Example.com', 'right-password-1');
    expect(session.userErrors).toEqual([]);
    expect(session.user).toEqual({ id: user.id, email: 'dana@example.com', roles: ['staff', 'auditor'], tenantId: t.tenantId });
    const claims = claimsOf(session.accessToken);
    expect(claims).toMatchObject({ sub: user.id, tid: t.tenantId, roles: ['staff', 'auditor'], iss: h.issuer.issuer, aud: h.issuer.audience, typ: 'access' });
    expect(claims.scope.split(' ')).toEqual(expect.arrayContaining(['users:read', 'lending:write', 'audit:read']));
    // The lifetime is read off the token itself (exp - iat), not a wall clock a loaded machine stretches.
    expect(claims.exp - claims.iat).toBe(900);
    expect(claims.iat).toBeGreaterThanOrEqual(started);
    expect(Date.parse(session.expiresAt) / 1000).toBeCloseTo(claims.exp, -1);
    expect(session.refreshToken).toMatch(new RegExp(`^${t.tenantId}\\.[A-Za-z0-9_-]{43}$`));
    const me = await h.call(`{ me { id email } }`, {}, session.accessToken);
    expect(me.data.me).toEqual({ id: user.id, email: 'dana@example.com' });
    const stored = await h.adminSql('select token_hash, extract(epoch from expires_at - created_at)::float as ttl from identity.refresh_tokens where user_id = $1', [user.id]);
    expect(stored).toHaveLength(1);
    expect(stored[0].token_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(stored[0].token_hash).not.toContain(session.refreshToken.split('.')[1]);
    expect(Math.abs(stored[0].ttl - 7 * 24 * 3600)).toBeLessThan(5);
  });

  test('an unknown email, an unknown tenant and a wrong password all get the same INVALID_CREDENTIALS error', async () => {
    await newUser('erin@example.com');
    const wrong = await h.login('lender', 'erin@example.com', 'wrong-password-1');
    const unknown = await h.login('lender', 'nobody@example.com', 'wrong-password-1');
    const noTenant = await h.login('no-such-tenant', 'erin@example.com', 'right-password-1');
    for (const r of [wrong, unknown, noTenant]) {
      expect(r).toEqual({ accessToken: null, refreshToken: null, expiresAt: null, user: null, userErrors: [{ code: 'INVALID_CREDENTIALS', message: 'The email or the password is not correct', field: null }] });
    }
    const failed = await h.adminSql(`select envelope from identity.outbox where subject = 'identity.user.login_failed' and envelope->'data'->>'email' = 'nobody@example.com'`);
    expect(failed).toHaveLength(1);
    expect(failed[0].envelope).toMatchObject({ tenantId: t.tenantId, actor: { kind: 'anonymous', userId: null }, data: { userId: null, reason: 'BAD_CREDENTIALS' } });
  });

  test('five wrong passwords lock the account for 15 minutes, so the sixth attempt with the right password is refused', async () => {
    const user = await newUser('frank@example.com');
    const codes: string[] = [];
    for (let i = 0; i < 5; i++) codes.push((await h.login('lender', 'frank@example.com', `wrong-password-${i}`)).userErrors[0].code);
    expect(codes).toEqual(['INVALID_CREDENTIALS', 'INVALID_CREDENTIALS', 'INVALID_CREDENTIALS', 'INVALID_CREDENTIALS', 'ACCOUNT_LOCKED']);
    const sixth = await h.login('lender', 'frank@example.com', 'right-password-1');
    expect(sixth.accessToken).toBeNull();
    expect(sixth.userErrors.map((e: any) => e.code)).toEqual(['ACCOUNT_LOCKED']);
    const [row] = await h.adminSql(`select extract(epoch from locked_until - now()) as remaining from identity.users where id = $1`, [user.id]);
    expect(Number(row.remaining)).toBeGreaterThan(14 * 60);
    expect(Number(row.remaining)).toBeLessThanOrEqual(15 * 60);
    const seen = await h.call(`query($id: ID!) { user(id: $id) { lockedUntil } }`, { id: user.id }, t.token);
    expect(seen.data.user.lockedUntil).not.toBeNull();
    const locked = await h.adminSql(`select envelope->'data' as data from identity.outbox where subject = 'identity.user.locked' and envelope->'data'->>'userId' = $1`, [user.id]);
    expect(locked).toHaveLength(1);
    // An admin setting a new password lifts the lock.
    const reset = await h.call(`mutation($input: UpdateUserInput!) { updateUser(input: $input) { user { lockedUntil } userErrors { code } } }`, { input: { id: user.id, password: 'brand-new-password' } }, t.token);
    expect(reset.data.updateUser).toEqual({ user: { lockedUntil: null }, userErrors: [] });
    expect((await h.login('lender', 'frank@example.com', 'brand-new-password')).userErrors).toEqual([]);
  });

  test('a successful login resets the count of consecutive failures', async () => {
    await newUser('gina@example.com');
    for (let i = 0; i < 4; i++) await h.login('lender', 'gina@example.com', 'nope-nope-nope');
    expect((await h.login('lender', 'gina@example.com', 'right-password-1')).userErrors).toEqual([]);
    const codes: string[] = [];
    for (let i = 0; i < 4; i++) codes.push((await h.login('lender', 'gina@example.com', 'nope-nope-nope')).userErrors[0].code);
    expect(codes).toEqual(Array(4).fill('INVALID_CREDENTIALS'));
    expect((await h.login('lender', 'gina@example.com', 'right-password-1')).userErrors).toEqual([]);
  });

  test('a refresh token is exchanged once for a new pair, and presenting it again ends the whole session', async () => {
    const user = await newUser('hugo@example.com');
    const first = await h.login('lender', 'hugo@example.com', 'right-password-1');
    const second = (await h.call(REFRESH, { input: { refreshToken: first.refreshToken } })).data.refreshToken;
    expect(second.userErrors).toEqual([]);
    expect(second.user).toEqual({ id: user.id });
    expect(second.refreshToken).not.toEqual(first.refreshToken);
    expect(claimsOf(second.accessToken).sub).toBe(user.id);
    expect((await h.call(`{ me { id } }`, {}, second.accessToken)).data.me).toEqual({ id: user.id });
    const third = (await h.call(REFRESH, { input: { refreshToken: second.refreshToken } })).data.refreshToken;
    expect(third.userErrors).toEqual([]);

    // Reuse of an already rotated token (theft): refused, and the newest token of the family dies too.
    const reuse = (await h.call(REFRESH, { input: { refreshToken: first.refreshToken } })).data.refreshToken;
    expect(reuse).toEqual({ accessToken: null, refreshToken: null, expiresAt: null, user: null, userErrors: [{ code: 'INVALID_REFRESH_TOKEN', field: 'refreshToken' }] });
    const afterTheft = (await h.call(REFRESH, { input: { refreshToken: third.refreshToken } })).data.refreshToken;
    expect(afterTheft.userErrors.map((e: any) => e.code)).toEqual(['INVALID_REFRESH_TOKEN']);
    const reasons = await h.adminSql('select revoke_reason from identity.refresh_tokens where user_id = $1 order by created_at', [user.id]);
    expect(reasons.map((r) => r.revoke_reason)).toEqual(['ROTATED', 'ROTATED', 'REUSE_DETECTED']);
    const reused = await h.adminSql(`select envelope->'data' as data from identity.outbox where subject = 'identity.user.refresh_token_reused' and envelope->'data'->>'userId' = $1`, [user.id]);
    expect(reused).toHaveLength(1);

    // Another session of the same user is untouched.
    const other = await h.login('lender', 'hugo@example.com', 'right-password-1');
    expect((await h.call(REFRESH, { input: { refreshToken: other.refreshToken } })).data.refreshToken.userErrors).toEqual([]);
  });

  test('malformed, forged and cross-tenant refresh tokens are refused', async () => {
    const session = await h.login('lender', t.adminEmail, 'admin-password-1');
    const [, secret] = session.refreshToken.split('.');
    for (const token of ['', 'garbage', `${h.seed.demoTenantId}.${secret}`, `${t.tenantId}.${'A'.repeat(43)}`, `${t.tenantId}.${secret}x`]) {
      const r = await h.call(REFRESH, { input: { refreshToken: token } });
      expect(r.data.refreshToken.userErrors.map((e: any) => e.code)).toEqual(['INVALID_REFRESH_TOKEN']);
    }
    expect((await h.call(REFRESH, { input: { refreshToken: session.refreshToken } })).data.refreshToken.userErrors).toEqual([]);
  });

  test('logout ends the session of a refresh token', async () => {
    const user = await newUser('ines@example.com');
    const session = await h.login('lender', 'ines@example.com', 'right-password-1');
    const out = await h.call(LOGOUT, { input: { refreshToken: session.refreshToken } });
    expect(out.data.logout).toEqual({ success: true, userErrors: [] });
    const refresh = await h.call(REFRESH, { input: { refreshToken: session.refreshToken } });
    expect(refresh.data.refreshToken.userErrors.map((e: any) => e.code)).toEqual(['INVALID_REFRESH_TOKEN']);
    const again = await h.call(LOGOUT, { input: { refreshToken: session.refreshToken } });
    expect(again.data.logout.success).toBe(true);
    const unknown = await h.call(LOGOUT, { input: { refreshToken: 'nope' } });
    expect(unknown.data.logout).toEqual({ success: false, userErrors: [{ code: 'INVALID_REFRESH_TOKEN' }] });
    const events = await h.adminSql(`select envelope from identity.outbox where subject = 'identity.user.logged_out' and envelope->'data'->>'userId' = $1`, [user.id]);
    expect(events).toHaveLength(1);
    expect(events[0].envelope.actor).toMatchObject({ kind: 'user', userId: user.id });
  });

  test('the seeded admins sign in with the documented development password', async () => {
    const platform = await h.call(LOGIN, { input: { tenantSlug: 'platform', email: 'admin@platform.localhost', password: PLATFORM_PASSWORD } });
    expect(claimsOf(platform.data.login.accessToken).roles).toEqual(['platform_admin']);
    const demo = await h.login('demo', 'admin@demo.localhost', DEMO_PASSWORD);
    expect(claimsOf(demo.accessToken)).toMatchObject({ tid: h.seed.demoTenantId, roles: ['tenant_admin'] });
  });
});
