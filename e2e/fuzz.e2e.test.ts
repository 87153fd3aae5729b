/**
 * Hostile-input fuzzing through the gateway, driven by the composed schema: for every root Query and
 * Mutation field of every subgraph, fast-check builds arguments where at least one leaf is hostile
 * (wrong JSON type, NUL, lone surrogate, text-direction override, terminal escape, over-long text,
 * absurd or impossible date, over-precise or non-numeric decimal, over-deep JSON, out-of-range
 * number, unknown enum value, huge list, another tenant's id) and the rest plausible. Whatever comes
 * back, it must be an answer: no HTTP 5xx, no INTERNAL_SERVER_ERROR, and no row written anywhere
 * (every table of every subgraph schema counted before and after each field's run, outboxes
 * included, so no event left either).
 *
 * Run it with `FUZZ=1 npx jest e2e/fuzz` (FUZZ_RUNS cases per field, FUZZ_SEED, FUZZ_PROGRESS=1).
 *
 * Values that a documented rule normalises (surrounding spaces, Unicode normalisation) are not
 * "hostile" here, because accepting them is correct.
 */
import fc from 'fast-check';
import {
  buildASTSchema, getNamedType, isEnumType, isInputObjectType, isListType, isNonNullType, isScalarType, parse,
  type GraphQLArgument, type GraphQLField, type GraphQLInputType, type GraphQLSchema,
} from 'graphql';
import { startPlatform, type Platform } from './harness';

interface Gen { v: unknown; h: boolean }
const RUNS = Number(process.env.FUZZ_RUNS ?? 25);
const HANG_MS = 30_000;
const SUBGRAPH_SCHEMAS = ['identity', 'lending', 'audit', 'flow'];

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

function scalarGen(name: string, pools: Pools): fc.Arbitrary<Gen> {
  const ok = (a: fc.Arbitrary<unknown>) => a.map((v) => ({ v, h: false }));
  const bad = (values: unknown[]) => fc.constantFrom(...values).map((v) => ({ v, h: true }));
  switch (name) {
    case 'String':
      return fc.oneof(ok(fc.constantFrom('demo', 'Ana Pérez', 'admin@demo.localhost', 'x', 'es')), bad([...hostileText, ...hostileWrongType]));
    case 'ID':
      return fc.oneof(ok(fc.constantFrom(...pools.ids, '00000000-0000-4000-8000-000000000000')), bad([...pools.foreignIds, ...hostileText, 42, { id: 1 }]));
    case 'Int':
      return fc.oneof(ok(fc.integer({ min: 1, max: 50 })), bad([...hostileInts, ...hostileWrongType.filter((v) => typeof v !== 'number')]));
    case 'Float':
      return fc.oneof(ok(fc.double({ min: 0, max: 100, noNaN: true })), bad(['1', true, {}]));
    case 'Boolean':
      return fc.oneof(ok(fc.boolean()), bad(['true', 1, {}]));
    case 'DateTime':
      return fc.oneof(ok(fc.constantFrom('2026-01-01T00:00:00Z', '2026-06-30T12:00:00.000Z')), bad([...hostileDates, ...hostileWrongType, ...hostileText.slice(0, 3)]));
    case 'Date':
      return fc.oneof(ok(fc.constantFrom('2026-01-15', '2026-12-31')), bad([...hostileDates, ...hostileWrongType]));
    case 'Decimal':
      return fc.oneof(ok(fc.constantFrom('1000.00', '12.5', '0.1')), bad([...hostileDecimals, ...hostileWrongType, 1000, 0.1]));
    case 'JSON':
      return fc.oneof(ok(fc.constantFrom({ a: 1 }, { note: 'x' })), bad([deepJson(200), { big: 'x'.repeat(200_000) }, 'x\u0000']));
    default:
      // Other custom scalars: plausible strings and the usual hostile ones.
      return fc.oneof(ok(fc.constantFrom('x', 'demo')), bad([...hostileText, ...hostileWrongType]));
  }
}

function inputGen(type: GraphQLInputType, pools: Pools, depth: number): fc.Arbitrary<Gen> {
  if (isNonNullType(type)) return inputGen(type.ofType, pools, depth);
  if (isListType(type)) {
    const item = inputGen(type.ofType, pools, depth + 1);
    return fc.oneof(
      fc.array(item, { maxLength: 3 }).map((items) => ({ v: items.map((i) => i.v), h: items.some((i) => i.h) })),
      fc.constant({ v: Array.from({ length: 20_000 }, () => 'x'), h: true }),
    );
  }
  if (isEnumType(type)) {
    const values = type.getValues().map((v) => v.name);
    return fc.oneof(fc.constantFrom(...values).map((v) => ({ v, h: false })), fc.constantFrom('NOT_A_VALUE', 'x\u0000', 7).map((v) => ({ v, h: true })));
  }
  if (isScalarType(type)) return scalarGen(type.name, pools);
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
        for (const [name, g] of pairs) if (g) { v[name] = g.v; h ||= g.h; }
        return { v, h };
      }) },
      { weight: 1, arbitrary: fc.constantFrom('not an object', 5, [{}]).map((v) => ({ v, h: true })) },
    );
  }
  return fc.constant({ v: null, h: false });
}

function argsGen(args: readonly GraphQLArgument[], pools: Pools): fc.Arbitrary<{ vars: Record<string, unknown>; hostile: boolean }> {
  if (args.length === 0) return fc.constant({ vars: {}, hostile: false });
  return fc.tuple(...args.map((a) => {
    const g = inputGen(a.type, pools, 0);
    return (isNonNullType(a.type) ? g : fc.option(g, { nil: undefined, freq: 3 })).map((x) => [a.name, x] as const);
  })).map((pairs) => {
    const vars: Record<string, unknown> = {};
    let hostile = false;
    for (const [name, g] of pairs) if (g) { vars[name] = g.v; hostile ||= g.h; }
    return { vars, hostile };
  }).filter((x) => x.hostile);
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

// Opt-in (FUZZ=1 npx jest e2e/fuzz): its first full run has not finished yet, so it does not gate CI.
const describeFuzz = process.env.FUZZ === '1' ? describe : describe.skip;

describeFuzz('hostile input through the gateway writes nothing and never fails internally', () => {
  let platform: Platform;
  let schema: GraphQLSchema;
  let token: string;
  let pools: Pools;
  let tables: string[];
  let cases = 0;

  const rowCounts = async (): Promise<string> => {
    const rows = await platform.sql<{ n: string }>(tables.map((t) => `select '${t}:' || count(*) as n from ${t}`).join(' union all '));
    return rows.map((r) => r.n).sort().join(',');
  };

  beforeAll(async () => {
    platform = await startPlatform({ label: 'fuzz' });
    schema = buildASTSchema(parse(platform.supergraphSdl), { assumeValidSDL: true });
    const [demo] = await platform.sql<{ id: string }>(`select id from identity.tenants where slug = 'demo'`);
    const [admin] = await platform.sql<{ id: string }>(`select id from identity.users where email = 'admin@demo.localhost'`);
    const foreign = await platform.sql<{ id: string }>(`select id from identity.users where tenant_id <> $1 union all select id from identity.tenants where id <> $1`, [demo!.id]);
    pools = { ids: [demo!.id, admin!.id], foreignIds: foreign.map((r) => r.id) };
    token = await platform.issuer.mint({
      tenantId: demo!.id, userId: admin!.id,
      roles: ['tenant_admin', 'product_manager', 'product_checker', 'portfolio_manager', 'auditor', 'staff', 'flow_designer', 'flow_operator'],
      scopes: ['audit:read', 'audit:write', 'flow:trigger'],
    });
    const t = await platform.sql<{ name: string }>(`
      select format('%I.%I', n.nspname, c.relname) as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where c.relkind in ('r', 'p') and not c.relispartition and n.nspname = any($1) order by 1`, [SUBGRAPH_SCHEMAS]);
    tables = t.map((r) => r.name);
  });

  afterAll(async () => {
    // The case count goes to the closing note of whoever changes the schema.
    process.stdout.write(`fuzz: ${cases} hostile operations sent\n`);
    await platform?.stop();
  });

  for (const subgraph of SUBGRAPH_SCHEMAS) {
    it(`${subgraph}: every root field answers hostile arguments with a typed error and writes nothing`, async () => {
      const fields = rootFieldsBySubgraph(platform.supergraphSdl).get(subgraph) ?? [];
      expect(fields.length).toBeGreaterThan(0);
      const failures: string[] = [];
      for (const { kind, field } of fields) {
        const root = kind === 'query' ? schema.getQueryType()! : schema.getMutationType()!;
        const def = root.getFields()[field]!;
        if (def.args.length === 0) continue;
        const query = operationOf(kind, def);
        const before = await rowCounts();
        await fc.assert(fc.asyncProperty(argsGen(def.args, pools), async ({ vars }) => {
          cases++;
          // A request that never answers is a defect too (a hostile value sent a service into a loop).
          const timeout = new Promise<'hung'>((resolve) => setTimeout(() => resolve('hung'), HANG_MS).unref());
          const r = await Promise.race([platform.call(query, vars, token), timeout]);
          if (r === 'hung') {
            failures.push(`${field} ${JSON.stringify(vars).slice(0, 300)} -> no answer within ${HANG_MS} ms`);
            return;
          }
          const internal = (r.errors ?? []).filter((e) => !e.extensions?.code || e.extensions.code === 'INTERNAL_SERVER_ERROR');
          if (r.status >= 500 || internal.length) {
            failures.push(`${field} ${JSON.stringify(vars).slice(0, 300)} -> ${r.status} ${JSON.stringify(r.errors).slice(0, 300)}`);
          }
        }), { numRuns: RUNS, seed: Number(process.env.FUZZ_SEED ?? 20261201) });
        if (process.env.FUZZ_PROGRESS) process.stderr.write(`fuzz ${subgraph}.${field}: ${failures.length} failures so far\n`);
        const after = await rowCounts();
        if (after !== before) failures.push(`${field}: rows changed\n  before ${before}\n  after  ${after}`);
      }
      expect(failures).toEqual([]);
    }, 60 * 60_000);
  }
});
