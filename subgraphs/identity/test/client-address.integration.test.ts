/**
 * Which client address identity believes. With TRUST_PROXY unset (the default, and what every
 * deployment without a trusted hop in front must keep) a direct caller's X-Forwarded-For is
 * ignored: login throttling and the ip in events use the TCP peer address. So a local process
 * can neither escape the per-address throttle by inventing addresses nor get another address
 * throttled by naming it. Only a request with the gateway's proof (the installation secret the
 * gateway sends) is believed.
 */
import { GATEWAY_PROOF_HEADER, gatewayProof } from '@imagy/platform/server';
import { LOGIN, startHarness, type Harness } from './harness';

delete process.env.TRUST_PROXY;

describe('identity: client address of a direct caller', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness('idclientip');
    await h.newTenant('addr');
  });
  afterAll(async () => { await h?.close(); });

  const login = (from: string, email: string, password: string, forwardedFor: string) =>
    h.callFrom(from, LOGIN, { input: { tenantSlug: 'addr', email, password } }, { 'x-forwarded-for': forwardedFor });

  test('failures sent with another address in X-Forwarded-For count against the sender, and the named address still signs in', async () => {
    const attacker = '127.0.0.51';
    const victim = '127.0.0.52';
    for (let i = 0; i < 30; i++) {
      const r = await login(attacker, `nobody-${i}@example.com`, 'wrong-password-1', victim);
      expect(r.data.login.userErrors.map((e: any) => e.code)).toEqual(['INVALID_CREDENTIALS']);
    }
    // The sender is throttled whatever it claims to be...
    const claimed = await login(attacker, 'admin@addr.example.test', 'admin-password-1', '192.0.2.77');
    expect(claimed.data.login.userErrors.map((e: any) => e.code)).toEqual(['TOO_MANY_ATTEMPTS']);
    // ...and the address it named is not.
    const real = await login(victim, 'admin@addr.example.test', 'admin-password-1', attacker);
    expect(real.data.login.userErrors).toEqual([]);
    const failed = await h.adminSql(`select distinct envelope->'data'->>'ip' as ip, envelope->'actor'->>'ip' as actor_ip from identity.outbox
      where subject = 'identity.user.login_failed' and envelope->'data'->>'email' like 'nobody-%'`);
    expect(failed).toEqual([{ ip: attacker, actor_ip: attacker }]);
    const [latest] = await h.adminSql(`select envelope->'data'->>'ip' as ip from identity.outbox
      where subject = 'identity.user.login_succeeded' and envelope->'data'->>'email' = 'admin@addr.example.test' order by created_at desc limit 1`);
    expect(latest).toEqual({ ip: victim });
  }, 180_000);

  test("X-Forwarded-For is believed only with the installation's gateway proof: a wrong or missing proof records the sender", async () => {
    const named = '198.51.100.23';
    const sender = '127.0.0.61';
    const attempt = (headers: Record<string, string>, email: string) =>
      h.callFrom(sender, LOGIN, { input: { tenantSlug: 'addr', email, password: 'wrong-password-1' } }, { 'x-forwarded-for': named, ...headers });
    await attempt({ [GATEWAY_PROOF_HEADER]: gatewayProof() }, 'proof-right@example.com');
    await attempt({ [GATEWAY_PROOF_HEADER]: `${gatewayProof().slice(0, -2)}xx` }, 'proof-wrong@example.com');
    await attempt({}, 'proof-none@example.com');
    const ips = await h.adminSql(`select envelope->'data'->>'email' as email, envelope->'data'->>'ip' as ip from identity.outbox
      where subject = 'identity.user.login_failed' and envelope->'data'->>'email' like 'proof-%' order by email`);
    expect(ips).toEqual([
      { email: 'proof-none@example.com', ip: sender },
      { email: 'proof-right@example.com', ip: named },
      { email: 'proof-wrong@example.com', ip: sender },
    ]);
  });
});

