/**
 * Gateway metrics, registered in the platform's process registry so `/metrics` shows them beside the
 * default Node metrics. Names follow the Router/Hive vocabulary: request duration by operation,
 * subgraph fetch duration and errors, rejected requests.
 */
import client from 'prom-client';
import { registry } from '@imagy/platform/server';

export { registry };

export const gatewayRequestDuration = new client.Histogram({
  name: 'imagy_gateway_request_duration_seconds',
  help: 'Duration of GraphQL requests at the gateway, by operation name and outcome',
  labelNames: ['operation', 'outcome'],
  buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  registers: [registry],
});

export const subgraphFetchDuration = new client.Histogram({
  name: 'imagy_gateway_subgraph_fetch_duration_seconds',
  help: 'Duration of HTTP fetches from the gateway to a subgraph, by subgraph and outcome',
  labelNames: ['subgraph', 'outcome'],
  buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
  registers: [registry],
});

export const subgraphFetchErrors = new client.Counter({
  name: 'imagy_gateway_subgraph_fetch_errors_total',
  help: 'Failed subgraph fetches: network failures, non-2xx answers, GraphQL errors in the answer',
  labelNames: ['subgraph', 'kind'],
  registers: [registry],
});

export const rejectedRequests = new client.Counter({
  name: 'imagy_gateway_rejected_requests_total',
  help: 'Requests refused by the gateway before execution, by reason',
  labelNames: ['reason'],
  registers: [registry],
});

/**
 * `GATEWAY_TELEMETRY`: `off` (or `false`, `0`) turns request, fetch and planning telemetry off
 * (see startGateway's `telemetry` option); unset, `on`, `true` or `1` keep it on (the default).
 */
export function telemetryFromEnv(env: NodeJS.ProcessEnv = process.env): boolean {
  const raw = (env.GATEWAY_TELEMETRY ?? '').trim().toLowerCase();
  if (raw === '' || raw === 'on' || raw === 'true' || raw === '1') return true;
  if (raw === 'off' || raw === 'false' || raw === '0') return false;
  throw new Error(`GATEWAY_TELEMETRY must be "on" or "off", got "${env.GATEWAY_TELEMETRY}"`);
}

/** `/metrics` with telemetry off: only the default process metrics (`process_*`, `nodejs_*`). */
export async function processMetrics(): Promise<string> {
  const names = registry.getMetricsAsArray().map((m) => m.name).filter((n) => n.startsWith('process_') || n.startsWith('nodejs_'));
  const texts = await Promise.all(names.map((n) => registry.getSingleMetricAsString(n)));
  return `${texts.join('\n')}\n`;
}
