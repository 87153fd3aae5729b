/**
 * `identity.borrower.register` over the signed internal call (platform events/rpc.ts): lending's
 * origination creates an applicant's account; it gets the role `borrower` only, in the call's
 * tenant, under createUser's rules, announced with identity.user.created, and can sign in.
 */
import crypto from 'node:crypto';
import { EventSigner, RpcClient, RpcSigner, RpcUnavailableError } from '@imagy/platform/events';
import { startHarness, type Harness } from './harness';

describe('identity: borrower registration by internal call', () => {
  let h: Harness;
  let rpc: RpcClient;
  let tenant: { tenantId: string; token: string };
  const actor = { kind: 'anonymous' as const, userId: null };
  const register = (tenantId: string, data: Partial<{ email: string; displayName: string; password: string; phone: string | null }>) =>
    rpc.call('identity.borrower.register', { email: 'x@example.test', displayName: 'X', password: 'borrower-password-1', phone: null, ...data }, { tenantId, actor });

  beforeAll(async () => {
    h = await startHarness('idborrower');
    rpc = new RpcClient(h.bus.nc, h.bus.ns, new RpcSigner(h.bus.signer));
    tenant = await h.newTenant('borrowers');
  });
  afterAll(async () => { await h?.close(); });

  test('creates a borrower of the call\'s tenant who can sign in; the same e-mail again is EMAIL_TAKEN', async () => {
    const r = await register(tenant.tenantId, { email: ' Ana.Perez@Example.test ', displayName: 'Ana Pérez', phone: '+525512345678' });
    if (!r.ok) throw new Error(r.code);
    expect(r.data.email).toBe('ana.perez@example.test');
    const [user] = await h.adminSql('select tenant_id, roles, display_name, phone from identity.users where id = $1', [r.data.userId]);
    expect(user).toEqual({ tenant_id: tenant.tenantId, roles: ['borrower'], display_name: 'Ana Pérez', phone: '+525512345678' });
    const events = await h.adminSql(`select envelope->'data' as data from identity.outbox where subject = 'identity.user.created' and envelope->'data'->>'userId' = $1`, [r.data.userId]);
    expect(events).toEqual([{ data: { userId: r.data.userId, email: 'ana.perez@example.test', roles: ['borrower'] } }]);
    const session = await h.login('borrowers', 'ana.perez@example.test', 'borrower-password-1');
    expect(session.user).toMatchObject({ id: r.data.userId, roles: ['borrower'] });
    expect(await register(tenant.tenantId, { email: 'ana.perez@example.test' })).toEqual({ ok: false, code: 'EMAIL_TAKEN', field: 'email' });
  });

  test('bad input is a refusal naming the field, and writes nothing', async () => {
    const before = await h.adminSql('select count(*)::int as n from identity.users');
    expect(await register(tenant.tenantId, { email: 'nope' })).toEqual({ ok: false, code: 'INVALID_EMAIL', field: 'email' });
    expect(await register(tenant.tenantId, { email: 'p@example.test', password: 'short' })).toEqual({ ok: false, code: 'WEAK_PASSWORD', field: 'password' });
    expect(await register(tenant.tenantId, { email: 'p@example.test', displayName: 'a\u202Eb' })).toEqual({ ok: false, code: 'INVALID_DISPLAY_NAME', field: 'displayName' });
    expect(await register(tenant.tenantId, { email: 'p@example.test', phone: '12' })).toEqual({ ok: false, code: 'INVALID_PHONE', field: 'phone' });
    expect(await register(crypto.randomUUID(), { email: 'p@example.test' })).toEqual({ ok: false, code: 'TENANT_INACTIVE', field: null });
    // @ts-expect-error: a wrong JSON type, as a hostile or buggy caller would send
    expect(await rpc.call('identity.borrower.register', { email: 1, displayName: 'X', password: 'borrower-password-1', phone: null }, { tenantId: tenant.tenantId, actor })).toEqual({ ok: false, code: 'BAD_REQUEST', field: null });
    expect(await h.adminSql('select count(*)::int as n from identity.users')).toEqual(before);
  });

  test('a call signed with another key gets no answer and creates nothing', async () => {
    const forger = new RpcClient(h.bus.nc, h.bus.ns, new RpcSigner(new EventSigner(crypto.randomBytes(32))));
    const forged = forger.call('identity.borrower.register', { email: 'forged@example.test', displayName: 'F', password: 'borrower-password-1', phone: null }, { tenantId: tenant.tenantId, actor, timeoutMs: 3_000 });
    // The server answers its calls in order: once the valid call behind it is answered, the forged one was seen.
    const marker = await register(tenant.tenantId, { email: 'marker@example.test' });
    expect(marker.ok).toBe(true);
    await expect(forged).rejects.toBeInstanceOf(RpcUnavailableError);
    expect(await h.adminSql(`select count(*)::int as n from identity.users where email = 'forged@example.test'`)).toEqual([{ n: 0 }]);
  });
});
