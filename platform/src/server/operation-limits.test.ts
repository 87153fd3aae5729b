/** The limits analyser and its Apollo Server plugin, on small schemas built here. */
import { parse, getOperationAST, type DocumentNode } from 'graphql';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { composeServices } from '@apollo/composition';
import {
  DEFAULT_OPERATION_LIMITS,
  checkSource,
  costDirectivesOf,
  countTokens,
  measureOperation,
  operationLimitsFromEnv,
  operationLimitsPlugin,
  refusalOf,
  type CostDirectives,
} from './operation-limits';

const sdl = `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.9", import: ["@key", "@cost", "@listSize"])
  type Installment { number: Int! dueDate: String! }
  type Payment @cost(weight: 2) { id: ID! amount: String! }
  type Credit @key(fields: "id") {
    id: ID!
    schedule: [Installment!]! @listSize(assumedSize: 36)
    payments: [Payment!]! @listSize(assumedSize: 36)
    score: Int! @cost(weight: 7)
    tags: [String!]!
  }
  type CreditEdge { cursor: String! node: Credit! }
  type PageInfo { hasNextPage: Boolean! }
  type CreditConnection { edges: [CreditEdge!]! pageInfo: PageInfo! }
  input Filter { status: String minAmount: String @cost(weight: 3) }
  union Account = Credit | Payment
  type Query {
    credits(first: Int, last: Int, filter: Filter): CreditConnection!
      @listSize(assumedSize: 20, slicingArguments: ["first", "last"], sizedFields: ["edges"], requireOneSlicingArgument: false)
    strictCredits(first: Int, last: Int): CreditConnection! @listSize(slicingArguments: ["first", "last"], sizedFields: ["edges"])
    pagedCredits(first: Int = 25): CreditConnection! @listSize(slicingArguments: ["first"], sizedFields: ["edges"])
    credit(id: ID!): Credit
    everything: [Credit!]!
    accounts: [Account!]!
    greeting: String
  }
  type Mutation { pay(amount: String!): Payment }
`;

const schema = buildSubgraphSchema([{ typeDefs: parse(sdl), resolvers: {} as never }]);
const costs = costDirectivesOf(parse(sdl));

const shapeOf = (query: string, variables?: Record<string, unknown>, c: CostDirectives = costs) => {
  const document: DocumentNode = parse(query);
  return measureOperation(schema, document, getOperationAST(document)!, variables, { costs: c });
};
const costOf = (query: string, variables?: Record<string, unknown>) => shapeOf(query, variables).cost;

describe('operation cost (demand control as Apollo Router estimates it)', () => {
  it('reads @cost and @listSize from a subgraph SDL, from the built schema and from a composed supergraph alike', () => {
    expect(costs.listSizes.get('Query.credits')).toEqual({ assumedSize: 20, slicingArguments: ['first', 'last'], sizedFields: ['edges'], requireOneSlicingArgument: false });
    expect(costs.listSizes.get('Credit.schedule')).toMatchObject({ assumedSize: 36, requireOneSlicingArgument: true });
    expect(costs.types.get('Payment')).toBe(2);
    expect(costs.fields.get('Credit.score')).toBe(7);
    expect(costs.inputs.get('Filter.minAmount')).toBe(3);
    expect(costDirectivesOf(schema)).toEqual(costs);
    const composed = composeServices([{ name: 'lending', url: 'http://127.0.0.1:1/graphql', typeDefs: parse(sdl) }]);
    expect(composed.errors).toBeUndefined();
    expect(costDirectivesOf(composed.supergraphSdl!)).toEqual(costs);
  });

  it('follows @link renames of the directives', () => {
    const renamed = costDirectivesOf(`
      extend schema @link(url: "https://specs.apollo.dev/federation/v2.9", as: "fed", import: [{ name: "@listSize", as: "@size" }])
      type Query { a: [Int] @size(assumedSize: 3) b: Int @fed__cost(weight: 4) c: Int @cost(weight: 9) }`);
    expect(renamed.listSizes.get('Query.a')?.assumedSize).toBe(3);
    expect(renamed.fields.get('Query.b')).toBe(4);
    // Not the linked name: an unrelated directive that happens to be called @cost.
    expect(renamed.fields.has('Query.c')).toBe(false);
  });

  it('costs objects 1, scalars and enums 0, __typename 0 and a mutation 10 more', () => {
    expect(costOf('{ greeting __typename }')).toBe(0);
    expect(costOf('{ credit(id: "1") { id __typename } }')).toBe(1);
    expect(costOf('mutation { pay(amount: "1") { id } }')).toBe(10 + 2);
  });

  it('multiplies a connection by its slicing argument through sizedFields, a fixed list by assumedSize', () => {
    // credits 1 + edges 50 * (edge 1 + node 1 + schedule 36 * 1) + pageInfo 1
    expect(costOf('{ credits(first: 50) { edges { node { id schedule { dueDate } } } pageInfo { hasNextPage } } }')).toBe(1 + 50 * 38 + 1);
    // The same through a variable, the larger of two slicing arguments, and the assumed size when none is given.
    expect(costOf('query($n: Int) { credits(first: $n) { edges { cursor } } }', { n: 7 })).toBe(1 + 7);
    expect(costOf('{ credits(first: 3, last: 9) { edges { cursor } } }')).toBe(1 + 9);
    expect(costOf('{ credits { edges { cursor } } }')).toBe(1 + 20);
    // A slicing argument's default value counts as given.
    expect(costOf('{ pagedCredits { edges { cursor } } }')).toBe(1 + 25);
    // A list without @listSize: the default list size (10); scalars in it cost nothing.
    expect(costOf('{ everything { id tags } }')).toBe(10);
    // @cost on a type (Payment 2) and on a field (score 7).
    expect(costOf('{ credit(id: "1") { payments { id } score } }')).toBe(1 + 36 * 2 + 7);
  });

  it('adds argument costs: an input object 1 plus its fields, @cost on input fields', () => {
    expect(costOf('{ credits(first: 1, filter: { status: "A" }) { edges { cursor } } }')).toBe(2 + 1);
    expect(costOf('query($f: Filter) { credits(first: 1, filter: $f) { edges { cursor } } }', { f: { status: 'A', minAmount: '1' } })).toBe(2 + 1 + 3);
  });

  it('counts every fragment of an abstract selection, named fragments once per use, and nothing skipped', () => {
    // Both fragments are counted for every item although an item is only one of the types.
    expect(costOf('{ accounts { ... on Credit { schedule { number } } ... on Credit { payments { id } } } }')).toBe(10 * (1 + 36 + 72));
    expect(costOf('{ a: credit(id: "1") { ...C } b: credit(id: "2") { ...C } } fragment C on Credit { payments { id } }')).toBe(2 * (1 + 72));
    expect(costOf('query($s: Boolean!) { credit(id: "1") @skip(if: $s) { id } greeting }', { s: true })).toBe(0);
    expect(costOf('{ credit(id: "1") @include(if: false) { id } }')).toBe(0);
  });

  it('sizes _entities by its representations in a subgraph', () => {
    const query = 'query($r: [_Any!]!) { _entities(representations: $r) { ... on Credit { schedule { number } } } }';
    const representations = Array.from({ length: 50 }, (_, i) => ({ __typename: 'Credit', id: String(i) }));
    expect(costOf(query, { r: representations })).toBe(50 * (1 + 36));
  });

  it('refuses a field that requires one slicing argument when none or two are given', () => {
    const none = refusalOf(shapeOf('{ strictCredits { edges { cursor } } }'), DEFAULT_OPERATION_LIMITS);
    expect(none?.error.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'Query.strictCredits', slicingArguments: ['first', 'last'] });
    expect(refusalOf(shapeOf('{ strictCredits(first: 1, last: 2) { edges { cursor } } }'), DEFAULT_OPERATION_LIMITS)).not.toBeNull();
    expect(refusalOf(shapeOf('{ strictCredits(first: 5) { edges { cursor } } }'), DEFAULT_OPERATION_LIMITS)).toBeNull();
  });

  it('refuses an operation above maxCost with the limit, the allowed value and the estimate', () => {
    const shape = shapeOf('{ credits(first: 100) { edges { node { schedule { number } payments { id } } } } }');
    expect(shape.cost).toBe(1 + 100 * (2 + 36 + 72));
    const refused = refusalOf(shape, DEFAULT_OPERATION_LIMITS);
    expect(refused?.error.extensions).toMatchObject({ code: 'OPERATION_LIMIT_EXCEEDED', limit: 'maxCost', max: 5000, actual: shape.cost, http: { status: 400 } });
  });
});

describe('source limits (before validation)', () => {
  const limits = DEFAULT_OPERATION_LIMITS;

  it('stops counting tokens at the limit: graphql parse maxTokens and the lexer count agree', () => {
    const huge = `{ ${'greeting '.repeat(10_000)}}`;
    expect(huge.length).toBeGreaterThan(30_000);
    expect(checkSource(huge, limits)).toEqual({ limit: 'maxTokens', max: 2000, actual: 2001 });
    expect(countTokens(huge, 2000)).toBe(2001);
    // 2000 tokens exactly: `{ me {`, 1995 fields, `} }` passes the token limit (and is refused for repeats).
    const edge = `{ me { ${'id '.repeat(1995)}} }`;
    expect(countTokens(edge, 2000)).toBe(2000);
    expect(checkSource(edge, limits)).toEqual({ limit: 'maxRepeatedFields', max: 20, actual: 1995 });
  });

  it('refuses depth, aliases and root fields with fragments expanded, and exempts introspection from depth', () => {
    const nested = (depth: number) => `{ ${'a { '.repeat(depth - 1)}b${' }'.repeat(depth - 1)} }`;
    expect(checkSource(nested(15), limits)).toBeNull();
    expect(checkSource(nested(16), limits)).toEqual({ limit: 'maxDepth', max: 15, actual: 16 });
    expect(checkSource(`{ __schema { ${'types { '.repeat(20)}name${' }'.repeat(20)} } }`, limits)).toBeNull();
    const aliases = (n: number) => `{ x { ...F } } fragment F on X { ${Array.from({ length: n }, (_, i) => `a${i}: b`).join(' ')} }`;
    expect(checkSource(aliases(30), limits)).toBeNull();
    expect(checkSource(aliases(31), limits)).toMatchObject({ limit: 'maxAliases', actual: 31 });
    expect(checkSource(`{ ...R } fragment R on Query { ${Array.from({ length: 21 }, (_, i) => `f${i}`).join(' ')} }`, limits)).toMatchObject({ limit: 'maxRootFields', actual: 21 });
  });

  it('refuses one response key selected more than 20 times, across fragments and merged sub-selections', () => {
    expect(checkSource(`{ me { ${'id '.repeat(20)}} }`, limits)).toBeNull();
    expect(checkSource(`{ me { ${'id '.repeat(21)}} }`, limits)).toMatchObject({ limit: 'maxRepeatedFields', actual: 21 });
    // Spread over inline and named fragments of one selection set.
    const fragments = Array.from({ length: 11 }, (_, i) => `fragment F${i} on User { id id }`).join(' ');
    expect(checkSource(`{ me { ${Array.from({ length: 11 }, (_, i) => `...F${i}`).join(' ')} } } ${fragments}`, limits)).toMatchObject({ limit: 'maxRepeatedFields', actual: 22 });
    // Five copies of `me`, each with five `id`: 25 selections of `id` once merged.
    expect(checkSource(`{ ${'me { id id id id id } '.repeat(5)}}`, limits)).toMatchObject({ limit: 'maxRepeatedFields', actual: 25 });
    // A fragment spread twice in one set counts once, as validation compares it once.
    expect(checkSource('{ me { ...F ...F } } fragment F on User { id }', limits)).toBeNull();
  });

  it('checks the operation the request names, and every operation when it names none', () => {
    const doc = `query Ok { a } query Deep { ${'a { '.repeat(16)}b${' }'.repeat(16)} }`;
    expect(checkSource(doc, limits, 'Ok')).toBeNull();
    expect(checkSource(doc, limits, 'Deep')?.limit).toBe('maxDepth');
    expect(checkSource(doc, limits)?.limit).toBe('maxDepth');
  });

  it('lets a syntax error through for the server to report', () => {
    expect(checkSource('{ unclosed', limits)).toBeNull();
  });
});

describe('limits from the environment', () => {
  it('uses the documented defaults and reads prefixed overrides, the first prefix set winning', () => {
    expect(DEFAULT_OPERATION_LIMITS).toEqual({ maxTokens: 2000, maxDepth: 15, maxAliases: 30, maxRootFields: 20, maxRepeatedFields: 20, maxCost: 5000, maxBatchSize: 10 });
    expect(operationLimitsFromEnv(['SUBGRAPH_', 'GATEWAY_'], { GATEWAY_MAX_COST: '9000', GATEWAY_MAX_DEPTH: '9', SUBGRAPH_MAX_DEPTH: '12' })).toMatchObject({ maxCost: 9000, maxDepth: 12, maxTokens: 2000 });
    expect(() => operationLimitsFromEnv(['GATEWAY_'], { GATEWAY_MAX_TOKENS: '0' })).toThrow(/GATEWAY_MAX_TOKENS/);
  });
});

describe('operationLimitsPlugin', () => {
  const resolvers = { Query: { greeting: () => 'hola', credit: () => ({ id: '1', schedule: [], payments: [], score: 1, tags: [] }) } };
  let server: ApolloServer;
  let executed = 0;
  beforeAll(async () => {
    const built = buildSubgraphSchema([{ typeDefs: parse(sdl), resolvers: { ...resolvers, Query: { ...resolvers.Query, greeting: () => { executed++; return 'hola'; } } } as never }]);
    // Built from the served schema, as startSubgraph does; a small maxCost for the test.
    server = new ApolloServer({ schema: built, plugins: [ApolloServerPluginInlineTraceDisabled(), operationLimitsPlugin(built, { maxCost: 100 })] });
    await server.start();
  });
  afterAll(async () => { await server.stop(); });

  const run = async (query: string, variables?: Record<string, unknown>) => {
    const res = await server.executeOperation({ query, variables });
    if (res.body.kind !== 'single') throw new Error('expected a single result');
    return { status: res.http.status, ...res.body.singleResult };
  };

  it('answers a normal operation', async () => {
    const res = await run('{ greeting credit(id: "1") { id } }');
    expect(res.errors).toBeUndefined();
    expect(res.data).toEqual({ greeting: 'hola', credit: { id: '1' } });
  });

  it('refuses 10 000 duplicate fields with the typed code before parsing the rest, executing nothing', async () => {
    const before = executed;
    const res = await run(`{ ${'greeting '.repeat(10_000)}}`);
    expect(res.status).toBe(400);
    expect(res.data).toBeUndefined();
    expect(res.errors).toHaveLength(1);
    expect(res.errors![0].extensions).toMatchObject({ code: 'OPERATION_LIMIT_EXCEEDED', limit: 'maxTokens', max: 2000 });
    expect(executed).toBe(before);
  });

  it('refuses an over-cost operation after validation with the limit and the estimate', async () => {
    const res = await run('query($n: Int) { credits(first: $n) { edges { node { id } } } }', { n: 60 });
    expect(res.status).toBe(400);
    expect(res.errors![0].extensions).toMatchObject({ code: 'OPERATION_LIMIT_EXCEEDED', limit: 'maxCost', max: 100, actual: 1 + 60 * 2 });
    // The same document with a smaller page passes: cost is never cached with the document.
    const ok = await run('query($n: Int) { credits(first: $n) { edges { node { id } } } }', { n: 10 });
    expect(ok.errors?.[0]?.extensions?.code).not.toBe('OPERATION_LIMIT_EXCEEDED');
  });
});
