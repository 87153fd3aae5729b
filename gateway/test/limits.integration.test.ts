/**
 * Operation limits at the gateway: each refused with OPERATION_LIMIT_EXCEEDED naming the limit,
 * before any subgraph fetch; introspection is exempt from the depth limit only.
 */
import { getIntrospectionQuery } from 'graphql';
import { DEFAULT_LIMITS, limitsFromEnv } from '../src/limits';
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
    expect(DEFAULT_LIMITS).toEqual({ maxTokens: 2000, maxDepth: 15, maxAliases: 30, maxRootFields: 20, maxCost: 2000, maxBatchSize: 10 });
    expect(limitsFromEnv({ GATEWAY_MAX_DEPTH: '7', GATEWAY_MAX_BATCH_SIZE: '3' })).toMatchObject({ maxDepth: 7, maxBatchSize: 3, maxCost: 2000 });
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

  it('multiplies list costs by first and refuses an operation costing more than 2000', async () => {
    // 1 + 999 * (1 + 1 + 0): __typename is free
    expect((await world.gql('{ events(first: 999) { id action __typename } }')).status).toBe(200);
    // 1 + 1000 * 2 = 2001
    const refused = await world.gql({ query: 'query E($n: Int) { events(first: $n) { id action } }', variables: { n: 1000 } });
    expect(refused.status).toBe(400);
    expect(refused.body.errors[0].extensions).toMatchObject({ code: 'OPERATION_LIMIT_EXCEEDED', limit: 'maxCost', max: 2000 });
    // A list without first counts 10 per item: 1 + 10 * (1 + 10 * ...) grows quickly.
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
