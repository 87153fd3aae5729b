import { ROLES } from '@imagy/platform/auth';
import { Outbox } from '@imagy/platform/events';
import { AuditEventService, EXPORT_LIMIT } from '../src/audit-events/audit-event.service';
import { gql } from '@imagy/platform/testing';
import { startHarness, uuid, type Harness } from './harness';
import { ocsfProblems } from './ocsf-validator';

const EVENT_FIELDS = `id time tenantId classUid className activityId activityName typeUid severityId statusId status message resourceType resourceId actorUserId correlationId actor { id } ocsf`;
const SEARCH = `query($filter: AuditEventFilter, $first: Int, $after: String) {
  auditEvents(filter: $filter, first: $first, after: $after) { totalCount edges { cursor node { ${EVENT_FIELDS} } } pageInfo { hasNextPage endCursor } }
}`;

describe('audit search, reports and export through GraphQL', () => {
  let h: Harness;
  let token: string;
  const tenant = uuid();
  const alice = uuid();
  const bob = uuid();
  const base = Date.UTC(2025, 0, 15, 12); // mid January 2025 (the default partition: older than the prepared months)
  const at = (days: number) => new Date(base + days * 86_400_000);
  const ids: string[] = [];

  beforeAll(async () => {
    h = await startHarness('auditsearch');
    token = await h.token(tenant, [ROLES.auditor]);
    const plan: [string, Record<string, unknown>, string | null, number][] = [
      ['identity.user.created', { userId: alice, email: 'alice@acme.test', roles: [] }, bob, 0],
      ['identity.user.login_succeeded', { userId: alice, email: 'alice@acme.test', ip: null, userAgent: null }, null, 1],
      ['identity.user.login_failed', { userId: alice, email: 'alice@acme.test', reason: 'BAD_CREDENTIALS', ip: null, userAgent: null }, null, 1],
      ['identity.user.login_failed', { userId: alice, email: 'alice@acme.test', reason: 'BAD_CREDENTIALS', ip: null, userAgent: null }, null, 2],
      ['lending.product.created', { productId: 'prod-1', name: 'Microcredit' }, bob, 8],
      ['lending.product.updated', { productId: 'prod-1', name: 'Microcredit', changes: ['rate'] }, bob, 9],
      ['lending.product.updated', { productId: 'prod-2', name: 'Payroll loan', changes: ['term'] }, alice, 40],
    ];
    for (const [subject, data, actor, day] of plan) {
      const e = await h.publish(subject, data, { tenantId: tenant, occurredAt: at(day), actor: actor ? { kind: 'user', userId: actor } : { kind: 'anonymous', userId: null } });
      ids.push(e.id);
    }
    for (const id of ids) await h.stored(id);
  });

  afterAll(async () => { await h.close(); });

  const search = async (filter: Record<string, unknown>, first = 20, after?: string) => {
    const r = await h.query(SEARCH, { filter, first, after }, token);
    expect(r.errors).toBeUndefined();
    return r.data.auditEvents;
  };

  test('events are listed newest first with typed fields and their exact OCSF JSON', async () => {
    const page = await search({});
    expect(page.totalCount).toBe(7);
    const times = page.edges.map((e: any) => Date.parse(e.node.time));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
    const newest = page.edges[0].node;
    expect(newest).toMatchObject({ classUid: 3004, className: 'Entity Management', activityId: 3, activityName: 'Update', typeUid: 300403, resourceType: 'product', resourceId: 'prod-2', actor: { id: alice }, tenantId: tenant });
    expect(newest.ocsf.metadata.uid).toBe(ids[6]);
    for (const e of page.edges) expect(ocsfProblems(e.node.ocsf)).toEqual([]);
  });

  test('filters by actor, resource, class, activity, status and time range narrow the results', async () => {
    expect((await search({ actorUserId: bob })).totalCount).toBe(3);
    expect((await search({ resourceType: 'product', resourceId: 'prod-1' })).totalCount).toBe(2);
    expect((await search({ classUid: 3002 })).totalCount).toBe(3);
    expect((await search({ classUid: 3002, statusId: 2 })).totalCount).toBe(2);
    expect((await search({ classUid: 3004, activityId: 1 })).totalCount).toBe(1);
    expect((await search({ from: at(1).toISOString(), to: at(9).toISOString() })).totalCount).toBe(4);
  });

  test('free text finds events by words and word prefixes of their message, names and e-mails', async () => {
    expect((await search({ text: 'payroll' })).totalCount).toBe(1);
    expect((await search({ text: 'alice BAD_CRED' })).totalCount).toBe(2);
    expect((await search({ text: 'micro' })).totalCount).toBe(2);
    expect((await search({ text: 'nothing-like-this' })).totalCount).toBe(0);
  });

  test('keyset pagination walks every event once, newest first, with a bounded page size', async () => {
    const seen: string[] = [];
    let after: string | undefined;
    for (let i = 0; i < 10; i++) {
      const page = await search({}, 3, after);
      seen.push(...page.edges.map((e: any) => e.node.id));
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    expect(seen).toHaveLength(7);
    expect(new Set(seen).size).toBe(7);
    const tooMany = await h.query(SEARCH, { first: 1000 }, token);
    expect(tooMany.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const badCursor = await h.query(SEARCH, { first: 2, after: 'garbage' }, token);
    expect(badCursor.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  test('an event is readable by id and as a federated entity', async () => {
    const page = await search({ resourceId: 'prod-2' });
    const id = page.edges[0].node.id;
    const one = await h.query(`query($id: ID!) { auditEvent(id: $id) { id message ocsf } }`, { id }, token);
    expect(one.data.auditEvent.id).toBe(id);
    const entity = await h.query(`query($r: [_Any!]!) { _entities(representations: $r) { ... on AuditEvent { id classUid } } }`, { r: [{ __typename: 'AuditEvent', id }] }, token);
    expect(entity.data._entities[0]).toEqual({ id, classUid: 3004 });
    const missing = await h.query(`query($id: ID!) { auditEvent(id: $id) { id } }`, { id: uuid() }, token);
    expect(missing.data.auditEvent).toBeNull();
  });

  test('reports count events per actor, per resource and per period with first, last and failures', async () => {
    const q = `query($g: AuditReportGroupBy!, $p: AuditPeriod, $from: DateTime!, $to: DateTime!) { auditReport(groupBy: $g, period: $p, from: $from, to: $to) { key count firstAt lastAt failures actor { id } } }`;
    const range = { from: at(-1).toISOString(), to: at(60).toISOString() };
    const byActor = (await h.query(q, { g: 'ACTOR', ...range }, token)).data.auditReport;
    expect(byActor).toEqual(expect.arrayContaining([
      expect.objectContaining({ key: alice, count: 4, failures: 2, actor: { id: alice } }),
      expect.objectContaining({ key: bob, count: 3, failures: 0 }),
    ]));
    const byResource = (await h.query(q, { g: 'RESOURCE', ...range }, token)).data.auditReport;
    expect(byResource).toEqual(expect.arrayContaining([expect.objectContaining({ key: 'product:prod-1', count: 2, firstAt: at(8).toISOString(), lastAt: at(9).toISOString() })]));
    const byMonth = (await h.query(q, { g: 'PERIOD', p: 'MONTH', ...range }, token)).data.auditReport;
    expect(byMonth.map((r: any) => [r.key, r.count, r.failures])).toEqual([['2025-01', 6, 2], ['2025-02', 1, 0]]);
    const byDay = (await h.query(q, { g: 'PERIOD', p: 'DAY', ...range }, token)).data.auditReport;
    expect(byDay.map((r: any) => r.key)).toEqual(['2025-01-15', '2025-01-16', '2025-01-17', '2025-01-23', '2025-01-24', '2025-02-24']);
    const byWeek = (await h.query(q, { g: 'PERIOD', p: 'WEEK', ...range }, token)).data.auditReport;
    expect(byWeek.reduce((n: number, r: any) => n + r.count, 0)).toBe(7);
    const noPeriod = await h.query(q, { g: 'PERIOD', ...range }, token);
    expect(noPeriod.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  test('an actor identity never announced in the tenant keeps its id but is shown as external, never resolved as a user', async () => {
    // Bob acts in this tenant (as a platform admin would) but was never created or logged on here; Alice was created here.
    const q = `query($from: DateTime!, $to: DateTime!) { auditReport(groupBy: ACTOR, from: $from, to: $to) { key count actor { id } actorKind } }`;
    const report = await h.query(q, { from: at(-1).toISOString(), to: at(60).toISOString() }, token);
    expect(report.errors).toBeUndefined();
    const rows = report.data.auditReport;
    expect(rows.find((r: any) => r.key === bob)).toEqual({ key: bob, count: 3, actor: null, actorKind: 'EXTERNAL_USER' });
    expect(rows.find((r: any) => r.key === alice)).toEqual({ key: alice, count: 4, actor: { id: alice }, actorKind: 'USER' });
    const events = await search({ actorUserId: bob });
    expect(events.edges.map((e: any) => [e.node.actorUserId, e.node.actor])).toEqual([[bob, null], [bob, null], [bob, null]]);
    const kinds = await h.query(`query($f: AuditEventFilter) { auditEvents(filter: $f, first: 50) { edges { node { actorUserId actorKind } } } }`, { f: {} }, token);
    expect(new Set(kinds.data.auditEvents.edges.map((e: any) => `${e.node.actorUserId}:${e.node.actorKind}`))).toEqual(new Set([`${bob}:EXTERNAL_USER`, `${alice}:USER`]));
    // Bob's stored events do not claim he belongs to this tenant.
    for (const e of events.edges) expect(e.node.ocsf.actor.user).toEqual({ uid: bob, type_id: 1, type: 'User' });
    // Other groupings carry no actor kind.
    const byResource = await h.query(`query($from: DateTime!, $to: DateTime!) { auditReport(groupBy: RESOURCE, from: $from, to: $to) { key actorKind } }`, { from: at(-1).toISOString(), to: at(60).toISOString() }, token);
    expect(byResource.data.auditReport.every((r: any) => r.actorKind === null)).toBe(true);
  });

  test('NDJSON export returns one OCSF event per line, oldest first, through GraphQL and over HTTP', async () => {
    const range = { from: at(-1).toISOString(), to: at(60).toISOString() };
    const r = await h.query(`query($from: DateTime!, $to: DateTime!) { exportAuditEvents(from: $from, to: $to) }`, range, token);
    const lines = (r.data.exportAuditEvents as string).trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toHaveLength(7);
    expect(new Set(lines.map((l) => l.metadata.uid))).toEqual(new Set(ids));
    const keys = lines.map((l) => [l.time, l.metadata.uid]);
    expect([...keys].sort((a, b) => a[0] - b[0] || 0)).toEqual(keys.map((k) => k)); // oldest first
    for (const l of lines) expect(ocsfProblems(l)).toEqual([]);

    const base = h.audit.url.replace(/\/graphql$/, '');
    const res = await fetch(`${base}/export.ndjson?from=${encodeURIComponent(range.from)}&to=${encodeURIComponent(range.to)}`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/x-ndjson');
    const http = (await res.text()).trim().split('\n').map((l) => JSON.parse(l));
    expect(http).toEqual(lines);

    const anon = await fetch(`${base}/export.ndjson?from=${encodeURIComponent(range.from)}&to=${encodeURIComponent(range.to)}`);
    expect(anon.status).toBe(401);
    const badRange = await fetch(`${base}/export.ndjson?from=nope&to=nope`, { headers: { authorization: `Bearer ${token}` } });
    expect(badRange.status).toBe(400);
  });

  test('an export larger than its bound is refused with a clear error before anything is sent', async () => {
    const service = new AuditEventService(h.audit.orm, new Outbox(h.bus.signer));
    const auth = { kind: 'user' as const, tenantId: tenant, userId: uuid(), roles: [ROLES.auditor], scopes: [], requestId: 'req-export-bound' };
    const chunks = service.exportChunks(auth, at(-1), at(60), 5);
    await expect(chunks.next()).rejects.toThrow('The range holds more than 5 events; export a shorter range');
    expect(EXPORT_LIMIT).toBe(10_000);
  });

  test('staff record explicit API activity, idempotently, and the record is searchable', async () => {
    const staff = uuid();
    const staffToken = await h.token(tenant, [ROLES.staff], staff);
    const m = `mutation($input: RecordAuditEventInput!) { recordAuditEvent(input: $input) { event { id classUid activityId typeUid actor { id } ocsf } userErrors { code field message } } }`;
    const input = { kind: 'API_ACTIVITY', activity: 'READ', operation: 'exportBorrowerData', resourceType: 'borrower', resourceId: 'bor-7', data: { reason: 'court order', secret: 's3cr3t' }, idempotencyKey: 'export-bor-7-0001' };
    const first = await h.query(m, { input }, staffToken);
    expect(first.errors).toBeUndefined();
    const ev = first.data.recordAuditEvent.event;
    expect(ev).toMatchObject({ classUid: 6003, activityId: 2, typeUid: 600302, actor: { id: staff } });
    expect(ocsfProblems(ev.ocsf)).toEqual([]);
    expect(JSON.stringify(ev.ocsf)).not.toContain('s3cr3t');
    const replay = await h.query(m, { input }, staffToken);
    expect(replay.data.recordAuditEvent.event.id).toBe(ev.id);
    expect((await search({ resourceId: 'bor-7' })).totalCount).toBe(1);

    const invalid = await h.query(m, { input: { ...input, operation: 'no spaces allowed', idempotencyKey: null } }, staffToken);
    expect(invalid.data.recordAuditEvent).toEqual({ event: null, userErrors: [expect.objectContaining({ code: 'INVALID', field: 'operation' })] });

    const entity = await h.query(m, { input: { kind: 'ENTITY_MANAGEMENT', activity: 'DELETE', operation: 'purgeDraft', resourceType: 'product', resourceId: 'prod-x' } }, staffToken);
    expect(entity.data.recordAuditEvent.event).toMatchObject({ classUid: 3004, activityId: 4 });
    expect(ocsfProblems(entity.data.recordAuditEvent.event.ocsf)).toEqual([]);

    const auditorWrites = await h.query(m, { input }, token);
    expect(auditorWrites.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  test('recorded data over 16 KiB is TOO_LARGE, worded as data size in English and Spanish; an export range over its bound says so', async () => {
    const staffToken = await h.token(tenant, [ROLES.staff], uuid());
    const m = `mutation($input: RecordAuditEventInput!) { recordAuditEvent(input: $input) { event { id } userErrors { code field message } } }`;
    const input = { kind: 'API_ACTIVITY', activity: 'READ', operation: 'bulkExport', resourceType: 'borrower', data: { blob: 'x'.repeat(17 * 1024) } };
    const en = await h.query(m, { input }, staffToken);
    expect(en.data.recordAuditEvent).toEqual({ event: null, userErrors: [{ code: 'TOO_LARGE', field: 'data', message: 'data is limited to 16 KiB of JSON' }] });
    const es = await gql(h.audit.url, m, { input }, { token: staffToken, headers: { 'accept-language': 'es' } });
    expect(es.data.recordAuditEvent.userErrors).toEqual([{ code: 'TOO_LARGE', field: 'data', message: 'data admite como máximo 16 KiB de JSON.' }]);
    // The other meaning has its own code and text.
    const service = new AuditEventService(h.audit.orm, new Outbox(h.bus.signer));
    const auth = { kind: 'user' as const, tenantId: tenant, userId: uuid(), roles: [ROLES.auditor], scopes: [], requestId: 'req-range-bound' };
    await expect(service.exportChunks(auth, at(-1), at(60), 2).next()).rejects.toThrow('The range holds more than 2 events; export a shorter range');
  });
});
