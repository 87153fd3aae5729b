import { jetstreamManager } from '@nats-io/jetstream';
import { EventConsumer, streamName, type EventEnvelope } from '@imagy/platform/events';
import { waitFor } from '@imagy/platform/testing';
import { startHarness, type Harness } from './harness';

describe('identity: events through the outbox to JetStream', () => {
  let h: Harness;
  let consumer: EventConsumer;
  const seen: EventEnvelope[] = [];

  beforeAll(async () => {
    h = await startHarness('idevents');
    consumer = new EventConsumer({
      orm: h.identity.orm, nc: h.bus.nc, ns: h.bus.ns, signer: h.bus.signer, name: 'identity-events-test', domains: ['identity'],
      handler: async (_em, e) => { seen.push(e); },
    });
    await consumer.start();
  });
  afterAll(async () => {
    await consumer?.stop();
    await h?.close();
  });

  const find = (subject: string, match: (e: EventEnvelope) => boolean) => waitFor(async () => seen.find((e) => e.subject === subject && match(e)), 15_000);

  test('tenant, user and login events are signed, reach JetStream once each, and carry the actor, ip and user agent', async () => {
    const t = await h.newTenant('evented');
    const agent = { 'user-agent': 'imagy-test-agent/1.0' };
    const user = await h.createUser(t.token, { email: 'jo@example.com', displayName: 'Jo', roles: ['borrower'], password: 'jo-password-123' });
    await h.login('evented', 'jo@example.com', 'jo-password-123', agent);
    await h.login('evented', 'ghost@example.com', 'whatever-password', agent);
    await h.login('evented', 'jo@example.com', 'not-the-password', agent);

    const tenantCreated = await find('identity.tenant.created', (e) => e.tenantId === t.tenantId);
    expect(tenantCreated.data).toEqual({ tenantId: t.tenantId, slug: 'evented', name: 'Tenant evented', hostnames: ['evented.example.test'], status: 'ACTIVE', timezone: 'America/Mexico_City' });
    expect(tenantCreated.actor).toMatchObject({ kind: 'user', userId: h.seed.platformAdmin.id });

    const userCreated = await find('identity.user.created', (e) => (e.data as { userId: string }).userId === user.id);
    expect(userCreated).toMatchObject({ tenantId: t.tenantId, actor: { kind: 'user', userId: t.adminId }, data: { email: 'jo@example.com', roles: ['borrower'] }, schemaVersion: 1 });
    expect(userCreated.requestId).toEqual(expect.any(String));

    const ok = await find('identity.user.login_succeeded', (e) => (e.data as { userId: string }).userId === user.id);
    expect(ok.tenantId).toBe(t.tenantId);
    expect(ok.actor).toMatchObject({ kind: 'anonymous', userId: null, userAgent: 'imagy-test-agent/1.0' });
    expect(ok.data).toMatchObject({ email: 'jo@example.com', userAgent: 'imagy-test-agent/1.0', ip: expect.stringMatching(/127\.0\.0\.1|::1/) });

    const unknown = await find('identity.user.login_failed', (e) => (e.data as { email: string }).email === 'ghost@example.com');
    expect(unknown.tenantId).toBe(t.tenantId);
    expect(unknown.data).toMatchObject({ userId: null, reason: 'BAD_CREDENTIALS', userAgent: 'imagy-test-agent/1.0' });
    const wrong = await find('identity.user.login_failed', (e) => (e.data as { email: string }).email === 'jo@example.com');
    expect(wrong.data).toMatchObject({ userId: user.id, reason: 'BAD_CREDENTIALS' });

    for (const e of seen) expect(h.bus.signer.verify(e)).toBe(true);
    expect(new Set(seen.map((e) => e.id)).size).toBe(seen.length);

    // Everything in the outbox was published, with the outbox id as the JetStream message id.
    await waitFor(async () => (await h.adminSql('select count(*)::int as n from identity.outbox where published_at is null'))[0].n === 0);
    const jsm = await jetstreamManager(h.bus.nc);
    const stream = streamName(h.bus.ns, 'identity');
    const info = await jsm.streams.info(stream);
    const [{ n }] = await h.adminSql('select count(*)::int as n from identity.outbox');
    expect(info.state.messages).toBe(n);
  });

  test('a rejected mutation publishes nothing', async () => {
    const token = await h.platformToken();
    const before = await h.adminSql('select count(*)::int as n from identity.outbox');
    const r = await h.call(`mutation { createTenant(input: { slug: "demo", name: "Dup" }) { userErrors { code } } }`, {}, token);
    expect(r.data.createTenant.userErrors).toEqual([{ code: 'SLUG_TAKEN' }]);
    expect(await h.adminSql('select count(*)::int as n from identity.outbox')).toEqual(before);
  });
});
