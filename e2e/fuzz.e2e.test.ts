/**
 * Hostile-input fuzzing through the gateway, driven by the composed schema: for every root Query and
 * Mutation field of every subgraph, fast-check builds arguments where at least one leaf is hostile
 * (wrong JSON type, NUL, lone surrogate, text-direction override, terminal escape, over-long text,
 * absurd or impossible date, over-precise or non-numeric decimal, over-deep JSON, out-of-range
 * number, unknown enum value, huge list, another tenant's id). Half the cases change exactly one
 * leaf of otherwise plausible arguments (so the hostile value gets past coercion to the service),
 * half mix hostile and plausible leaves at random. Whatever comes back, it must be an answer: no
 * HTTP 5xx, no INTERNAL_SERVER_ERROR, no answer missing, and nothing written anywhere.
 *
 * "Nothing written": before the first case a row-level trigger is put on every table of every
 * subgraph schema (outboxes, inboxes and partitioned tables included); it appends the table and the
 * operation (INSERT, UPDATE, DELETE, TRUNCATE) to `fuzz_probe.writes`. After each case one query
 * reads what was appended since the previous one, so a write is caught with the case that made it,
 * updates included (a row count would miss them). The last test proves the probe can fail: a valid
 * mutation is reported as a write.
 *
 * In the default suite with a fixed seed and FUZZ_RUNS cases per field (default 12); a larger run:
 * `FUZZ_RUNS=200 FUZZ_SEED=7 npx jest e2e/fuzz --runInBand` (FUZZ_PROGRESS=1: one line per field).
 * The cases sent per subgraph are printed at the end (for the closing note).
 *
 * Values that a documented rule normalises (surrounding spaces, Unicode normalisation) are not
 * "hostile" here, because accepting them is correct.
 */
import fc from 'fast-check';
import { Client } from 'pg';
import {
  buildASTSchema, getNamedType, isEnumType, isInputObjectType, isListType, isNonNullType, isScalarType, parse,
  type GraphQLArgument, type GraphQLField, type GraphQLInputType, type GraphQLSchema,
} from 'graphql';
import { waitFor, waitForConsumerIdle } from '@imagy/platform/testing';
import { AUDIT_CONSUMER } from '../subgraphs/audit/src/app';
import { TENANTS_CONSUMER, USERS_CONSUMER } from '../subgraphs/lending/src/app';
import { passwordProblem } from '../subgraphs/identity/src/users/users.rules';
import { startPlatform, type Platform } from './harness';

interface Gen { v: unknown; h: boolean }
const RUNS = Number(process.env.FUZZ_RUNS ?? 12);
const SEED = Number(process.env.FUZZ_SEED ?? 20261201);
/** A request without an answer after this long is a hang (a defect), reported with its arguments. */
const HANG_MS = 30_000;
const SUBGRAPH_SCHEMAS = ['identity', 'lending', 'audit', 'notifications', 'flow', 'sign'] as const;
const CONSUMERS = [AUDIT_CONSUMER, TENANTS_CONSUMER, USERS_CONSUMER, 'identity-revocations'];

// Generous: FUZZ_RUNS scales the run; a stuck request is reported by HANG_MS, not by this.
jest.setTimeout(Math.max(120_000, RUNS * 45 * 1_000));

const hostileText = [
  'a\u0000b', '\u0000', 'x\uD800y', '\uDFFF', 'evil\u202Etxt.exe', '\u2066rtl\u2069', 'red\u001b[31mtext', '\u0007bell', 'a'.repeat(100_000),
];
const hostileWrongType: unknown[] = [12345, -1.5, true, false, { a: 1 }, [1, 2], [], {}];
const hostileDates = ['0000-01-01', '0001-01-01T00:00:00Z', '2026-02-30', '9999-12-31T23:59:59Z', '275760-09-13', '2026-13-01', 'yesterday', '2026-01-01T25:00:00Z', ''];
const hostileDecimals = ['1e400', 'NaN', 'Infinity', '-', '1.2.3', '0x10', '99999999999999999999999999999999.99', '1.123456789012345678901', ''];
const hostileInts = [2 ** 31, -(2 ** 31) - 1, 1.5, Number.MAX_SAFE_INTEGER, '7'];

function deepJson(depth: number): unknown {
  let v: unknown = 'leaf';
  for (let i = 0; i < depth; i++) v = { n: v };
  return v;
}

interface Pools { ids: string[]; foreignIds: string[] }

/** Plausible values of a scalar, and hostile ones. */
function scalarValues(name: string, pools: Pools): { ok: fc.Arbitrary<unknown>; bad: unknown[] } {
  switch (name) {
    case 'String':
      return { ok: fc.constantFrom('demo', 'Ana Pérez', 'admin@demo.localhost', 'x', 'es', 'Fuzz-password-2026'), bad: [...hostileText, ...hostileWrongType] };
    case 'ID':
      return { ok: fc.constantFrom(...pools.ids, '00000000-0000-4000-8000-000000000000'), bad: [...pools.foreignIds, ...hostileText, 42, { id: 1 }] };
    case 'Int':
      return { ok: fc.integer({ min: 1, max: 50 }), bad: [...hostileInts, ...hostileWrongType.filter((v) => typeof v !== 'number')] };
    case 'Float':
      return { ok: fc.double({ min: 0, max: 100, noNaN: true }), bad: ['1', true, {}] };
    case 'Boolean':
      return { ok: fc.boolean(), bad: ['true', 1, {}] };
    case 'DateTime':
      return { ok: fc.constantFrom('2026-01-01T00:00:00Z', '2026-06-30T12:00:00.000Z'), bad: [...hostileDates, ...hostileWrongType, ...hostileText.slice(0, 3)] };
    case 'Date':
      return { ok: fc.constantFrom('2026-01-15', '2026-12-31'), bad: [...hostileDates, ...hostileWrongType] };
    case 'Decimal':
      return { ok: fc.constantFrom('1000.00', '12.5', '0.1'), bad: [...hostileDecimals, ...hostileWrongType, 1000, 0.1] };
    case 'JSON':
      return { ok: fc.constantFrom({ a: 1 }, { note: 'x' }), bad: [deepJson(200), { big: 'x'.repeat(200_000) }, 'x\u0000'] };
    default:
      // Other custom scalars: plausible strings and the usual hostile ones.
      return { ok: fc.constantFrom('x', 'demo'), bad: [...hostileText, ...hostileWrongType] };
  }
}

/**
 * Values a documented rule accepts as they are in an input field of this name, so they are not
 * hostile there. A password is an opaque secret: any valid Unicode text of 10 to 1024 characters
 * with something visible is one (identity's passwordProblem), so a sign-in with "evil\u202Etxt.exe"
 * is a real guess that the throttle must count and audit must record.
 */
const ACCEPTED_AS_IS: Record<string, (v: unknown) => boolean> = {
  password: (v) => typeof v === 'string' && passwordProblem(v) === null,
};
const acceptedAsIs = (field: string, v: unknown) => ACCEPTED_AS_IS[field]?.(v) ?? false;

const HUGE_LIST = Array.from({ length: 20_000 }, () => 'x');

/** Mixed mode: every leaf independently plausible or hostile (`h` says whether any was hostile). */
function inputGen(type: GraphQLInputType, pools: Pools, depth: number): fc.Arbitrary<Gen> {
  if (isNonNullType(type)) return inputGen(type.ofType, pools, depth);
  if (isListType(type)) {
    const item = inputGen(type.ofType, pools, depth + 1);
    return fc.oneof(
      fc.array(item, { maxLength: 3 }).map((items) => ({ v: items.map((i) => i.v), h: items.some((i) => i.h) })),
      fc.constant({ v: HUGE_LIST, h: true }),
    );
  }
  if (isEnumType(type)) {
    const values = type.getValues().map((v) => v.name);
    return fc.oneof(fc.constantFrom(...values).map((v) => ({ v, h: false })), fc.constantFrom('NOT_A_VALUE', 'x\u0000', 7).map((v) => ({ v, h: true })));
  }
  if (isScalarType(type)) {
    const { ok, bad } = scalarValues(type.name, pools);
    return fc.oneof(ok.map((v) => ({ v, h: false })), fc.constantFrom(...bad).map((v) => ({ v, h: true })));
  }
  if (isInputObjectType(type)) {
    const fields = Object.values(type.getFields());
    if (depth > 4) return fc.constant({ v: {}, h: false });
    const entries = fields.map((f) => {
      const g = inputGen(f.type, pools, depth + 1);
      const arb = isNonNullType(f.type) ? g : fc.option(g, { nil: undefined, freq: 3 });
      return arb.map((x) => [f.name, x] as const);
    });
    return fc.oneof(
      { weight: 8, arbitrary: fc.tuple(...entries).map((pairs) => {
        const v: Record<string, unknown> = {};
        let h = false;
        for (const [name, g] of pairs) if (g) { v[name] = g.v; h ||= g.h && !acceptedAsIs(name, g.v); }
        return { v, h };
      }) },
      { weight: 1, arbitrary: fc.constantFrom('not an object', 5, [{}]).map((v) => ({ v, h: true })) },
    );
  }
  return fc.constant({ v: null, h: false });
}

/** Plausible values only (optional input fields sometimes left out). */
function plausibleGen(type: GraphQLInputType, pools: Pools, depth: number): fc.Arbitrary<unknown> {
  if (isNonNullType(type)) return plausibleGen(type.ofType, pools, depth);
  if (isListType(type)) return fc.array(plausibleGen(type.ofType, pools, depth + 1), { minLength: 1, maxLength: 2 });
  if (isEnumType(type)) return fc.constantFrom(...type.getValues().map((v) => v.name));
  if (isScalarType(type)) return scalarValues(type.name, pools).ok;
  if (isInputObjectType(type)) {
    if (depth > 4) return fc.constant({});
    const fields = Object.values(type.getFields());
    return fc.tuple(...fields.map((f) => (isNonNullType(f.type) ? plausibleGen(f.type, pools, depth + 1) : fc.option(plausibleGen(f.type, pools, depth + 1), { nil: undefined, freq: 2 }))))
      .map((values) => Object.fromEntries(fields.map((f, i) => [f.name, values[i]] as const).filter(([, v]) => v !== undefined)));
  }
  return fc.constant(null);
}

/** Exactly one hostile leaf (or one value of the wrong shape) in otherwise plausible input. */
function oneHostileGen(type: GraphQLInputType, pools: Pools, depth: number): fc.Arbitrary<unknown> {
  if (isNonNullType(type)) return oneHostileGen(type.ofType, pools, depth);
  if (isListType(type)) {
    return fc.oneof(
      fc.tuple(fc.array(plausibleGen(type.ofType, pools, depth + 1), { maxLength: 2 }), oneHostileGen(type.ofType, pools, depth + 1), fc.nat())
        .map(([items, bad, at]) => { const out = [...items]; out.splice(at % (items.length + 1), 0, bad); return out; }),
      fc.constant(HUGE_LIST),
    );
  }
  if (isEnumType(type)) return fc.constantFrom('NOT_A_VALUE', 'x\u0000', 7, type.getValues()[0]!.name.toLowerCase());
  if (isScalarType(type)) return fc.constantFrom(...scalarValues(type.name, pools).bad);
  if (isInputObjectType(type)) {
    const fields = Object.values(type.getFields());
    const wrongShape = fc.constantFrom('not an object', 5, [{}]);
    if (depth > 4 || fields.length === 0) return wrongShape;
    return fc.oneof(
      { weight: 6, arbitrary: fc.tuple(plausibleGen(type, pools, depth), fc.nat({ max: fields.length - 1 })).chain(([base, i]) =>
        oneHostileGen(fields[i]!.type, pools, depth + 1).filter((bad) => !acceptedAsIs(fields[i]!.name, bad))
          .map((bad) => ({ ...(base as object), [fields[i]!.name]: bad }))) },
      { weight: 1, arbitrary: wrongShape },
    );
  }
  return fc.constant({ not: 'valid' });
}

type Args = { vars: Record<string, unknown> };

function argsGen(args: readonly GraphQLArgument[], pools: Pools): fc.Arbitrary<Args> {
  const mixed = fc.tuple(...args.map((a) => {
    const g = inputGen(a.type, pools, 0);
    return (isNonNullType(a.type) ? g : fc.option(g, { nil: undefined, freq: 3 })).map((x) => [a.name, x] as const);
  })).map((pairs) => {
    const vars: Record<string, unknown> = {};
    let hostile = false;
    for (const [name, g] of pairs) if (g) { vars[name] = g.v; hostile ||= g.h; }
    return { vars, hostile };
  }).filter((x) => x.hostile).map(({ vars }) => ({ vars }));
  const oneLeaf = fc.tuple(
    fc.tuple(...args.map((a) => (isNonNullType(a.type) ? plausibleGen(a.type, pools, 0) : fc.option(plausibleGen(a.type, pools, 0), { nil: undefined, freq: 2 })))),
    fc.nat({ max: args.length - 1 }),
  ).chain(([values, i]) => oneHostileGen(args[i]!.type, pools, 0).map((bad) => {
    const vars: Record<string, unknown> = {};
    args.forEach((a, j) => { const v = j === i ? bad : values[j]; if (v !== undefined) vars[a.name] = v; });
    return { vars };
  }));
  return fc.oneof(oneLeaf, mixed);
}

function operationOf(kind: 'query' | 'mutation', field: GraphQLField<unknown, unknown>): string {
  const defs = field.args.map((a) => `$${a.name}: ${a.type.toString()}`).join(', ');
  const call = field.args.map((a) => `${a.name}: $${a.name}`).join(', ');
  const named = getNamedType(field.type);
  const selection = isScalarType(named) || isEnumType(named) ? '' : ' { __typename }';
  return `${kind} Fuzz${defs ? `(${defs})` : ''} { ${field.name}${call ? `(${call})` : ''}${selection} }`;
}

/** Root fields by owning subgraph, read from the supergraph's @join__field. */
function rootFieldsBySubgraph(sdl: string): Map<string, { kind: 'query' | 'mutation'; field: string }[]> {
  const doc = parse(sdl);
  const out = new Map<string, { kind: 'query' | 'mutation'; field: string }[]>();
  for (const def of doc.definitions) {
    if (def.kind !== 'ObjectTypeDefinition' || (def.name.value !== 'Query' && def.name.value !== 'Mutation')) continue;
    for (const f of def.fields ?? []) {
      const join = f.directives?.find((d) => d.name.value === 'join__field');
      const graph = join?.arguments?.find((a) => a.name.value === 'graph')?.value;
      const name = graph && graph.kind === 'EnumValue' ? graph.value.toLowerCase() : 'unknown';
      const list = out.get(name) ?? [];
      list.push({ kind: def.name.value === 'Query' ? 'query' : 'mutation', field: f.name.value });
      out.set(name, list);
    }
  }
  return out;
}

/**
 * The write probe: one trigger per table of the subgraph schemas appends to fuzz_probe.writes
 * (security definer, so every subgraph role can fire it without any grant on the probe table).
 */
const PROBE_SQL = `
  create schema fuzz_probe;
  create table fuzz_probe.writes (id bigserial primary key, tbl text not null, op text not null);
  create function fuzz_probe.record_write() returns trigger language plpgsql security definer
    set search_path = pg_catalog, pg_temp as $$
    begin
      insert into fuzz_probe.writes (tbl, op) values (tg_table_schema || '.' || tg_table_name, tg_op);
      return null;
    end $$;
  do $$
  declare t record;
  begin
    for t in
      select format('%I.%I', n.nspname, c.relname) as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where c.relkind in ('r', 'p') and not c.relispartition and n.nspname = any(array[${SUBGRAPH_SCHEMAS.map((x) => `'${x}'`).join(', ')}])
    loop
      execute format('create trigger fuzz_probe_row after insert or update or delete on %s for each row execute function fuzz_probe.record_write()', t.name);
      execute format('create trigger fuzz_probe_truncate after truncate on %s for each statement execute function fuzz_probe.record_write()', t.name);
    end loop;
  end $$;`;

class WriteProbe {
  private seen = 0;
  constructor(private readonly client: Client) {}

  static async install(client: Client): Promise<{ probe: WriteProbe; tables: number }> {
    await client.query(PROBE_SQL);
    const { rows } = await client.query<{ n: number }>(`select count(distinct tgrelid)::int as n from pg_trigger where tgname = 'fuzz_probe_row'`);
    return { probe: new WriteProbe(client), tables: rows[0]!.n };
  }

  /** What was written since the last call ("schema.table OP xN"), empty when nothing. One query. */
  async since(): Promise<string[]> {
    const { rows } = await this.client.query<{ tbl: string; op: string; n: number; last: string }>(
      `select tbl, op, count(*)::int as n, max(id)::text as last from fuzz_probe.writes where id > $1 group by tbl, op order by tbl, op`, [this.seen]);
    for (const r of rows) this.seen = Math.max(this.seen, Number(r.last));
    return rows.map((r) => `${r.tbl} ${r.op} x${r.n}`);
  }
}

/**
 * Something for the ids to find, so hostile values reach the services' rules and not only their
 * NOT_FOUND: a published product with a draft version and a pending change request, a booked credit
 * with a payment, an API key and the demo tenant's audit events. Returns their ids.
 */
async function seedEntities(platform: Platform, tenantId: string, token: string): Promise<string[]> {
  const call = async (query: string, input: unknown, as = token) => {
    const r = await platform.call(query, { input }, as);
    if (r.errors) throw new Error(`fuzz seed failed: ${JSON.stringify(r.errors)}`);
    const payload = Object.values(r.data as Record<string, { userErrors?: unknown[] }>)[0]!;
    if (payload.userErrors?.length) throw new Error(`fuzz seed refused: ${JSON.stringify(payload.userErrors)}`);
    return payload as any;
  };
  const checker = await platform.issuer.mint({ tenantId, roles: ['product_checker'] });
  const terms = { minAmount: '1000', maxAmount: '50000', minTerm: 3, maxTerm: 24, frequency: 'MONTHLY', interestMethod: 'DECLINING_EQUAL_INSTALLMENTS', annualNominalRate: '12' };
  const product = await call(`mutation($input: CreateCreditProductInput!) { createCreditProduct(input: $input) { product { id } version { id } userErrors { code } } }`,
    { code: 'FUZZ', name: 'Fuzz', currency: 'MXN', terms });
  const publication = await call(`mutation($input: RequestPublicationInput!) { requestPublication(input: $input) { changeRequest { id } userErrors { code } } }`, { versionId: product.version.id });
  await call(`mutation($input: ApproveChangeRequestInput!) { approveChangeRequest(input: $input) { userErrors { code } } }`, { id: publication.changeRequest.id }, checker);
  const draft = await call(`mutation($input: CreateDraftVersionInput!) { createDraftVersion(input: $input) { version { id } userErrors { code } } }`, { productId: product.product.id });
  const pending = await call(`mutation($input: RequestProductArchivalInput!) { requestProductArchival(input: $input) { changeRequest { id } userErrors { code } } }`, { productId: product.product.id });
  const borrower = await call(`mutation($input: CreateUserInput!) { createUser(input: $input) { user { id } userErrors { code } } }`,
    { email: 'fuzz.borrower@demo.localhost', displayName: 'Fuzz borrower', roles: ['borrower'], password: 'Fuzz-borrower-2026!' });
  // Lending learns of the borrower from identity's event.
  const booked = await waitFor(async () => {
    const r = await platform.call(`mutation($input: BookCreditInput!) { bookCredit(input: $input) { credit { id } userErrors { code } } }`,
      { input: { productId: product.product.id, borrowerId: borrower.user.id, principal: '12000', term: 12, disbursedAt: '2026-01-15', idempotencyKey: 'fuzz-credit' } }, token);
    return r.data?.bookCredit.userErrors[0]?.code === 'BORROWER_NOT_FOUND' ? null : r.data.bookCredit;
  }, 20_000);
  if (booked.userErrors.length) throw new Error(`fuzz seed refused: ${JSON.stringify(booked.userErrors)}`);
  const payment = await call(`mutation($input: RegisterPaymentInput!) { registerPayment(input: $input) { payment { id } userErrors { code } } }`,
    { creditId: booked.credit.id, amount: '500', paidAt: '2026-02-15', channel: 'CASH', idempotencyKey: 'fuzz-payment' });
  // An origination application (default pipeline: it waits on its LEGAL_CONSENT step) and a legal document.
  const doc = await call(`mutation($input: PublishLegalDocumentInput!) { publishLegalDocument(input: $input) { document { id } userErrors { code } } }`, { code: 'TERMS', locale: 'es', title: 'Términos', body: 'Términos.' });
  const application = await waitFor(async () => {
    const r = await platform.call(`mutation($input: StartApplicationInput!) { startApplication(input: $input) { application { id } userErrors { code } } }`,
      { input: { productId: product.product.id, amount: '5000', term: 12, idempotencyKey: 'fuzz-application' } }, token);
    return r.data?.startApplication.userErrors[0]?.code === 'BORROWER_NOT_FOUND' ? null : r.data.startApplication;
  }, 20_000);
  if (application.userErrors.length) throw new Error(`fuzz seed refused: ${JSON.stringify(application.userErrors)}`);
  const key = await call(`mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { apiKey { id } userErrors { code } } }`, { name: 'Fuzz key', scopes: ['audit:read'] });
  const events = await platform.sql<{ id: string }>(`select id::text from audit.audit_events where tenant_id = $1 limit 2`, [tenantId]);
  return [product.product.id, product.version.id, draft.version.id, publication.changeRequest.id, pending.changeRequest.id,
    borrower.user.id, booked.credit.id, payment.payment.id, key.apiKey.id, application.application.id, doc.document.id, ...events.map((e) => e.id)];
}

describe('hostile input through the gateway writes nothing and never fails internally', () => {
  let platform: Platform;
  let schema: GraphQLSchema;
  let token: string;
  let pools: Pools;
  let db: Client;
  let probe: WriteProbe;
  let previousUserRpm: string | undefined;
  /** Answers by first error code ('answered': the service ran), shown with FUZZ_PROGRESS. */
  const outcomes = new Map<string, number>();
  const casesBySubgraph: Record<string, number> = {};
  const started = Date.now();

  /** Every outbox relayed and every consumer idle, twice (audit publishes what it recorded). */
  const settle = async () => {
    for (let round = 0; round < 2; round++) {
      await waitFor(async () => {
        const [r] = await platform.sql<{ n: number }>(`select ((select count(*) from identity.outbox where published_at is null)
          + (select count(*) from lending.outbox where published_at is null) + (select count(*) from audit.outbox where published_at is null))::int as n`);
        return r!.n === 0;
      }, 60_000);
      for (const durable of CONSUMERS) await waitForConsumerIdle(platform.bus, durable);
    }
  };

  beforeAll(async () => {
    // One user sends every case: its per-user rate limit (GATEWAY_USER_RPM, 1200 a minute) would
    // answer RATE_LIMITED to a larger run, and those cases would test nothing.
    previousUserRpm = process.env.GATEWAY_USER_RPM;
    process.env.GATEWAY_USER_RPM = '0';
    platform = await startPlatform({ label: 'fuzz' });
    schema = buildASTSchema(parse(platform.supergraphSdl), { assumeValidSDL: true });
    const [demo] = await platform.sql<{ id: string }>(`select id from identity.tenants where slug = 'demo'`);
    const [admin] = await platform.sql<{ id: string }>(`select id from identity.users where email = 'admin@demo.localhost'`);
    const foreign = await platform.sql<{ id: string }>(`select id from identity.users where tenant_id <> $1 union all select id from identity.tenants where id <> $1`, [demo!.id]);
    token = await platform.issuer.mint({
      tenantId: demo!.id, userId: admin!.id,
      roles: ['tenant_admin', 'product_manager', 'product_checker', 'portfolio_manager', 'auditor', 'staff', 'flow_designer', 'flow_operator'],
      scopes: ['audit:read', 'audit:write', 'flow:trigger'],
    });
    pools = { ids: [demo!.id, admin!.id, ...(await seedEntities(platform, demo!.id, token))], foreignIds: foreign.map((r) => r.id) };
    db = new Client({ connectionString: platform.db.adminUrl });
    await db.connect();
    // The seed's events settle first (relayed, consumed, recorded by audit), so any write the probe
    // sees from here on was caused by a fuzz case.
    await settle();
    const installed = await WriteProbe.install(db);
    probe = installed.probe;
    expect(installed.tables).toBeGreaterThanOrEqual(20);
  });

  afterAll(async () => {
    const total = Object.values(casesBySubgraph).reduce((a, b) => a + b, 0);
    // The case counts go to the closing note of whoever changes the schema.
    console.log(`fuzz: ${total} hostile operations (${SUBGRAPH_SCHEMAS.map((s) => `${s} ${casesBySubgraph[s] ?? 0}`).join(', ')}), ${RUNS} per field, seed ${SEED}, ${Math.round((Date.now() - started) / 1000)} s`);
    if (process.env.FUZZ_PROGRESS) process.stderr.write(`fuzz outcomes: ${[...outcomes].map(([k, n]) => `${k}: ${n}`).join(', ')}\n`);
    await db?.end();
    await platform?.stop();
    if (previousUserRpm === undefined) delete process.env.GATEWAY_USER_RPM;
    else process.env.GATEWAY_USER_RPM = previousUserRpm;
  });

  for (const subgraph of SUBGRAPH_SCHEMAS) {
    it(`${subgraph}: every root field answers hostile arguments with a typed error and writes nothing`, async () => {
      const fields = rootFieldsBySubgraph(platform.supergraphSdl).get(subgraph) ?? [];
      expect(fields.length).toBeGreaterThan(0);
      const failures: string[] = [];
      let fuzzed = 0;
      expect(await probe.since()).toEqual([]);
      for (const { kind, field } of fields) {
        const root = kind === 'query' ? schema.getQueryType()! : schema.getMutationType()!;
        const def = root.getFields()[field]!;
        if (def.args.length === 0) continue;
        fuzzed++;
        const query = operationOf(kind, def);
        const shown = (vars: unknown) => JSON.stringify(vars).slice(0, 300);
        await fc.assert(fc.asyncProperty(argsGen(def.args, pools), async ({ vars }) => {
          casesBySubgraph[subgraph] = (casesBySubgraph[subgraph] ?? 0) + 1;
          // A request that never answers is a defect too (a hostile value sent a service into a loop).
          let timer: NodeJS.Timeout | undefined;
          const timeout = new Promise<'hung'>((resolve) => { timer = setTimeout(() => resolve('hung'), HANG_MS); });
          const r = await Promise.race([platform.call(query, vars, token), timeout]).finally(() => clearTimeout(timer));
          if (r === 'hung') {
            failures.push(`${field} ${shown(vars)} -> no answer within ${HANG_MS} ms`);
            return;
          }
          const outcome = r.errors?.length ? String(r.errors[0]!.extensions?.code) : 'answered';
          outcomes.set(`${subgraph} ${outcome}`, (outcomes.get(`${subgraph} ${outcome}`) ?? 0) + 1);
          // RATE_LIMITED too: such a case tested nothing.
          const internal = (r.errors ?? []).filter((e) => !e.extensions?.code || e.extensions.code === 'INTERNAL_SERVER_ERROR' || e.extensions.code === 'RATE_LIMITED');
          if (r.status >= 500 || internal.length) {
            failures.push(`${field} ${shown(vars)} -> ${r.status} ${JSON.stringify(r.errors).slice(0, 300)}`);
          }
          const written = await probe.since();
          if (written.length) {
            // What the write set off (relay, consumers, audit) is charged to this case, not the next.
            await settle();
            failures.push(`${field} ${shown(vars)} -> wrote ${[...written, ...(await probe.since()).map((w) => `then ${w}`)].join(', ')}`);
          }
        }), { numRuns: RUNS, seed: SEED, endOnFailure: true });
        if (process.env.FUZZ_PROGRESS) process.stderr.write(`fuzz ${subgraph}.${field}: ${failures.length} failures so far\n`);
      }
      expect(fuzzed).toBeGreaterThan(0);
      expect(failures).toEqual([]);
    }, 60 * 60_000);
  }

  it('the write probe sees a valid write (it can fail)', async () => {
    expect(await probe.since()).toEqual([]);
    const r = await platform.call(`mutation($input: CreateUserInput!) { createUser(input: $input) { user { id } userErrors { code } } }`,
      { input: { email: 'fuzz.probe@demo.localhost', displayName: 'Fuzz probe', roles: ['staff'], password: 'Fuzz-probe-2026!' } }, token);
    expect(r.data.createUser.userErrors).toEqual([]);
    const written = await probe.since();
    expect(written).toEqual(expect.arrayContaining([expect.stringMatching(/^identity\.users INSERT/), expect.stringMatching(/^identity\.outbox INSERT/)]));
  });
});
