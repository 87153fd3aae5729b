/**
 * Login throttling through GraphQL (numbers in src/auth/throttle.rules.ts): per (tenant, e-mail) and
 * per client address, shared by replicas, identical for registered and unknown e-mails, and keyed
 * by the real peer address of a direct caller (X-Forwarded-For is not trusted with TRUST_PROXY unset).
 * Each test signs in from its own loopback address (127.0.0.x), so their counts never mix.
 */
import crypto from 'node:crypto';
import { startIdentity, type RunningIdentity } from '../src/app';
import { LOGIN, startHarness, type Harness } from './harness';

// The default deployment: nothing in front of identity is trusted to name the client.
delete process.env.TRUST_PROXY;

const PASSWORD = 'right-password-1';

describe('identity: login throttling', () => {
  let h: Harness;
  let t: Awaited<ReturnType<Harness['newTenant']>>;

  beforeAll(async () => {
    h = await startHarness('idthrottle');
    t = await h.newTenant('throttled');
  });
  afterAll(async () => { await h?.close(); });

  const newUser = (email: string) => h.createUser(t.token, { email, displayName: email, roles: ['borrower'], password: PASSWORD });
  const loginFrom = async (from: string, email: string, password: string, slug = 'throttled', headers?: Record<string, string>) => {
    const r = await h.callFrom(from, LOGIN, { input: { tenantSlug: slug, email, password } }, headers);
    expect(r.errors).toBeUndefined();
    return r.data.login;
  };
  const outboxCount = async () => (await h.adminSql('select count(*)::int as n from identity.outbox'))[0].n as number;

  test('a registered account and an unknown e-mail get identical answers at every attempt, locked ones included, and a lock holds against the right password', async () => {
    await newUser('kim@example.com');
    const registered: unknown[] = [];
    const unknown: unknown[] = [];
    for (let i = 0; i < 6; i++) {
      registered.push(await loginFrom('127.0.0.11', 'kim@example.com', `wrong-password-${i}`));
      unknown.push(await loginFrom('127.0.0.11', 'nobody-kim@example.com', `wrong-password-${i}`));
    }
    expect(registered).toEqual(unknown);
    const codes = registered.map((r: any) => r.userErrors.map((e: any) => e.code));
    expect(codes).toEqual([['INVALID_CREDENTIALS'], ['INVALID_CREDENTIALS'], ['INVALID_CREDENTIALS'], ['INVALID_CREDENTIALS'], ['ACCOUNT_LOCKED'], ['ACCOUNT_LOCKED']]);
    const locked = { accessToken: null, refreshToken: null, expiresAt: null, user: null, userErrors: [{ code: 'ACCOUNT_LOCKED', message: 'Too many failed sign-in attempts; the account is locked for a while', field: null }] };
    // The right password does not get through the lock, and its answer is the unknown e-mail's.
    expect(await loginFrom('127.0.0.11', 'kim@example.com', PASSWORD)).toEqual(locked);
    expect(await loginFrom('127.0.0.11', 'nobody-kim@example.com', PASSWORD)).toEqual(locked);
    // Both keys are locked in the shared table; only the registered one has a user (and shows the lock).
    const rows = await h.adminSql(`select count(*)::int as n from identity.login_account_throttle where tenant_id = $1 and locked_until > now()`, [t.tenantId]);
    expect(rows[0].n).toBe(2);
    expect(await h.adminSql(`select email from identity.users where email like '%kim@example.com' order by email`)).toEqual([{ email: 'kim@example.com' }]);
    expect(await h.adminSql(`select email from identity.users where email = 'kim@example.com' and locked_until > now()`)).toHaveLength(1);
  });

  test('a burst of parallel wrong passwords cannot outrun the lock, for a registered or an unknown e-mail alike', async () => {
    await newUser('lee@example.com');
    const burst = (email: string) => Promise.all(Array.from({ length: 8 }, (_, i) => loginFrom('127.0.0.12', email, `burst-password-${i}`)));
    const [registered, unknown] = await Promise.all([burst('lee@example.com'), burst('nobody-lee@example.com')]);
    const tally = (answers: any[]) => answers.map((a) => a.userErrors[0].code).sort();
    const expected = [...Array(4).fill('INVALID_CREDENTIALS'), ...Array(4).fill('ACCOUNT_LOCKED')].sort();
    expect(tally(registered)).toEqual(expected);
    expect(tally(unknown)).toEqual(expected);
  });

  test('two replicas of identity count the same attempts: failures spread across them still lock the account on both', async () => {
    await newUser('max@example.com');
    let replica: RunningIdentity | null = null;
    try {
      replica = await startIdentity({
        adminUrl: h.db.adminUrl, port: 0, host: '127.0.0.1', nc: h.bus.nc, ns: h.bus.ns, signer: h.bus.signer,
        verifier: h.issuer.verifier, signingKey: h.issuer.key, issuer: h.issuer.issuer, audience: h.issuer.audience, poolMax: 3,
      });
      const viaReplica = async (password: string) => {
        const r = await fetch(replica!.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: LOGIN, variables: { input: { tenantSlug: 'throttled', email: 'max@example.com', password } } }) });
        return ((await r.json()) as any).data.login;
      };
      const codes: string[] = [];
      for (let i = 0; i < 5; i++) {
        const answer = i % 2 === 0 ? await loginFrom('127.0.0.13', 'max@example.com', `wrong-${i}-password`) : await viaReplica(`wrong-${i}-password`);
        codes.push(answer.userErrors[0].code);
      }
      expect(codes).toEqual(['INVALID_CREDENTIALS', 'INVALID_CREDENTIALS', 'INVALID_CREDENTIALS', 'INVALID_CREDENTIALS', 'ACCOUNT_LOCKED']);
      expect((await viaReplica(PASSWORD)).userErrors.map((e: any) => e.code)).toEqual(['ACCOUNT_LOCKED']);
      expect((await loginFrom('127.0.0.13', 'max@example.com', PASSWORD)).userErrors.map((e: any) => e.code)).toEqual(['ACCOUNT_LOCKED']);
    } finally {
      await replica?.stop();
    }
  });

  test('a client address is refused after 30 failed sign-ins in 15 minutes, whatever e-mail, tenant or X-Forwarded-For it sends; its own successes do not count, and other addresses still sign in', async () => {
    const user = await newUser('noa@example.com');
    const from = '127.0.0.21';
    // 29 failures, each on a different e-mail (so no account lock), half on a tenant that does not
    // exist, each claiming another client address in X-Forwarded-For.
    for (let i = 0; i < 29; i++) {
      const answer = await loginFrom(from, `guess-${i}@example.com`, 'wrong-password-x', i % 2 ? 'throttled' : 'no-such-tenant', { 'x-forwarded-for': `203.0.113.${i + 1}` });
      expect(answer.userErrors.map((e: any) => e.code)).toEqual(['INVALID_CREDENTIALS']);
    }
    // A success from the same address is not a failure: the 30th failure is still answered normally.
    expect((await loginFrom(from, 'noa@example.com', PASSWORD)).userErrors).toEqual([]);
    expect((await loginFrom(from, 'guess-29@example.com', 'wrong-password-x')).userErrors.map((e: any) => e.code)).toEqual(['INVALID_CREDENTIALS']);

    // Now the address is throttled: even the right password is refused, before any check, and nothing is written.
    const before = await outboxCount();
    const throttled = await loginFrom(from, 'noa@example.com', PASSWORD, 'throttled', { 'x-forwarded-for': '198.51.100.7' });
    expect(throttled).toEqual({
      accessToken: null, refreshToken: null, expiresAt: null, user: null,
      userErrors: [{ code: 'TOO_MANY_ATTEMPTS', message: 'Too many failed sign-in attempts from this network address; try again later', field: null }],
    });
    expect(await outboxCount()).toBe(before);
    const es = await h.callFrom(from, LOGIN, { input: { tenantSlug: 'throttled', email: 'noa@example.com', password: PASSWORD } }, { 'accept-language': 'es-MX' });
    expect(es.data.login.userErrors[0]).toMatchObject({ code: 'TOO_MANY_ATTEMPTS', message: expect.stringMatching(/^Demasiados intentos/) });

    // Another address is not affected.
    expect((await loginFrom('127.0.0.22', 'noa@example.com', PASSWORD)).user).toMatchObject({ id: user.id });
    // The events name the real peer address, not what X-Forwarded-For claimed.
    const ips = await h.adminSql(`select distinct envelope->'data'->>'ip' as ip from identity.outbox where subject = 'identity.user.login_failed' and envelope->'data'->>'email' like 'guess-%'`);
    expect(ips).toEqual([{ ip: from }]);
  }, 180_000);

  test('an operation with two login fields, by alias or through a fragment, is refused before any attempt is counted; a batched request is refused whole', async () => {
    await newUser('ola@example.com');
    const before = await outboxCount();
    const input = (email: string) => `{ tenantSlug: "throttled", email: "${email}", password: "wrong-password-1" }`;
    const aliased = await h.callFrom('127.0.0.31', `mutation { a: login(input: ${input('ola@example.com')}) { accessToken } b: login(input: ${input('ola@example.com')}) { accessToken } }`);
    expect(aliased.data).toBeNull();
    // The first login field is refused, and with it the whole (non-null) result: the second never runs.
    expect(aliased.errors!.map((e) => e.extensions?.code)).toEqual(['BAD_USER_INPUT']);
    expect(aliased.errors![0]!.message).toBe('An operation may contain at most one login field');
    const fragment = await h.callFrom('127.0.0.31', `mutation { login(input: ${input('ola@example.com')}) { accessToken } ...more } fragment more on Mutation { again: login(input: ${input('ola@example.com')}) { accessToken } }`);
    expect(fragment.data).toBeNull();
    expect(fragment.errors!.map((e) => e.extensions?.code)).toEqual(['BAD_USER_INPUT']);
    const single = `mutation($input: LoginInput!) { login(input: $input) { accessToken } }`;
    const batch = await h.postFrom('127.0.0.31', [1, 2, 3].map(() => ({ query: single, variables: { input: { tenantSlug: 'throttled', email: 'ola@example.com', password: 'wrong-password-1' } } })));
    expect(batch.status).toBe(400);
    // No attempt reached the account or the address, and nothing was written.
    expect(await outboxCount()).toBe(before);
    const olaKey = crypto.createHash('sha256').update('ola@example.com').digest('hex');
    expect(await h.adminSql(`select * from identity.login_account_throttle where email_hash = $1`, [olaKey])).toEqual([]);
    const one = await loginFrom('127.0.0.31', 'ola@example.com', PASSWORD);
    expect(one.userErrors).toEqual([]);
  });

  test('an admin setting a new password lifts the lock of the user\'s e-mail', async () => {
    const user = await newUser('pia@example.com');
    for (let i = 0; i < 5; i++) await loginFrom('127.0.0.41', 'pia@example.com', `wrong-password-${i}`);
    expect((await loginFrom('127.0.0.41', 'pia@example.com', PASSWORD)).userErrors[0].code).toBe('ACCOUNT_LOCKED');
    const reset = await h.call(`mutation($input: UpdateUserInput!) { updateUser(input: $input) { user { lockedUntil } userErrors { code } } }`, { input: { id: user.id, password: 'a-new-password-9' } }, t.token);
    expect(reset.data.updateUser).toEqual({ user: { lockedUntil: null }, userErrors: [] });
    expect((await loginFrom('127.0.0.41', 'pia@example.com', 'a-new-password-9')).userErrors).toEqual([]);
  });
});
