import { ROLES } from '@imagy/platform/auth';
import { inTenantTx } from '@imagy/platform/db';
import { gql } from '@imagy/platform/testing';
import { auditIdForEvent } from '../src/ocsf';
import { startHarness, uuid, type Harness } from './harness';

const SEARCH = `query($filter: AuditEventFilter) { auditEvents(filter: $filter, first: 100) { totalCount edges { node { id tenantId message } } } }`;
const BY_ID = `query($id: ID!) { auditEvent(id: $id) { id tenantId } }`;

describe('audit access: tenants see only their own trail', () => {
  let h: Harness;
  const tenantA = uuid();
  const tenantB = uuid();
  let eventA: string;
  let eventB: string;

  beforeAll(async () => {
    h = await startHarness('auditaccess');
    const a = await h.publish('identity.user.created', { userId: uuid(), email: 'secret-agent@tenant-a.test', roles: [] }, { tenantId: tenantA });
    const b = await h.publish('identity.user.created', { userId: uuid(), email: 'someone@tenant-b.test', roles: [] }, { tenantId: tenantB });
    await h.stored(a.id);
    await h.stored(b.id);
    eventA = auditIdForEvent(a.id);
    eventB = auditIdForEvent(b.id);
  });

  afterAll(async () => { await h.close(); });

  test("tenant B's auditor sees none of tenant A's events, by id or by search", async () => {
    const token = await h.token(tenantB, [ROLES.auditor]);
    const byId = await h.query(BY_ID, { id: eventA }, token);
    expect(byId.data.auditEvent).toBeNull();
    const entity = await h.query(`query($r: [_Any!]!) { _entities(representations: $r) { ... on AuditEvent { id } } }`, { r: [{ __typename: 'AuditEvent', id: eventA }] }, token);
    expect(entity.data._entities).toEqual([null]);
    const search = await h.query(SEARCH, { filter: { text: 'secret agent' } }, token);
    expect(search.data.auditEvents.totalCount).toBe(0);
    const all = await h.query(SEARCH, {}, token);
    expect(all.data.auditEvents.edges.map((e: any) => e.node.id)).toEqual([eventB]);
    const now = Date.now();
    const report = await h.query(`query($from: DateTime!, $to: DateTime!) { auditReport(groupBy: PERIOD, period: DAY, from: $from, to: $to) { count } }`, { from: new Date(now - 86_400_000).toISOString(), to: new Date(now + 86_400_000).toISOString() }, token);
    expect(report.data.auditReport.reduce((n: number, r: { count: number }) => n + r.count, 0)).toBe(1);
    const tooLong = await h.query(`query { auditReport(groupBy: ACTOR, from: "2000-01-01T00:00:00Z", to: "2002-01-01T00:00:00Z") { key } }`, {}, token);
    expect(tooLong.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT'); // bounded: at most 400 days
    const ndjson = await h.query(`query($from: DateTime!, $to: DateTime!) { exportAuditEvents(from: $from, to: $to) }`, { from: new Date(now - 86_400_000).toISOString(), to: new Date(now + 86_400_000).toISOString() }, token);
    expect(ndjson.data.exportAuditEvents).not.toContain('tenant-a.test');
  });

  test("a tenant admin sees their own tenant's events", async () => {
    const token = await h.token(tenantA, [ROLES.tenantAdmin]);
    const all = await h.query(SEARCH, {}, token);
    expect(all.data.auditEvents.edges.map((e: any) => e.node.id)).toEqual([eventA]);
  });

  test('a platform auditor sees every tenant', async () => {
    const token = await h.token(tenantB, [ROLES.platformAuditor]);
    const ids = (await h.query(SEARCH, {}, token)).data.auditEvents.edges.map((e: any) => e.node.id);
    expect(ids).toEqual(expect.arrayContaining([eventA, eventB]));
    expect((await h.query(BY_ID, { id: eventA }, token)).data.auditEvent).toEqual({ id: eventA, tenantId: tenantA });
  });

  test('anonymous callers, forged tokens and roles without audit rights get nothing', async () => {
    const anon = await h.query(SEARCH, {});
    expect(anon.data?.auditEvents ?? null).toBeNull();
    expect(anon.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    const anonById = await h.query(BY_ID, { id: eventA });
    expect(anonById.data?.auditEvent ?? null).toBeNull();
    expect(anonById.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    const forged = await gql(h.audit.url, SEARCH, {}, { token: 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.' });
    expect(forged.data?.auditEvents ?? null).toBeNull();
    expect(forged.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    const borrower = await h.query(SEARCH, {}, await h.token(tenantA, [ROLES.borrower]));
    expect(borrower.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const record = await h.query(`mutation { recordAuditEvent(input: { kind: API_ACTIVITY, activity: READ, operation: "x", resourceType: "y" }) { event { id } } }`, {});
    expect(record.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  test('row level security applies through the partitioned parent and on each partition', async () => {
    const count = (scope: { tenantId: string | null; allTenants?: boolean }, table = 'audit_events') =>
      inTenantTx(h.audit.orm, scope, async (em) => ((await em.execute(`select count(*)::int as n from ${table}`)) as { n: number }[])[0]!.n);
    expect(await count({ tenantId: null })).toBe(0);
    expect(await count({ tenantId: tenantA })).toBe(1);
    expect(await count({ tenantId: null, allTenants: true })).toBeGreaterThanOrEqual(2);
    const now = new Date();
    const partition = `audit_events_y${now.getUTCFullYear()}m${String(now.getUTCMonth() + 1).padStart(2, '0')}`;
    expect(await count({ tenantId: null }, partition)).toBe(0);
    expect(await count({ tenantId: tenantA }, partition)).toBe(1);
    // Writing another tenant's row, or reading under all-tenants then writing, is refused by the policy.
    await expect(inTenantTx(h.audit.orm, { tenantId: tenantA, allTenants: true }, (em) => em.execute(
      `insert into audit_events (id, time, tenant_id, class_uid, category_uid, activity_id, type_uid, severity_id, status_id, search, ocsf)
       values (?, now(), ?, 3004, 3, 1, 300401, 1, 1, to_tsvector('simple', ''), '{}'::jsonb)`, [uuid(), tenantB]))).rejects.toThrow(/row-level security/);
    const rls = await inTenantTx(h.audit.orm, { tenantId: null }, (em) => em.execute(
      `select relname, relrowsecurity, relforcerowsecurity from pg_class where relname in ('audit_events', 'audit_events_default', ?) order by relname`, [partition]));
    expect(rls).toEqual([
      { relname: 'audit_events', relrowsecurity: true, relforcerowsecurity: true },
      { relname: 'audit_events_default', relrowsecurity: true, relforcerowsecurity: true },
      { relname: partition, relrowsecurity: true, relforcerowsecurity: true },
    ]);
  });
});
