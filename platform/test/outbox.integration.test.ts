import crypto from 'node:crypto';
import { inTenantTx, Migration, type Orm } from '../src/db';
import { EventConsumer, Outbox, OutboxRelay, eventTablesSql, type EventEnvelope } from '../src/events';
import { sqlRows, startRelayFixture, waitFor, type RelayFixture, type TestBus, type TestDb } from '../src/testing';

class Init extends Migration {
  async up() {
    for (const s of eventTablesSql()) this.addSql(s);
  }
}

describe('Outbox.publishMany on real PostgreSQL and JetStream', () => {
  let fixture: RelayFixture;
  let db: TestDb;
  let bus: TestBus;
  let orm: Orm;
  const tenant = crypto.randomUUID();
  const actor = { kind: 'system' as const, userId: null };

  beforeAll(async () => {
    fixture = await startRelayFixture('outboxmany', 'obtest', [{ name: 'Init', class: Init }]);
    ({ db, bus, orm } = fixture);
  });
  afterAll(async () => { await fixture?.close(); });

  const defaulted = (n: number) => Array.from({ length: n }, (_, i) => ({
    data: { creditId: crypto.randomUUID(), borrowerId: crypto.randomUUID(), daysPastDue: 90 + i, businessDate: '2025-03-17', principalOutstanding: `${i}.00`, currency: 'MXN' },
  }));

  test('many events of one subject are written in one statement per chunk, signed like publish(), and each reaches a consumer once', async () => {
    const outbox = new Outbox(bus.signer);
    const items = defaulted(5);
    const fixedId = crypto.randomUUID();
    items[0] = { ...items[0]!, id: fixedId } as (typeof items)[number];
    let statements = 0;
    const envelopes = await inTenantTx(orm, { tenantId: tenant }, async (em) => {
      const execute = em.execute.bind(em);
      const counting = jest.spyOn(em, 'execute').mockImplementation(((...args: Parameters<typeof execute>) => { statements += 1; return execute(...args); }) as typeof em.execute);
      try {
        return await outbox.publishMany(em, 'lending.credit.defaulted', items, { tenantId: tenant, actor, requestId: 'req-1' }, 2);
      } finally { counting.mockRestore(); }
    });
    expect(statements).toBe(3);
    expect(envelopes).toHaveLength(5);
    expect(envelopes[0]!.id).toBe(fixedId);
    expect(new Set(envelopes.map((e) => e.id)).size).toBe(5);
    expect(envelopes.every((e) => bus.signer.verify(e) && e.subject === 'lending.credit.defaulted' && e.tenantId === tenant && e.requestId === 'req-1')).toBe(true);
    expect(new Set(envelopes.map((e) => e.occurredAt)).size).toBe(1);

    // Read as the administrator: the subgraph's role sees no outbox row outside the relay (RLS).
    const rows = await sqlRows<{ id: string; subject: string; tenant_id: string; envelope: EventEnvelope }>(db.adminUrl, 'select id, subject, tenant_id, envelope from obtest.outbox');
    expect(rows.map((r) => r.id).sort()).toEqual(envelopes.map((e) => e.id).sort());
    expect(rows.every((r) => r.subject === 'lending.credit.defaulted' && r.tenant_id === tenant && bus.signer.verify(r.envelope))).toBe(true);
    expect(rows.find((r) => r.id === fixedId)?.envelope.data).toEqual(items[0]!.data);

    const seen: string[] = [];
    const consumer = new EventConsumer({
      orm, nc: bus.nc, ns: bus.ns, signer: bus.signer, name: 'many', domains: ['lending'], filters: ['lending.credit.defaulted'],
      handler: async (_em, e) => { seen.push(e.id); },
    });
    await consumer.start();
    try {
      await waitFor(async () => seen.length >= 5, 15_000);
    } finally { await consumer.stop(); }
    expect(seen.sort()).toEqual(envelopes.map((e) => e.id).sort());
  });

  test('a rolled back transaction leaves none of the events, and an empty list sends no statement', async () => {
    const outbox = new Outbox(bus.signer);
    const before = await sqlRows<{ n: number }>(db.adminUrl, 'select count(*)::int as n from obtest.outbox');
    await expect(inTenantTx(orm, { tenantId: tenant }, async (em) => {
      await outbox.publishMany(em, 'lending.credit.defaulted', defaulted(3), { tenantId: tenant, actor });
      throw new Error('rollback');
    })).rejects.toThrow('rollback');
    let statements = 0;
    const none = await inTenantTx(orm, { tenantId: tenant }, async (em) => {
      const execute = em.execute.bind(em);
      const counting = jest.spyOn(em, 'execute').mockImplementation(((...args: Parameters<typeof execute>) => { statements += 1; return execute(...args); }) as typeof em.execute);
      try { return await outbox.publishMany(em, 'lending.credit.defaulted', [], { tenantId: tenant, actor }); } finally { counting.mockRestore(); }
    });
    expect(none).toEqual([]);
    expect(statements).toBe(0);
    expect(await sqlRows<{ n: number }>(db.adminUrl, 'select count(*)::int as n from obtest.outbox')).toEqual(before);
  });

  test("the subgraph's role can append to the outbox but not read, change or delete it outside the relay; the relay still publishes", async () => {
    const outbox = new Outbox(bus.signer);
    const data = defaulted(1)[0]!.data;
    const envelope = await inTenantTx(orm, { tenantId: tenant }, (em) => outbox.publish(em, 'lending.credit.defaulted', data, { tenantId: tenant, actor }));
    // Its own tenant, another tenant, no tenant: the role sees nothing and changes nothing.
    for (const tenantId of [tenant, crypto.randomUUID(), null]) {
      const seen = await inTenantTx(orm, { tenantId }, async (em) => ({
        rows: (await em.execute<{ n: number }[]>('select count(*)::int as n from outbox'))[0]!.n,
        updated: (await em.getConnection().execute(`update outbox set subject = 'tampered'`, [], 'run') as { affectedRows: number }).affectedRows,
        deleted: (await em.getConnection().execute('delete from outbox', [], 'run') as { affectedRows: number }).affectedRows,
      }));
      expect({ tenantId, ...seen }).toEqual({ tenantId, rows: 0, updated: 0, deleted: 0 });
    }
    const [stored] = await sqlRows<{ subject: string }>(db.adminUrl, 'select subject from obtest.outbox where id = $1', [envelope.id]);
    expect(stored).toEqual({ subject: 'lending.credit.defaulted' });
    // The relay, which declares itself, publishes it.
    await waitFor(async () => (await sqlRows<{ published: boolean }>(db.adminUrl, 'select published_at is not null as published from obtest.outbox where id = $1', [envelope.id]))[0]?.published);
  });

  test('the relay deletes published rows older than the retention, never unpublished ones', async () => {
    const old = crypto.randomUUID();
    const pending = crypto.randomUUID();
    const recent = crypto.randomUUID();
    const row = (id: string) => [id, 'lending.credit.defaulted', tenant, JSON.stringify({ id })];
    await sqlRows(db.adminUrl, `insert into obtest.outbox (id, subject, tenant_id, envelope, created_at, published_at) values
      ($1, $2, $3, $4::jsonb, now() - interval '100 hours', now() - interval '99 hours')`, row(old));
    await sqlRows(db.adminUrl, `insert into obtest.outbox (id, subject, tenant_id, envelope, created_at, published_at) values
      ($1, $2, $3, $4::jsonb, now() - interval '1 hour', now() - interval '1 hour')`, row(recent));
    await fixture.relay.stop(); // so the unpublished row stays unpublished while it is looked at
    try {
      await sqlRows(db.adminUrl, `insert into obtest.outbox (id, subject, tenant_id, envelope, created_at) values ($1, $2, $3, $4::jsonb, now() - interval '200 hours')`, row(pending));
      expect(await fixture.relay.prune(72)).toBeGreaterThanOrEqual(1);
      const left = await sqlRows<{ id: string }>(db.adminUrl, 'select id from obtest.outbox where id = any($1::uuid[])', [[old, pending, recent]]);
      expect(left.map((r) => r.id).sort()).toEqual([pending, recent].sort());
    } finally {
      await sqlRows(db.adminUrl, 'delete from obtest.outbox where id = $1', [pending]);
      fixture.relay = new OutboxRelay({ orm, nc: bus.nc, ns: bus.ns, schema: 'obtest', listenUrl: fixture.roleUrl });
      await fixture.relay.start();
    }
  });
});

