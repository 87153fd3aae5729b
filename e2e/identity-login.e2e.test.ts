/**
 * Login hardening through the gateway: a locked account and an unknown e-mail answer alike, and an
 * operation (or a batch) carrying two login fields is refused before any password is tried.
 */
import { waitFor } from '@imagy/platform/testing';
import { CREATE_USER, DEV_PASSWORD, LOGIN, startPlatform, type Platform } from './harness';

describe('identity login through the gateway', () => {
  let p: Platform;
  let admin: { accessToken: string };

  beforeAll(async () => {
    p = await startPlatform({ label: 'e2eidlogin' });
    admin = await p.login('demo', 'admin@demo.localhost', DEV_PASSWORD);
  });
  afterAll(async () => { await p?.stop(); });

  const attempt = async (email: string, password: string) => {
    const r = await p.call(LOGIN, { input: { tenantSlug: 'demo', email, password } });
    expect(r.errors).toBeUndefined();
    return r.data.login;
  };

  test('a registered account and an unknown e-mail get the same answers, through five failures, the lock and the right password', async () => {
    const created = await p.call(CREATE_USER, { input: { email: 'rita@demo.test', displayName: 'Rita', roles: ['borrower'], password: 'rita-password-1' } }, admin.accessToken);
    expect(created.data.createUser.userErrors).toEqual([]);
    for (let i = 0; i < 5; i++) expect(await attempt('rita@demo.test', `wrong-password-${i}`)).toEqual(await attempt('nobody-rita@demo.test', `wrong-password-${i}`));
    const registered = await attempt('rita@demo.test', 'rita-password-1');
    expect(registered).toEqual(await attempt('nobody-rita@demo.test', 'rita-password-1'));
    expect(registered).toEqual({ accessToken: null, refreshToken: null, user: null, userErrors: [{ code: 'ACCOUNT_LOCKED', message: 'Too many failed sign-in attempts; the account is locked for a while' }] });
  });

  test('two login fields in one operation are refused, and no password is tried', async () => {
    const before = await p.sql(`select count(*)::int as n from identity.outbox where subject like 'identity.user.login%'`);
    const input = `{ tenantSlug: "demo", email: "admin@demo.localhost", password: "${DEV_PASSWORD}" }`;
    const r = await p.call(`mutation { a: login(input: ${input}) { accessToken } b: login(input: ${input}) { accessToken } }`);
    expect(r.data?.a ?? null).toBeNull();
    expect(r.data?.b ?? null).toBeNull();
    expect(r.errors?.map((e) => e.extensions?.code)).toContain('BAD_USER_INPUT');
    expect(JSON.stringify(r)).not.toMatch(/eyJ/);
    expect(await p.sql(`select count(*)::int as n from identity.outbox where subject like 'identity.user.login%'`)).toEqual(before);
  });

  test('a batch carrying more than one login runs the first and refuses the others before their password is tried', async () => {
    const attempts = async () => (await p.sql(`select count(*)::int as n from identity.outbox where subject like 'identity.user.login%'`))[0].n as number;
    const before = await attempts();
    const op = (password: string) => ({ query: LOGIN, variables: { input: { tenantSlug: 'demo', email: 'batch-nobody@demo.test', password } } });
    const res = await fetch(p.gatewayUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'accept-language': 'es' },
      body: JSON.stringify([op('guess-password-1'), op('guess-password-2'), op('guess-password-3')]),
    });
    const answers = (await res.json()) as { data?: { login: unknown } | null; errors?: { message: string; extensions?: Record<string, unknown> }[] }[];
    expect(answers).toHaveLength(3);
    const refused = answers.filter((a) => a.errors?.[0]?.extensions?.reason === 'ONE_LOGIN_PER_REQUEST');
    const tried = answers.filter((a) => a.data?.login);
    expect({ refused: refused.length, tried: tried.length }).toEqual({ refused: 2, tried: 1 });
    expect(refused[0]!.errors![0]!).toMatchObject({
      message: 'Una solicitud puede llevar como máximo un inicio de sesión (login), también en un lote.',
      extensions: { code: 'BAD_USER_INPUT', field: 'login' },
    });
    // Exactly one attempt reached identity (its failed-login event), not three.
    await waitFor(async () => (await attempts()) >= before + 1);
    expect(await attempts()).toBe(before + 1);
  });
});
