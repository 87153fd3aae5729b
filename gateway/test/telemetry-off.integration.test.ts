/**
 * Telemetry on/off (`telemetry` option, `GATEWAY_TELEMETRY=off`, `--no-telemetry`): with it off the
 * request, subgraph-fetch and planning metrics do not move, `/metrics` shows only process metrics
 * and no `traceparent` reaches a subgraph (not even the caller's); with it on they all do.
 * Both gateways run in this process and share the platform registry, so every check reads the
 * registry itself before and after requests sent to one gateway only.
 */
import { registry, telemetryFromEnv } from '../src/metrics';
import { startWorld, type World } from './support';

let on: World;
let off: World;
beforeAll(async () => {
  [on, off] = await Promise.all([startWorld(), startWorld({ telemetry: false })]);
});
afterAll(async () => { await Promise.all([on?.stop(), off?.stop()]); });

/** Sum of every sample of a metric (all label sets). */
function total(text: string, name: string): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith(`${name}{`) || line.startsWith(`${name} `)) sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

const COUNTERS = [
  'imagy_gateway_request_duration_seconds_count',
  'imagy_gateway_subgraph_fetch_duration_seconds_count',
  'imagy_gateway_query_plan_cache_total',
  'imagy_gateway_query_planning_duration_seconds_count',
  'imagy_gateway_subgraph_fetch_dedup_total',
];

async function counters(): Promise<Record<string, number>> {
  const text = await registry.metrics();
  return Object.fromEntries(COUNTERS.map((n) => [n, total(text, n)]));
}

async function exercise(world: World): Promise<{ traceparents: (string | null)[]; tracestates: (string | null)[] }> {
  const ok = await world.gql('query TelemetryProbe { greeting }');
  expect(ok.body).toEqual({ data: { greeting: 'hello' } });
  const plain = await world.gql('query TelemetryTrace { whoAmI { traceparent tracestate } }');
  const continued = await world.gql('query TelemetryTrace { whoAmI { traceparent tracestate } }', {
    traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
    tracestate: 'vendor=abc',
  });
  const answers = [plain.body.data.whoAmI, continued.body.data.whoAmI];
  return { traceparents: answers.map((a) => a.traceparent), tracestates: answers.map((a) => a.tracestate) };
}

describe('gateway telemetry off', () => {
  it('observes nothing and sends no trace context to subgraphs', async () => {
    const before = await counters();
    const { traceparents, tracestates } = await exercise(off);
    expect(traceparents).toEqual([null, null]);
    expect(tracestates).toEqual([null, null]);
    expect(await counters()).toEqual(before);
    const text = await registry.metrics();
    expect(text).not.toContain('operation="TelemetryProbe"');
  });

  it('serves only process metrics on /metrics', async () => {
    const text = await off.metrics();
    expect(text).toMatch(/^process_cpu_user_seconds_total /m);
    expect(text).toMatch(/^nodejs_heap_size_used_bytes /m);
    expect(text).not.toContain('imagy_');
  });
});

describe('gateway telemetry on (default)', () => {
  it('counts requests, fetches and planning and sends a traceparent to subgraphs', async () => {
    const before = await counters();
    const { traceparents, tracestates } = await exercise(on);
    expect(traceparents[0]).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    expect(traceparents[1]).toMatch(/^00-4bf92f3577b34da6a3ce929d0e0e4736-[0-9a-f]{16}-01$/);
    expect(tracestates).toEqual([null, 'vendor=abc']);
    const after = await counters();
    expect(after['imagy_gateway_request_duration_seconds_count']! - before['imagy_gateway_request_duration_seconds_count']!).toBe(3);
    expect(after['imagy_gateway_subgraph_fetch_duration_seconds_count']! - before['imagy_gateway_subgraph_fetch_duration_seconds_count']!).toBe(3);
    expect(after['imagy_gateway_query_plan_cache_total']! - before['imagy_gateway_query_plan_cache_total']!).toBe(3);
    expect(after['imagy_gateway_query_planning_duration_seconds_count']! - before['imagy_gateway_query_planning_duration_seconds_count']!).toBe(2);
    // The caller-traced fetch is never shared (dedup.ts), so it bypasses the dedup counter.
    expect(after['imagy_gateway_subgraph_fetch_dedup_total']! - before['imagy_gateway_subgraph_fetch_dedup_total']!).toBe(2);
    const text = await on.metrics();
    expect(text).toMatch(/^imagy_gateway_request_duration_seconds_count\{operation="TelemetryProbe",outcome="ok"\} 1$/m);
  });
});

describe('GATEWAY_TELEMETRY', () => {
  it('is on by default and off with "off", and refuses other values', () => {
    expect(telemetryFromEnv({})).toBe(true);
    expect(telemetryFromEnv({ GATEWAY_TELEMETRY: 'on' })).toBe(true);
    expect(telemetryFromEnv({ GATEWAY_TELEMETRY: 'off' })).toBe(false);
    expect(telemetryFromEnv({ GATEWAY_TELEMETRY: 'OFF' })).toBe(false);
    expect(() => telemetryFromEnv({ GATEWAY_TELEMETRY: 'maybe' })).toThrow(/GATEWAY_TELEMETRY/);
  });
});
