import crypto from 'node:crypto';
import { jetstreamManager } from '@nats-io/jetstream';
import { createSubgraphOrm, ensureSubgraphSchema, inTenantTx, Migration, type Orm } from '@imagy/platform/db';
import { eventTablesSql, Outbox, OutboxRelay, streamName } from '@imagy/platform/events';
import { publishEnvelope, waitFor } from '@imagy/platform/testing';
import { auditIdForEvent } from '../src/ocsf';
import { startHarness, uuid, type Harness } from './harness';
import { ocsfProblems } from './ocsf-validator';

class ProducerInit extends Migration {
  async up() { for (const s of eventTablesSql()) this.addSql(s); }
}

describe('audit ingestion: every domain event becomes one OCSF event', () => {
  let h: Harness;
  let producer: Orm;
  let relay: OutboxRelay;
  const tenant = uuid();

  beforeAll(async () => {
    h = await startHarness('auditingest');
    // A small producer schema standing in for identity: outbox + relay, as every subgraph publishes.
    producer = await createSubgraphOrm({ adminUrl: h.db.adminUrl, schema: 'idfake', migrations: [{ name: 'ProducerInit', class: ProducerInit }] });
    const { url } = await ensureSubgraphSchema(h.db.adminUrl, 'idfake');
    relay = new OutboxRelay({ orm: producer, nc: h.bus.nc, ns: h.bus.ns, schema: 'idfake', listenUrl: url });
    await relay.start();
  });

  afterAll(async () => {
    await relay.stop();
    await producer.close(true);
    await h.close();
  });

  test('identity events published through an outbox become OCSF events of the right class that validate against the class schemas', async () => {
    const outbox = new Outbox(h.bus.signer);
    const userId = uuid();
    const admin = uuid();
    const envelopes = await inTenantTx(producer, { tenantId: tenant }, async (em) => [
      await outbox.publish(em, 'identity.tenant.updated', { tenantId: tenant, slug: 'acme', changes: ['name'], status: 'ACTIVE', hostnames: ['acme.example.test'] }, { tenantId: tenant, actor: { kind: 'user', userId: admin } }),
      await outbox.publish(em, 'identity.user.created', { userId, email: 'ana@acme.test', roles: ['staff'] }, { tenantId: tenant, actor: { kind: 'user', userId: admin }, requestId: 'req-created-1' }),
      await outbox.publish(em, 'identity.user.updated', { userId, changes: ['displayName'] }, { tenantId: tenant, actor: { kind: 'user', userId: admin } }),
      await outbox.publish(em, 'identity.user.login_succeeded', { userId, email: 'ana@acme.test', ip: '203.0.113.5', userAgent: 'Mozilla/5.0' }, { tenantId: tenant, actor: { kind: 'anonymous', userId: null } }),
      await outbox.publish(em, 'identity.user.login_failed', { userId, email: 'ana@acme.test', reason: 'BAD_CREDENTIALS', ip: '203.0.113.5', userAgent: null }, { tenantId: tenant, actor: { kind: 'anonymous', userId: null } }),
      await outbox.publish(em, 'identity.user.locked', { userId, email: 'ana@acme.test', until: new Date(Date.now() + 900_000).toISOString() }, { tenantId: tenant, actor: { kind: 'system', userId: null } }),
      await outbox.publish(em, 'identity.user.logged_out', { userId }, { tenantId: tenant, actor: { kind: 'user', userId } }),
    ]);
    const stored = [];
    for (const e of envelopes) stored.push(await h.stored(e.id));
    expect(stored.map((o) => [o.class_uid, o.activity_id, o.status_id])).toEqual([
      [3004, 3, 1], [3001, 1, 1], [3004, 3, 1], [3002, 1, 1], [3002, 1, 2], [3001, 9, 1], [3002, 2, 1],
    ]);
    for (const o of stored) expect(ocsfProblems(o)).toEqual([]);
    expect(stored[1]).toMatchObject({ metadata: { uid: envelopes[1]!.id, correlation_uid: 'req-created-1', tenant_uid: tenant, product: { name: 'Imagy', uid: 'imagy-identity' } }, actor: { user: { uid: admin } } });
  });

  test('disabling a user is stored as Account Change Disable, and a search for Account Change Disable finds it', async () => {
    const userId = uuid();
    const admin = uuid();
    const disabled = await h.publish('identity.user.updated', { userId, changes: ['status'], status: 'DISABLED' }, { tenantId: tenant, actor: { kind: 'user', userId: admin } });
    const enabled = await h.publish('identity.user.updated', { userId, changes: ['status'], status: 'ACTIVE' }, { tenantId: tenant, actor: { kind: 'user', userId: admin } });
    const o = await h.stored(disabled.id);
    expect(o).toMatchObject({ class_uid: 3001, activity_id: 5, type_uid: 300105, type_name: 'Account Change: Disable', user: { uid: userId }, actor: { user: { uid: admin } } });
    expect(ocsfProblems(o)).toEqual([]);
    expect(await h.stored(enabled.id)).toMatchObject({ class_uid: 3001, activity_id: 2 });
    const token = await h.token(tenant, ['auditor']);
    const found = await h.query(`query($f: AuditEventFilter) { auditEvents(filter: $f) { edges { node { resourceId activityName ocsf } } } }`, { f: { classUid: 3001, activityId: 5, resourceId: userId } }, token);
    expect(found.errors).toBeUndefined();
    expect(found.data.auditEvents.edges.map((e: any) => [e.node.resourceId, e.node.activityName, e.node.ocsf.metadata.uid])).toEqual([[userId, 'Disable', disabled.id]]);
  });

  test('an unknown future subject is stored as Entity Management by its verb, with secrets in its payload masked', async () => {
    const e = await h.publish('lending.application.created', { applicationId: 'app-1', borrowerDocumentNumber: '30111222', password: 'p4ss', notes: 'token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.abcdefghij' }, { tenantId: tenant });
    const o = await h.stored(e.id);
    expect(o).toMatchObject({ class_uid: 3004, activity_id: 1, entity: { type: 'application', uid: 'app-1' } });
    const text = JSON.stringify(o);
    expect(text).not.toContain('30111222');
    expect(text).not.toContain('p4ss');
    expect(text).not.toContain('eyJhbGciOiJIUzI1NiJ9');
    expect(ocsfProblems(o)).toEqual([]);
  });

  test('a duplicate delivery of the same event stores exactly one row', async () => {
    const e = await h.publish('identity.user.updated', { userId: uuid(), changes: ['phone'] }, { tenantId: tenant });
    await h.stored(e.id);
    // Redeliver with another message id (bypassing JetStream's duplicate window) and again with the same one.
    await publishEnvelope(h.bus, e, { msgId: crypto.randomUUID() });
    await publishEnvelope(h.bus, e);
    const marker = await h.publish('identity.user.updated', { userId: uuid(), changes: ['x'] }, { tenantId: tenant });
    await h.stored(marker.id); // the consumer got past the redeliveries
    expect(await h.rowsOf(e.id)).toBe(1);
  });

  test('storing the same event twice is refused by the table itself, without the inbox', async () => {
    const e = await h.publish('identity.user.updated', { userId: uuid(), changes: ['email'] }, { tenantId: tenant });
    const o = await h.stored(e.id);
    const id = auditIdForEvent(e.id);
    const inserted = await inTenantTx(h.audit.orm, { tenantId: tenant }, (em) => em.execute(
      `insert into audit_events (id, time, tenant_id, class_uid, category_uid, activity_id, type_uid, severity_id, status_id, message, search, ocsf)
       values (?, ?::timestamptz, ?, 3004, 3, 3, 300403, 1, 1, 'again', to_tsvector('simple', 'again'), ?::jsonb) on conflict do nothing returning id`,
      [id, new Date(o.time).toISOString(), tenant, JSON.stringify(o)]));
    expect(inserted).toEqual([]);
  });

  test('each stored event is announced as audit.event.recorded through the audit outbox', async () => {
    const e = await h.publish('identity.user.logged_out', { userId: uuid() }, { tenantId: tenant });
    await h.stored(e.id);
    const jsm = await jetstreamManager(h.bus.nc);
    const expectedId = auditIdForEvent(e.id);
    const found = await waitFor(async () => {
      const info = await jsm.streams.info(streamName(h.bus.ns, 'audit'));
      for (let seq = info.state.first_seq; seq <= info.state.last_seq && info.state.messages > 0; seq++) {
        const m = await jsm.streams.getMessage(streamName(h.bus.ns, 'audit'), { seq }).catch(() => null);
        const body = m?.json<{ subject: string; data: { eventId: string } }>();
        if (body?.data.eventId === expectedId) return body;
      }
      return null;
    });
    expect(found.subject).toBe('audit.event.recorded');
  });

  test('a platform-level event without a tenant is stored under the platform tenant', async () => {
    const e = await h.publish('billing.plan.created', { planId: 'plan-basic', name: 'Basic' }, { tenantId: null });
    const o = await h.stored(e.id);
    expect(o.metadata.tenant_uid).toBe('00000000-0000-0000-0000-000000000000');
  });
});
