import { inTenantTx } from '@imagy/platform/db';
import { ensureMonth, ensurePartitions, listPartitions, monthRange, monthsFrom } from '../src/partitions/partitions.service';
import { auditIdForEvent } from '../src/ocsf';
import { startHarness, uuid, type Harness } from './harness';

describe('audit partitions by month', () => {
  let h: Harness;
  beforeAll(async () => { h = await startHarness('auditparts'); });
  afterAll(async () => { await h.close(); });

  test('the current month and the next three exist as partitions after start, plus a default partition', async () => {
    const names = (await listPartitions(h.audit.orm)).map((p) => p.name);
    for (const m of monthsFrom(new Date(), 3)) expect(names).toContain(m.name);
    expect(names).toContain('audit_events_default');
    const bounds = (await listPartitions(h.audit.orm)).find((p) => p.name === monthsFrom(new Date(), 0)[0]!.name)!.bounds;
    expect(bounds).toMatch(/FOR VALUES FROM \('.+'\) TO \('.+'\)/);
  });

  test('creating partitions is idempotent and a later run prepares the months ahead of its own date', async () => {
    expect(await ensurePartitions(h.audit.orm)).toEqual([]);
    const later = new Date(Date.UTC(new Date().getUTCFullYear() + 1, 5, 10));
    const created = await ensurePartitions(h.audit.orm, later, 3);
    expect(created).toEqual(monthsFrom(later, 3).map((m) => m.name));
  });

  test('an event dated outside every prepared month lands in the default partition and moves into its month when that partition is created', async () => {
    const tenant = uuid();
    const old = new Date(Date.UTC(2019, 6, 14, 10));
    const e = await h.publish('identity.user.updated', { userId: uuid(), changes: ['x'] }, { tenantId: tenant, occurredAt: old });
    await h.stored(e.id);
    const where = () => inTenantTx(h.audit.orm, { tenantId: tenant }, (em) => em.execute('select tableoid::regclass::text as part from audit_events where id = ?', [auditIdForEvent(e.id)]));
    expect(await where()).toEqual([{ part: 'audit_events_default' }]);
    expect(await ensureMonth(h.audit.orm, monthRange(2019, 6))).toBe(true);
    expect(await where()).toEqual([{ part: 'audit_events_y2019m07' }]);
    // The moved-into partition keeps the parent's primary key: the same event cannot be stored twice.
    const again = await inTenantTx(h.audit.orm, { tenantId: tenant }, (em) => em.execute(
      `insert into audit_events (id, time, tenant_id, class_uid, category_uid, activity_id, type_uid, severity_id, status_id, search, ocsf)
       values (?, ?::timestamptz, ?, 3004, 3, 3, 300403, 1, 1, to_tsvector('simple', ''), '{}'::jsonb) on conflict do nothing returning id`, [auditIdForEvent(e.id), old.toISOString(), tenant]));
    expect(again).toEqual([]);
    const forced = await inTenantTx(h.audit.orm, { tenantId: null }, (em) => em.execute(`select relname, relforcerowsecurity from pg_class where relname in ('audit_events_default', 'audit_events_y2019m07') order by relname`));
    expect(forced).toEqual([{ relname: 'audit_events_default', relforcerowsecurity: true }, { relname: 'audit_events_y2019m07', relforcerowsecurity: true }]);
  });
});
