/**
 * Gateway telemetry: query planning time and plan cache hits on /metrics, open subscriptions gauge,
 * rejected operations by reason, and W3C trace context forwarded to subgraphs.
 */
import { bearer, metricValue, startWorld, type World } from './support';

let world: World;
beforeAll(async () => { world = await startWorld(); });
afterAll(async () => { await world?.stop(); });

describe('gateway telemetry', () => {
  it('counts a plan cache miss with its planning time for a new operation and a hit when it comes again', async () => {
    const before = await world.metrics();
    await world.gql('query PlanMe { greeting }');
    await world.gql('query PlanMe { greeting }');
    const after = await world.metrics();
    expect(metricValue(after, 'imagy_gateway_query_plan_cache_total', { result: 'miss' }) - metricValue(before, 'imagy_gateway_query_plan_cache_total', { result: 'miss' })).toBe(1);
    expect(metricValue(after, 'imagy_gateway_query_plan_cache_total', { result: 'hit' }) - metricValue(before, 'imagy_gateway_query_plan_cache_total', { result: 'hit' })).toBe(1);
    expect(metricValue(after, 'imagy_gateway_query_planning_duration_seconds_count') - metricValue(before, 'imagy_gateway_query_planning_duration_seconds_count')).toBe(1);
  });

  it('exposes the open subscriptions gauge', async () => {
    expect(await world.metrics()).toMatch(/^imagy_gateway_open_subscriptions 0$/m);
  });

  it('counts rejected operations by reason: limits, safelist, apq, authz and authn', async () => {
    await world.gql(`{ ${'greeting '.repeat(2001)}}`);
    await world.gql('{ greeting }', bearer(await world.apiKeyToken()));
    await world.gql({ extensions: { persistedQuery: { version: 1, sha256Hash: 'a'.repeat(64) } } });
    await world.gql('{ auditTrail }', bearer(await world.userToken()));
    await world.gql('{ greeting }', bearer('not-a-jwt'));
    const text = await world.metrics();
    expect(metricValue(text, 'imagy_gateway_rejected_operations_total', { reason: 'limits', detail: 'maxTokens' })).toBeGreaterThanOrEqual(1);
    expect(metricValue(text, 'imagy_gateway_rejected_operations_total', { reason: 'safelist', detail: 'PERSISTED_QUERY_ID_REQUIRED' })).toBeGreaterThanOrEqual(1);
    expect(metricValue(text, 'imagy_gateway_rejected_operations_total', { reason: 'apq', detail: 'PERSISTED_QUERY_NOT_FOUND' })).toBeGreaterThanOrEqual(1);
    expect(metricValue(text, 'imagy_gateway_rejected_operations_total', { reason: 'authz', detail: 'FORBIDDEN' })).toBeGreaterThanOrEqual(1);
    expect(metricValue(text, 'imagy_gateway_rejected_operations_total', { reason: 'authn', detail: 'UNAUTHENTICATED' })).toBeGreaterThanOrEqual(1);
  });

  it('continues the caller trace: subgraphs get the same trace id with a new parent span and the tracestate', async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const res = await world.gql('{ whoAmI { traceparent tracestate } }', {
      traceparent: `00-${traceId}-00f067aa0ba902b7-01`,
      tracestate: 'vendor=abc',
    });
    const forwarded = res.body.data.whoAmI.traceparent as string;
    expect(forwarded).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
    expect(forwarded).not.toContain('00f067aa0ba902b7');
    expect(res.body.data.whoAmI.tracestate).toBe('vendor=abc');
  });

  it('starts a new sampled trace when the caller sends none or an invalid one', async () => {
    const a = await world.gql('{ whoAmI { traceparent } }');
    const b = await world.gql('{ whoAmI { traceparent } }', { traceparent: '00-00000000000000000000000000000000-00f067aa0ba902b7-01' });
    for (const res of [a, b]) expect(res.body.data.whoAmI.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    expect(b.body.data.whoAmI.traceparent).not.toContain('00000000000000000000000000000000');
    expect(a.body.data.whoAmI.traceparent.slice(3, 35)).not.toBe(b.body.data.whoAmI.traceparent.slice(3, 35));
  });
});
