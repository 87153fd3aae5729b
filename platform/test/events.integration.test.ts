import crypto from 'node:crypto';
import { jetstreamManager } from '@nats-io/jetstream';
import { createSubgraphOrm, inTenantTx, Migration, tenantRlsSql, type Orm } from '../src/db';
import { EventConsumer, Outbox, OutboxRelay, eventTablesSql, streamName, type EventEnvelope } from '../src/events';
import { createTestBus, createTestDb, publishEnvelope, publishEvent, publishRaw, waitFor, type TestBus, type TestDb } from '../src/testing';
import { ensureSubgraphSchema } from '../src/db/provision';

class Init extends Migration {
  async up() {
    for (const s of eventTablesSql()) this.addSql(s);
    this.addSql('create table handled (tenant_id uuid not null, event_id uuid not null, email text not null)');
    for (const s of tenantRlsSql('handled')) this.addSql(s);
  }
}

describe('events: outbox, relay and consumer on real PostgreSQL and JetStream', () => {
  let db: TestDb;
  let bus: TestBus;
  let orm: Orm;
  let relay: OutboxRelay;
  const tenantA = crypto.randomUUID();

  beforeAll(async () => {
    db = await createTestDb('events');
    bus = await createTestBus();
    orm = await createSubgraphOrm({ adminUrl: db.adminUrl, schema: 'evtest', migrations: [{ name: 'Init', class: Init }] });
    const { url } = await ensureSubgraphSchema(db.adminUrl, 'evtest');
    relay = new OutboxRelay({ orm, nc: bus.nc, ns: bus.ns, schema: 'evtest', listenUrl: url });
    await relay.start();
  });

  afterAll(async () => {
    await relay.stop();
    await orm.close(true);
    await bus.close();
    await db.drop();
  });

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
