/**
 * Operation limits at the gateway: each refused with OPERATION_LIMIT_EXCEEDED naming the limit,
 * before any subgraph fetch; introspection is exempt from the depth limit only. The cost model
 * (demand control from the supergraph's @cost/@listSize) is checked on a subgraph of its own below.
 */
import { getIntrospectionQuery, parse } from 'graphql';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { startStandaloneServer } from '@apollo/server/standalone';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { composeServices } from '@apollo/composition';
import { DEFAULT_LIMITS, limitsFromEnv } from '../src/limits';
import { startGateway, type RunningGateway } from '../src/server';
import { startWorld, type World } from './support';

let world: World;
beforeAll(async () => { world = await startWorld(); });
afterAll(async () => { await world?.stop(); });
beforeEach(() => world.resetCalls());

const nestedQuery = (depth: number) => `{ ${Array.from({ length: depth - 1 }, (_, i) => (i === 0 ? 'nested {' : 'child {')).join(' ')} value ${'}'.repeat(depth - 1)} }`;

const expectLimit = (res: { status: number; body: any }, limit: string) => {
  expect(res.status).toBe(400);
  expect(res.body.data).toBeUndefined();
  expect(res.body.errors).toHaveLength(1);
  expect(res.body.errors[0].extensions).toMatchObject({ code: 'OPERATION_LIMIT_EXCEEDED', limit });
  expect(res.body.errors[0].message).toContain(limit);
};

describe('gateway operation limits', () => {
  it('uses the documented defaults and reads overrides from GATEWAY_MAX_* variables', () => {
    expect(DEFAULT_LIMITS).toEqual({ maxTokens: 2000, maxDepth: 15, maxAliases: 30, maxRootFields: 20, maxRepeatedFields: 20, maxCost: 5000, maxBatchSize: 10 });
    expect(limitsFromEnv({ GATEWAY_MAX_DEPTH: '7', GATEWAY_MAX_BATCH_SIZE: '3' })).toMatchObject({ maxDepth: 7, maxBatchSize: 3, maxCost: 5000 });
    expect(() => limitsFromEnv({ GATEWAY_MAX_COST: 'lots' })).toThrow(/GATEWAY_MAX_COST/);
  });

  it('answers an operation at the depth limit and refuses one level deeper', async () => {
    const ok = await world.gql(nestedQuery(15));
    expect(ok.body.errors).toBeUndefined();
    expect(ok.status).toBe(200);
    world.resetCalls();
    const refused = await world.gql(nestedQuery(16));
    expectLimit(refused, 'maxDepth');
    expect(refused.body.errors[0].extensions).toMatchObject({ max: 15, actual: 16 });
    expect(world.calls.audit).toBe(0);
  });

  it('exempts introspection from the depth limit but not from the others', async () => {
    const res = await world.gql(getIntrospectionQuery());
    expect(res.status).toBe(200);
    expect(res.body.data.__schema.queryType.name).toBe('Query');
    // 18 levels deep: __schema > types > fields > type > 14 x ofType > name
    const deep = `{ __schema { types { fields { type { ${'ofType { '.repeat(14)}name ${'} '.repeat(14)}} } } } }`;
    const deepRes = await world.gql(deep);
    expect(deepRes.body.errors).toBeUndefined();
    expect(deepRes.status).toBe(200);
    const aliased = `{ ${Array.from({ length: 31 }, (_, i) => `a${i}: __typename`).join(' ')} __schema { queryType { name } } }`;
    expectLimit(await world.gql(aliased), 'maxAliases');
  });

  it('refuses more than 30 aliases', async () => {
    const ok = await world.gql(`{ nested { ${Array.from({ length: 30 }, (_, i) => `v${i}: value`).join(' ')} } }`);
    expect(ok.status).toBe(200);
    expectLimit(await world.gql(`{ nested { ${Array.from({ length: 31 }, (_, i) => `v${i}: value`).join(' ')} } }`), 'maxAliases');
  });

  it('refuses more than 20 root fields, counting fields inside root fragments', async () => {
    const fields = (n: number) => Array.from({ length: n }, (_, i) => `g${i}: greeting`).join(' ');
    expect((await world.gql(`{ ${fields(20)} }`)).status).toBe(200);
    expectLimit(await world.gql(`{ ${fields(15)} ...More } fragment More on Query { ${fields(6).replace(/g(\d)/g, 'h$1')} }`), 'maxRootFields');
    expect(world.calls.audit).toBe(1);
  });

  it('counts lexer tokens before parsing and refuses more than 2000', async () => {
    const query = `{ ${'greeting '.repeat(2001)}}`;
    const res = await world.gql(query);
    expectLimit(res, 'maxTokens');
    expect(world.calls.audit).toBe(0);
  });

  it('refuses one field selected more than 20 times before validation, fetching nothing', async () => {
    expect((await world.gql(`{ nested { ${'value '.repeat(20)}} }`)).status).toBe(200);
    world.resetCalls();
    // 1995 copies of one field (2000 tokens): under the token limit, seconds of graphql-js validation if it got there.
    const refused = await world.gql(`{ nested { ${'value '.repeat(1995)}} }`);
    expectLimit(refused, 'maxRepeatedFields');
    expect(refused.body.errors[0].extensions).toMatchObject({ max: 20, actual: 1995 });
    expect(world.calls.audit).toBe(0);
  });

  it('sizes a list without @listSize by the default list size (10), whatever its arguments', async () => {
    // events(first:) has no @listSize in this supergraph: 10 objects, scalars free.
    expect((await world.gql('{ events(first: 999) { id action __typename } }')).status).toBe(200);
    expect((await world.gql('{ events { id } }')).status).toBe(200);
  });

  it('accepts a batch of up to 10 operations and refuses a larger one with 400', async () => {
    const ok = await world.gql(Array.from({ length: 10 }, () => ({ query: '{ greeting }' })));
    expect(ok.status).toBe(200);
    expect(ok.body).toHaveLength(10);
    world.resetCalls();
    const refused = await world.gql(Array.from({ length: 11 }, () => ({ query: '{ greeting }' })));
    expectLimit(refused, 'maxBatchSize');
    expect(world.calls.audit).toBe(0);
  });

  it('applies limits configured per gateway', async () => {
    const strict = await startWorld({ limits: { maxDepth: 2, maxCost: 5 } });
    try {
      expectLimit(await strict.gql('{ nested { child { value } } }'), 'maxDepth');
      expectLimit(await strict.gql('{ events(first: 3) { id action } }'), 'maxCost');
    } finally {
      await strict.stop();
    }
  });
});

describe('gateway cost limit (demand control from the supergraph)', () => {
  const sdl = `
    extend schema @link(url: "https://specs.apollo.dev/federation/v2.9", import: ["@key", "@cost", "@listSize"])
    type Detail { key: String! }
    type Event @key(fields: "id") { id: ID! action: String! details: [Detail!]! @listSize(assumedSize: 5) }
    type EventEdge { cursor: String! node: Event! }
    type EventConnection { edges: [EventEdge!]! }
    type Query {
      events(first: Int): EventConnection!
        @listSize(assumedSize: 20, slicingArguments: ["first"], sizedFields: ["edges"], requireOneSlicingArgument: false)
      strictEvents(first: Int, last: Int): EventConnection! @listSize(slicingArguments: ["first", "last"], sizedFields: ["edges"])
      report: String! @cost(weight: 4000)
    }
  `;
  let fetches = 0;
  let subgraph: ApolloServer;
  let gateway: RunningGateway;
  const gql = async (query: string, variables?: Record<string, unknown>) => {
    const res = await fetch(gateway.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query, variables }) });
    return { status: res.status, body: (await res.json()) as any };
  };

  beforeAll(async () => {
    const page = (n: number) => ({ edges: Array.from({ length: Math.min(n, 3) }, (_, i) => ({ cursor: `c${i}`, node: { id: `e${i}`, action: 'login', details: [{ key: 'k' }] } })) });
    subgraph = new ApolloServer({
      schema: buildSubgraphSchema([{ typeDefs: parse(sdl), resolvers: { Query: { events: (_: unknown, a: { first?: number }) => page(a.first ?? 20), strictEvents: () => page(3), report: () => 'ok' } } as never }]),
      plugins: [ApolloServerPluginInlineTraceDisabled()],
    });
    const { url } = await startStandaloneServer(subgraph, { listen: { port: 0, host: '127.0.0.1' }, context: async () => { fetches++; return {}; } });
    const composed = composeServices([{ name: 'events', url, typeDefs: parse(sdl) }]);
    if (composed.errors?.length || !composed.supergraphSdl) throw new Error(`composition failed: ${composed.errors?.map((e) => e.message).join('; ')}`);
    gateway = await startGateway({ supergraphSdl: composed.supergraphSdl, port: 0, host: '127.0.0.1', allowAnonymous: true, apiKeys: false });
  });
  afterAll(async () => {
    await gateway?.stop();
    await subgraph?.stop();
  });

  it('multiplies a connection by its slicing argument and accepts up to 5000', async () => {
    // 1 + 2499 * (edge 1 + node 1) = 4999
    const ok = await gql('query($n: Int) { events(first: $n) { edges { cursor node { id action } } } }', { n: 2499 });
    expect(ok.body.errors).toBeUndefined();
    expect(ok.status).toBe(200);
    fetches = 0;
    const refused = await gql('query($n: Int) { events(first: $n) { edges { cursor node { id action } } } }', { n: 2500 });
    expect(refused.status).toBe(400);
    expect(refused.body.errors[0].extensions).toMatchObject({ code: 'OPERATION_LIMIT_EXCEEDED', limit: 'maxCost', max: 5000, actual: 5001 });
    expect(fetches).toBe(0);
  });

  it('uses assumedSize for a list and for a connection given no slicing argument, and @cost weights', async () => {
    // 1 + 20 * (1 + 1 + 5 * 1) = 141, then 4000 + 1 + 100 * 2 = 4201 accepted, 4000 + 1 + 500 * 2 refused.
    expect((await gql('{ events { edges { node { details { key } } } } }')).status).toBe(200);
    expect((await gql('{ report events(first: 100) { edges { node { id } } } }')).status).toBe(200);
    const refused = await gql('{ report events(first: 500) { edges { node { id } } } }');
    expect(refused.body.errors[0].extensions).toMatchObject({ code: 'OPERATION_LIMIT_EXCEEDED', limit: 'maxCost', actual: 5001 });
  });

  it('refuses a field that requires exactly one slicing argument when it gets none', async () => {
    fetches = 0;
    const res = await gql('{ strictEvents { edges { cursor } } }');
    expect(res.status).toBe(400);
    expect(res.body.errors[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'Query.strictEvents' });
    expect(fetches).toBe(0);
    expect((await gql('{ strictEvents(first: 2) { edges { cursor } } }')).status).toBe(200);
  });
});
