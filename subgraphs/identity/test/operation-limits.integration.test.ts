/**
 * The gateway's operation limits hold when identity is called directly (the platform plugin in
 * startSubgraph): abusive documents are refused with OPERATION_LIMIT_EXCEEDED before validation or
 * execution, normal operations are answered.
 */
import { startHarness, type Harness } from './harness';

describe('identity called directly enforces the operation limits', () => {
  let h: Harness;
  beforeAll(async () => { h = await startHarness('idlimits'); });
  afterAll(async () => { await h?.close(); });

  const expectRefused = (res: { status: number; data?: unknown; errors?: { message: string; extensions?: Record<string, unknown> }[] }, limit: string, max: number) => {
    expect(res.status).toBe(400);
    expect(res.data).toBeUndefined();
    expect(res.errors).toHaveLength(1);
    expect(res.errors![0].extensions).toMatchObject({ code: 'OPERATION_LIMIT_EXCEEDED', limit, max });
  };

  it('refuses a 30 KB query of 10 000 duplicate fields by its token count', async () => {
    const query = `{ tenantByHost(host: "demo.localhost") { ${'id '.repeat(10_000)}} }`;
    expect(query.length).toBeGreaterThan(30_000);
    expectRefused(await h.call(query), 'maxTokens', 2000);
  });

  it('refuses 1990 duplicate fields (inside the token limit) before validating them', async () => {
    const refused = await h.call(`{ tenantByHost(host: "demo.localhost") { ${'id '.repeat(1990)}} }`);
    expectRefused(refused, 'maxRepeatedFields', 20);
    expect(refused.errors![0].extensions).toMatchObject({ actual: 1990 });
  });

  it('refuses depth, aliases and root fields as the gateway does, before validation', async () => {
    const token = await h.platformToken();
    expect((await h.call('{ me { tenant { id slug } } }', undefined, token)).errors).toBeUndefined();
    // Unknown fields: refused for depth before validation would report them.
    const deep = `{ ${'a { '.repeat(15)}b${' }'.repeat(15)} }`;
    expectRefused(await h.call(deep), 'maxDepth', 15);
    const aliases = `{ ${Array.from({ length: 31 }, (_, i) => `t${i}: tenantByHost(host: "demo.localhost") { id }`).join(' ')} }`;
    expectRefused(await h.call(aliases), 'maxAliases', 30);
    const roots = `{ ...R } fragment R on Query { ${Array.from({ length: 21 }, (_, i) => `f${i}: __typename`).join(' ')} }`;
    expectRefused(await h.call(roots), 'maxRootFields', 20);
  });

  it('refuses an operation whose estimated cost is above the limit, and answers a normal page', async () => {
    const token = await h.platformToken();
    // 1 + 3000 * (edge 1 + node 1) = 6001 > 5000: refused before the resolver runs (and refuses first > 100).
    const refused = await h.call('query($n: Int) { tenants(first: $n) { edges { node { id slug } } } }', { n: 3000 }, token);
    expectRefused(refused, 'maxCost', 5000);
    expect(refused.errors![0].extensions).toMatchObject({ actual: 6001 });
    const page = await h.call('{ tenants(first: 50) { edges { node { id slug } } pageInfo { hasNextPage } } }', undefined, token);
    expect(page.errors).toBeUndefined();
    expect(page.status).toBe(200);
    expect(page.data.tenants.edges.length).toBeGreaterThan(0);
  });

  it('sizes _entities by its representations', async () => {
    const representations = Array.from({ length: 2600 }, () => ({ __typename: 'Tenant', id: '00000000-0000-4000-8000-000000000000' }));
    const query = 'query($r: [_Any!]!) { _entities(representations: $r) { ... on Tenant { id } ... on User { tenant { id } } } }';
    // 10 representations: 10 * (entity 1 + tenant 1) = 20, answered.
    const ok = await h.call(query, { r: representations.slice(0, 10) });
    expect(ok.status).toBe(200);
    expect(ok.errors?.find((e) => e.extensions?.code === 'OPERATION_LIMIT_EXCEEDED')).toBeUndefined();
    // 2600 representations: 5200 > 5000.
    const refused = await h.call(query, { r: representations });
    expectRefused(refused, 'maxCost', 5000);
    expect(refused.errors![0].extensions).toMatchObject({ actual: 5200 });
  });
});
