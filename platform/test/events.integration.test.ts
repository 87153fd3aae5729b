import crypto from 'node:crypto';
import { jetstreamManager } from '@nats-io/jetstream';
import { inTenantTx, Migration, tenantRlsSql, type Orm } from '../src/db';
import { EventConsumer, Outbox, eventTablesSql, streamName, type EventEnvelope } from '../src/events';
import { connectNats } from '../src/events';
import { natsUrl, publishEnvelope, publishEvent, publishRaw, startRelayFixture, waitFor, type RelayFixture, type TestBus, type TestDb } from '../src/testing';

class Init extends Migration {
  async up() {
    for (const s of eventTablesSql()) this.addSql(s);
    this.addSql('create table handled (tenant_id uuid not null, event_id uuid not null, email text not null)');
    for (const s of tenantRlsSql('handled')) this.addSql(s);
  }
}

describe('events: outbox, relay and consumer on real PostgreSQL and JetStream', () => {
  let fixture: RelayFixture;
  let db: TestDb;
  let bus: TestBus;
  let orm: Orm;
  const tenantA = crypto.randomUUID();

  beforeAll(async () => {
    fixture = await startRelayFixture('events', 'evtest', [{ name: 'Init', class: Init }]);
    ({ db, bus, orm } = fixture);
  });
  afterAll(async () => { await fixture?.close(); });

  const publishUser = (outbox: Outbox, email: string, commit = true) =>
    inTenantTx(orm, { tenantId: tenantA }, async (em) => {
      const env = await outbox.publish(em, 'identity.user.created', { userId: crypto.randomUUID(), email, roles: [] }, { tenantId: tenantA, actor: { kind: 'system', userId: null } });
      if (!commit) throw new Error('rollback');
      return env;
    });
  /**
   * An event published after the ones under test. One consumer gets a stream's messages in order,
   * so once it has handled the marker, a duplicate published before it would already have shown.
   */
  const publishMarker = (email: string) => publishEvent(bus, 'identity.user.created', { userId: crypto.randomUUID(), email, roles: [] }, { tenantId: tenantA, requestId: null });

  test('an event committed with its transaction reaches a consumer exactly once, and a rolled back one never does', async () => {
    const outbox = new Outbox(bus.signer);
    const seen: EventEnvelope[] = [];
    const consumer = new EventConsumer({
      orm, nc: bus.nc, ns: bus.ns, signer: bus.signer, name: 'once', domains: ['identity'],
      handler: async (em, e) => {
        seen.push(e);
        await em.execute('insert into handled (tenant_id, event_id, email) values (?, ?, ?)', [e.tenantId, e.id, (e.data as { email: string }).email]);
      },
    });
    await consumer.start();
    await expect(publishUser(outbox, 'rolled@back.test', false)).rejects.toThrow('rollback');
    const committed = await publishUser(outbox, 'ok@a.test');
    await waitFor(async () => seen.length >= 1);
    // Republish the same message id by hand: JetStream drops it inside the duplicate window.
    await publishEnvelope(bus, committed);
    const marker = await publishMarker('marker@a.test');
    await waitFor(async () => seen.some((e) => e.id === marker.id));
    await consumer.stop();
    expect(seen.map((e) => e.id)).toEqual([committed.id, marker.id]);
    const rows = await inTenantTx(orm, { tenantId: tenantA }, (em) => em.execute('select email from handled order by email'));
    expect(rows).toEqual([{ email: 'marker@a.test' }, { email: 'ok@a.test' }]);
  });

  test('a redelivered event whose id is already in the inbox has no second effect', async () => {
    const outbox = new Outbox(bus.signer);
    const env = await publishUser(outbox, 'twice@a.test');
    const handled: string[] = [];
    const consumer = new EventConsumer({ orm, nc: bus.nc, ns: bus.ns, signer: bus.signer, name: 'inbox', domains: ['identity'], handler: async (_em, e) => { handled.push(e.id); } });
    await consumer.start();
    await waitFor(async () => handled.includes(env.id));
    // Simulate a redelivery after the effect committed: bypass the duplicate window with another msg id.
    await publishEnvelope(bus, env, { msgId: crypto.randomUUID() });
    const marker = await publishMarker('after-twice@a.test');
    await waitFor(async () => handled.includes(marker.id));
    await consumer.stop();
    // Every event of the stream (the earlier test's too) had its effect exactly once, twice@ included.
    expect(handled.filter((id) => id === env.id)).toHaveLength(1);
    expect(new Set(handled).size).toBe(handled.length);
    expect(handled[handled.length - 1]).toBe(marker.id);
  });

  test('an event taken by a consumer that dies mid-handler comes back to a new consumer after the short ack wait, with its effect once', async () => {
    const name = 'redelivery';
    const filters = ['identity.user.locked'];
    // The "process" that dies: its own NATS connection, a handler that never finishes by itself.
    const victimNc = await connectNats(natsUrl(), 'victim');
    let taken: string | null = null;
    let kill!: (e: Error) => void;
    const killed = new Promise<never>((_, reject) => { kill = reject; });
    const victim = new EventConsumer({
      orm, nc: victimNc, ns: bus.ns, signer: bus.signer, name, domains: ['identity'], filters,
      handler: async (_em, e) => { taken = e.id; await killed; },
    });
    await victim.start();
    const userId = crypto.randomUUID();
    const event = await publishEvent(bus, 'identity.user.locked', { userId, email: 'slow@a.test', until: new Date().toISOString() }, { tenantId: tenantA });
    await waitFor(async () => taken === event.id);
    // Dies: the connection goes (no ack, no more progress notes) and, as PostgreSQL does when a
    // client's connection drops, its transaction is rolled back.
    await victimNc.close();
    kill(new Error('killed'));
    await victim.stop();

    const handled: string[] = [];
    const successor = new EventConsumer({
      orm, nc: bus.nc, ns: bus.ns, signer: bus.signer, name, domains: ['identity'], filters,
      handler: async (em, e) => {
        handled.push(e.id);
        await em.execute('insert into handled (tenant_id, event_id, email) values (?, ?, ?)', [e.tenantId, e.id, (e.data as { email: string }).email]);
      },
    });
    await successor.start();
    // The redelivery is the marker: well inside this wait with the default 5 s ack wait (the
    // former 30 s would not make it).
    await waitFor(async () => handled.includes(event.id), 20_000, 100);
    await successor.stop();
    expect(handled).toEqual([event.id]);
    const rows = await inTenantTx(orm, { tenantId: tenantA }, (em) => em.execute('select email from handled where event_id = ?', [event.id]));
    expect(rows).toEqual([{ email: 'slow@a.test' }]);
  });

  test('a handler that runs longer than the ack wait is kept in progress, not redelivered to a replica', async () => {
    const durable = 'long';
    const filters = ['identity.user.logged_out'];
    const handled: string[] = [];
    const starts: string[] = [];
    let release!: () => void;
    const released = new Promise<void>((r) => { release = r; });
    // The consumer's in-progress notes, as the server receives them (+WPI on the message's ack subject).
    const notes: string[] = [];
    const sub = bus.nc.subscribe(`$JS.ACK.${streamName(bus.ns, 'identity')}.${durable}.>`, { callback: (_err, m) => { if (m.string() === '+WPI') notes.push(m.subject); } });
    const first = await publishEvent(bus, 'identity.user.logged_out', { userId: crypto.randomUUID() }, { tenantId: tenantA });
    const consumer = new EventConsumer({
      orm, nc: bus.nc, ns: bus.ns, signer: bus.signer, name: durable, domains: ['identity'], filters, ackWaitMs: 1_000,
      handler: async (_em, e) => { starts.push(e.id); if (e.id === first.id) await released; handled.push(e.id); },
    });
    // A replica on the same durable: it would be handed the first event if its ack wait ran out.
    const replica = new EventConsumer({
      orm, nc: bus.nc, ns: bus.ns, signer: bus.signer, name: durable, domains: ['identity'], filters, ackWaitMs: 1_000,
      handler: async (_em, e) => { starts.push(e.id); handled.push(e.id); },
    });
    try {
      await consumer.start();
      await waitFor(async () => starts.includes(first.id));
      await replica.start();
      // Six notes, one every third of the ack wait: two ack waits have passed with the handler busy.
      await waitFor(async () => notes.length >= 6, 20_000, 50);
      // JetStream hands out redeliveries before new messages, so once the replica has handled a
      // marker published now, a redelivery of the first event would already have reached it.
      const marker = await publishEvent(bus, 'identity.user.logged_out', { userId: crypto.randomUUID() }, { tenantId: tenantA });
      await waitFor(async () => handled.includes(marker.id), 15_000, 50);
      expect(starts.filter((id) => id === first.id)).toHaveLength(1);
      release();
      await waitFor(async () => handled.includes(first.id));
    } finally {
      release(); // never leave the handler (and with it the consumer's stop) hanging
      await consumer.stop();
      await replica.stop();
      sub.unsubscribe();
    }
    expect(starts.filter((id) => id === first.id)).toHaveLength(1);
    const info = await (await jetstreamManager(bus.nc)).consumers.info(streamName(bus.ns, 'identity'), durable);
    expect(info.num_redelivered).toBe(0);
    expect(info.num_ack_pending).toBe(0);
  });

  test('malformed, unsigned and repeatedly failing events are parked in the dead-letter stream', async () => {
    const consumer = new EventConsumer({
      orm, nc: bus.nc, ns: bus.ns, signer: bus.signer, name: 'dlq', domains: ['identity'], maxDeliver: 2,
      filters: ['identity.user.updated'],
      handler: async () => { throw new Error('boom'); },
    });
    await consumer.start();
    await publishRaw(bus, 'identity.user.updated', 'not json');
    const forged = { ...(await inTenantTx(orm, { tenantId: tenantA }, (em) => new Outbox(bus.signer).publish(em, 'identity.user.updated', { userId: crypto.randomUUID(), changes: ['x'] }, { tenantId: tenantA, actor: { kind: 'system', userId: null } }))) };
    await publishRaw(bus, 'identity.user.updated', JSON.stringify({ ...forged, id: crypto.randomUUID(), signature: 'AAAA' }));
    const jsm = await jetstreamManager(bus.nc);
    const info = await waitFor(async () => {
      const s = await jsm.streams.info(streamName(bus.ns, 'dlq'));
      return s.state.messages >= 3 ? s : null;
    }, 15_000);
    await consumer.stop();
    const reasons: string[] = [];
    for (let seq = info.state.first_seq; seq <= info.state.last_seq; seq++) {
      const m = await jsm.streams.getMessage(streamName(bus.ns, 'dlq'), { seq });
      reasons.push(m!.header.get('Imagy-Dlq-Reason'));
    }
    expect(reasons.sort()).toEqual(['BAD_SIGNATURE', 'HANDLER_FAILED: boom', 'MALFORMED']);
  });
});
