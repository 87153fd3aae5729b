/** NatsSubscriptionHub on the real NATS: sharing, tenant isolation, bounded buffers. */
import crypto from 'node:crypto';
import { wireSubject } from '../events/nats';
import { createTestBus, waitFor, type TestBus } from '../testing';
import { NatsSubscriptionHub, SUBSCRIPTION_BUFFER_OVERFLOW } from './subscriptions';

const SUBJECT = 'audit.event.recorded' as const;

describe('NatsSubscriptionHub', () => {
  let bus: TestBus;
  beforeAll(async () => { bus = await createTestBus(); });
  afterAll(async () => { await bus.close(); });

  const publish = async (tenantId: string | null, classUid = 3002) => {
    const e = bus.signer.sign({
      id: crypto.randomUUID(), subject: SUBJECT, tenantId, occurredAt: new Date().toISOString(), actor: { kind: 'system', userId: null },
      requestId: null, data: { eventId: crypto.randomUUID(), classUid, activityId: 1, time: new Date().toISOString() }, schemaVersion: 1,
    });
    bus.nc.publish(wireSubject(bus.ns, SUBJECT), JSON.stringify(e));
    await bus.nc.flush();
    return e;
  };

  test('subscribers share one NATS subscription, see only their tenant (all tenants for allTenants) and what their filter accepts', async () => {
    const hub = new NatsSubscriptionHub({ nc: bus.nc, ns: bus.ns, signer: bus.signer });
    const [a, b] = [crypto.randomUUID(), crypto.randomUUID()];
    const subA = hub.subscribe(SUBJECT, { tenantId: a });
    const subA3001 = hub.subscribe(SUBJECT, { tenantId: a, filter: (e) => e.data.classUid === 3001 });
    const subAll = hub.subscribe(SUBJECT, { tenantId: null, allTenants: true });
    const subNone = hub.subscribe(SUBJECT, { tenantId: null });
    expect(hub.natsSubscriptionCount()).toBe(1);
    expect(hub.subscriberCount(SUBJECT)).toBe(4);
    const e1 = await publish(b);
    const e2 = await publish(a, 3001);
    expect((await subA.next()).value?.id).toBe(e2.id);
    expect((await subA3001.next()).value?.id).toBe(e2.id);
    expect((await subAll.next()).value?.id).toBe(e1.id);
    expect((await subAll.next()).value?.id).toBe(e2.id);
    await subNone.return!();
    expect(await subNone.next()).toEqual({ value: undefined, done: true });
    for (const s of [subA, subA3001, subAll]) s.close();
    expect(hub.natsSubscriptionCount()).toBe(0);
    expect(hub.natsSubscriptionsOpenedTotal()).toBe(1);
  });

  test('a subscriber that falls behind its buffer is ended with SUBSCRIPTION_BUFFER_OVERFLOW; the others keep receiving', async () => {
    const hub = new NatsSubscriptionHub({ nc: bus.nc, ns: bus.ns, signer: bus.signer, bufferSize: 5 });
    const tenant = crypto.randomUUID();
    const slow = hub.subscribe(SUBJECT, { tenantId: tenant });
    const fast = hub.subscribe(SUBJECT, { tenantId: tenant, bufferSize: 100 });
    for (let i = 0; i < 7; i++) await publish(tenant);
    await waitFor(async () => hub.subscriberCount(SUBJECT) === 1);
    await expect(slow.next()).rejects.toThrow(SUBSCRIPTION_BUFFER_OVERFLOW);
    expect(await slow.next()).toEqual({ value: undefined, done: true });
    let n = 0;
    while (n < 7) { await fast.next(); n++; }
    fast.close();
    hub.close();
  });

  test('envelopes that are not validly signed are dropped', async () => {
    const hub = new NatsSubscriptionHub({ nc: bus.nc, ns: bus.ns, signer: bus.signer });
    const tenant = crypto.randomUUID();
    const sub = hub.subscribe(SUBJECT, { tenantId: tenant });
    bus.nc.publish(wireSubject(bus.ns, SUBJECT), JSON.stringify({ id: 'x', subject: SUBJECT, tenantId: tenant, signature: 'nope' }));
    bus.nc.publish(wireSubject(bus.ns, SUBJECT), 'not json');
    const good = await publish(tenant);
    expect((await sub.next()).value?.id).toBe(good.id);
    expect(hub.rejected).toBe(2);
    hub.close();
    expect(await sub.next()).toEqual({ value: undefined, done: true });
  });
});
