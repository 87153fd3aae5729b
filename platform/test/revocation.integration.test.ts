import { Kvm } from '@nats-io/kv';
import { createTestBus, waitFor, type TestBus } from '../src/testing';
import { revocationBuckets, RevocationView, RevocationWriter, type RevocationChange } from '../src/auth/revocation';

const TENANT = '11111111-1111-4111-8111-111111111111';
const USER = '22222222-2222-4222-8222-222222222222';
const OTHER_USER = '33333333-3333-4333-8333-333333333333';

describe('revocation view over NATS KV', () => {
  let bus: TestBus;
  const views: RevocationView[] = [];

  beforeAll(async () => { bus = await createTestBus(); });
  afterAll(async () => {
    for (const v of views) v.stop();
    const kvm = new Kvm(bus.nc);
    for (const name of Object.values(revocationBuckets(bus.ns.streamPrefix))) await kvm.open(name).then((kv) => kv.destroy()).catch(() => undefined);
    await bus.close();
  });

  const start = async () => {
    const view = await RevocationView.start({ nc: bus.nc, streamPrefix: bus.ns.streamPrefix });
    views.push(view);
    return view;
  };

  it('refuses a suspended tenant, a disabled user and a revoked session once identity writes them, and lifts them again', async () => {
    const writer = new RevocationWriter(bus.nc, bus.ns.streamPrefix);
    const view = await start();
    expect(view.synced).toBe(true);
    const facts = { tenantId: TENANT, userId: USER, sessionId: 'sess-1', issuedAt: Math.floor(Date.now() / 1000) };
    expect(view.check(facts)).toBeNull();

    const changes: RevocationChange[] = [];
    view.onChange((c) => changes.push(c));

    await writer.tenantStatus(TENANT, 'SUSPENDED');
    await waitFor(async () => view.check(facts) === 'TENANT_SUSPENDED');
    await writer.tenantStatus(TENANT, 'ACTIVE');
    await waitFor(async () => view.check(facts) === null);

    await writer.userDisabled(USER, true);
    await waitFor(async () => view.check(facts) === 'USER_DISABLED');
    expect(view.check({ ...facts, userId: OTHER_USER })).toBeNull();
    await writer.userDisabled(USER, false);
    await waitFor(async () => view.check(facts) === null);

    await writer.sessionRevoked('sess-1');
    await waitFor(async () => view.check(facts) === 'SESSION_REVOKED');
    expect(view.check({ ...facts, sessionId: 'sess-2' })).toBeNull();

    expect(changes).toEqual(expect.arrayContaining([
      { kind: 'tenant', id: TENANT, revoked: true },
      { kind: 'tenant', id: TENANT, revoked: false },
      { kind: 'user', id: USER, revoked: true },
      { kind: 'session', id: 'sess-1', revoked: true },
    ]));
  });

  it('refuses tokens issued before a password change but not the ones issued after', async () => {
    const writer = new RevocationWriter(bus.nc, bus.ns.streamPrefix);
    const view = await start();
    const changeAt = Math.floor(Date.now() / 1000);
    await writer.userTokensIssuedBefore(OTHER_USER, changeAt);
    await waitFor(async () => view.check({ tenantId: TENANT, userId: OTHER_USER, issuedAt: changeAt - 60 }) === 'SESSION_REVOKED');
    expect(view.check({ tenantId: TENANT, userId: OTHER_USER, issuedAt: changeAt })).toBeNull();
    // A disable on top keeps the password-change cut-off (compare-and-set on the same key).
    await writer.userDisabled(OTHER_USER, true);
    await writer.userDisabled(OTHER_USER, false);
    await waitFor(async () => view.check({ tenantId: TENANT, userId: OTHER_USER, issuedAt: changeAt }) === null);
    expect(view.check({ tenantId: TENANT, userId: OTHER_USER, issuedAt: changeAt - 60 })).toBe('SESSION_REVOKED');
  });

  it('a process starting later reads the current state before it serves', async () => {
    const writer = new RevocationWriter(bus.nc, bus.ns.streamPrefix);
    const tenant = '44444444-4444-4444-8444-444444444444';
    await writer.tenantStatus(tenant, 'SUSPENDED');
    const late = await start();
    expect(late.synced).toBe(true);
    expect(late.check({ tenantId: tenant, userId: null })).toBe('TENANT_SUSPENDED');
  });

  it('an empty view refuses nothing', () => {
    expect(RevocationView.empty().check({ tenantId: TENANT, userId: USER, sessionId: 'x' })).toBeNull();
  });
});
