/**
 * Hostile arguments to audit's mutation and queries (issue 16, "Inputs"): JSON nested too deep or
 * too large, NUL characters and lone surrogates in any text, impossible or out-of-range dates. Each
 * is refused as a typed BAD_USER_INPUT naming what is wrong, never an internal error, and nothing
 * is written (no audit row, no outbox announcement).
 */
import { ROLES } from '@imagy/platform/auth';
import { inTenantTx } from '@imagy/platform/db';
import { startHarness, uuid, type Harness } from './harness';

const RECORD = `mutation($input: RecordAuditEventInput!) { recordAuditEvent(input: $input) { event { id } userErrors { code field message } } }`;
const SEARCH = `query($filter: AuditEventFilter, $after: String) { auditEvents(filter: $filter, first: 5, after: $after) { totalCount edges { node { id } } } }`;
const REPORT = `query($from: DateTime!, $to: DateTime!, $filter: AuditEventFilter) { auditReport(groupBy: ACTOR, from: $from, to: $to, filter: $filter) { key } }`;
const EXPORT = `query($from: DateTime!, $to: DateTime!) { exportAuditEvents(from: $from, to: $to) }`;

const nested = (depth: number): unknown => (depth === 0 ? 'leaf' : { next: nested(depth - 1) });

describe('audit refuses hostile arguments with typed errors and writes nothing', () => {
  let h: Harness;
  let staff: string;
  let auditor: string;
  const tenant = uuid();
  const valid = { kind: 'API_ACTIVITY', activity: 'READ', operation: 'exportBorrowerData', resourceType: 'borrower', resourceId: 'b-1' };

  beforeAll(async () => {
    h = await startHarness('auditinputs');
    staff = await h.token(tenant, [ROLES.staff], uuid());
    auditor = await h.token(tenant, [ROLES.auditor], uuid());
  });
  afterAll(async () => { await h.close(); });

  const written = async () => inTenantTx(h.audit.orm, { tenantId: tenant }, async (em) => {
    const [events] = await em.execute<{ n: number }[]>('select count(*)::int as n from audit_events');
    // The outbox is readable only by a transaction that says it is the relay (platform outbox RLS).
    await em.execute(`select set_config('app.outbox_relay', 'on', true)`);
    const [outbox] = await em.execute<{ n: number }[]>('select count(*)::int as n from outbox');
    return { events: events!.n, outbox: outbox!.n };
  });

  const refused = (r: { data?: any; errors?: { message: string; extensions?: { code?: string } }[] }, mention?: string) => {
    expect(r.errors?.map((e) => e.extensions?.code)).toEqual(['BAD_USER_INPUT']);
    if (mention) expect(r.errors![0]!.message).toContain(mention);
  };

  test('recordAuditEvent: JSON data too deep, too large, or holding NUL / lone surrogates is BAD_USER_INPUT and stores nothing', async () => {
    const before = await written();
    for (const data of [nested(40), { blob: 'x'.repeat(70 * 1024) }, { note: 'a\u0000b' }, { 'k\u0000': 1 }, { note: 'half \ud800 surrogate' }]) {
      refused(await h.query(RECORD, { input: { ...valid, data } }, staff), 'data');
    }
    expect(await written()).toEqual(before);
  });

  test('recordAuditEvent: NUL or a lone surrogate in any text field is BAD_USER_INPUT naming the field, and stores nothing', async () => {
    const before = await written();
    for (const field of ['operation', 'resourceType', 'resourceId', 'resourceName', 'message', 'serviceName', 'idempotencyKey']) {
      for (const bad of ['bad\u0000text-0001', 'bad\udc00text-0001']) {
        refused(await h.query(RECORD, { input: { ...valid, [field]: bad } }, staff), field);
      }
    }
    expect(await written()).toEqual(before);
    // The same input without the bad character is stored: the refusals were about the character.
    const ok = await h.query(RECORD, { input: { ...valid, message: 'clean text' } }, staff);
    expect(ok.data.recordAuditEvent.userErrors).toEqual([]);
  });

  test('recordAuditEvent: terminal escapes, control characters, line breaks and direction overrides in shown text are INVALID_TEXT naming the field, and store nothing', async () => {
    const before = await written();
    for (const field of ['resourceId', 'resourceName', 'message', 'idempotencyKey']) {
      for (const bad of ['red\u001b[31mtext-0001', '\u0007bell-0001', 'forged\nline-0001', 'evil\u202Etxt.exe-0001', '\u2066rtl\u2069-0001']) {
        const r = await h.query(RECORD, { input: { ...valid, [field]: bad } }, staff);
        expect(r.errors).toBeUndefined();
        expect(r.data.recordAuditEvent).toEqual({ event: null, userErrors: [expect.objectContaining({ code: 'INVALID_TEXT', field })] });
      }
    }
    expect(await written()).toEqual(before);
    // Joiners stay allowed (emoji sequences, Persian and Indic names).
    const ok = await h.query(RECORD, { input: { ...valid, resourceName: 'familia \u{1F468}\u200D\u{1F469}\u200D\u{1F467} \u0645\u06CC\u200C\u062E\u0648\u0627\u0647\u0645' } }, staff);
    expect(ok.data.recordAuditEvent.userErrors).toEqual([]);
  });

  test('search and report filters: impossible, out-of-range or offset-less dates and NUL text are BAD_USER_INPUT', async () => {
    for (const from of ['0000-01-01T00:00:00Z', '0001-01-01T00:00:00Z', '2025-02-30T00:00:00Z', '2025-01-01T00:00:00', '12345-01-01T00:00:00Z', 'yesterday', 20250101]) {
      refused(await h.query(SEARCH, { filter: { from } }, auditor), 'from');
      refused(await h.query(REPORT, { from, to: '2025-02-01T00:00:00Z' }, auditor), 'from');
      refused(await h.query(EXPORT, { from, to: '2025-02-01T00:00:00Z' }, auditor), 'from');
    }
    for (const field of ['actorUserId', 'resourceType', 'resourceId', 'text']) {
      refused(await h.query(SEARCH, { filter: { [field]: 'x\u0000y' } }, auditor), field);
      refused(await h.query(SEARCH, { filter: { [field]: 'x\ud800y' } }, auditor), field);
      refused(await h.query(REPORT, { from: '2025-01-01T00:00:00Z', to: '2025-02-01T00:00:00Z', filter: { [field]: 'x\u0000y' } }, auditor), field);
    }
    refused(await h.query(SEARCH, { after: 'eyJ0aW1lIjoiXHUwMDAwIiwiaWQiOiJ4In0' }, auditor));
  });

  test('inline literals with the same values are refused before any resolver runs, never as internal errors', async () => {
    const before = await written();
    const inline = [
      `mutation { recordAuditEvent(input: { kind: API_ACTIVITY, activity: READ, operation: "op", resourceType: "t", message: "a\\u0000b" }) { event { id } } }`,
      `mutation { recordAuditEvent(input: { kind: API_ACTIVITY, activity: READ, operation: "op", resourceType: "t", data: { a: { b: { c: { d: { e: { f: { g: { h: { i: { j: { k: { l: { m: { n: { o: { p: { q: { r: 1 } } } } } } } } } } } } } } } } } }) { event { id } } }`,
      `{ auditEvents(filter: { from: "0000-01-01T00:00:00Z" }) { totalCount } }`,
      `{ auditReport(groupBy: ACTOR, from: "2025-02-30T00:00:00Z", to: "2025-03-01T00:00:00Z") { key } }`,
    ];
    for (const q of inline) {
      const r = await h.query(q, {}, q.startsWith('mutation') ? staff : auditor);
      expect(r.data ?? null).toBeNull();
      expect(r.errors?.length).toBeGreaterThan(0);
      // Apollo gives its own codes to documents that do not parse or validate; none is an internal error.
      for (const e of r.errors!) expect(['BAD_USER_INPUT', 'GRAPHQL_VALIDATION_FAILED', 'GRAPHQL_PARSE_FAILED']).toContain(e.extensions?.code);
    }
    expect(await written()).toEqual(before);
  });

  test('the HTTP export refuses impossible or out-of-range dates with 400 BAD_USER_INPUT', async () => {
    const base = h.audit.url.replace(/\/graphql$/, '');
    for (const from of ['0000-01-01T00:00:00Z', '2025-02-30T00:00:00Z', '2025-01-01T00:00:00', 'nope', '2025-01-01T00:00:00Z\u0000']) {
      const res = await fetch(`${base}/export.ndjson?from=${encodeURIComponent(from)}&to=${encodeURIComponent('2025-02-01T00:00:00Z')}`, { headers: { authorization: `Bearer ${auditor}` } });
      expect([from, res.status]).toEqual([from, 400]);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('BAD_USER_INPUT');
    }
  });

  test('an event of another producer holding NUL or a lone surrogate is still recorded, with those characters replaced', async () => {
    const e = await h.publish('lending.product.created', { productId: 'prod-nul', name: 'Plan\u0000 \ud800', code: 'P1' }, { tenantId: tenant });
    const o = await h.stored(e.id);
    expect(o.entity).toMatchObject({ uid: 'prod-nul', name: 'Plan\ufffd \ufffd' });
  });
});
