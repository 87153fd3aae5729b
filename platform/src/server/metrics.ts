import client from 'prom-client';

/** One registry per process; `/metrics` exposes it in Prometheus text format. */
export const registry = new client.Registry();
client.collectDefaultMetrics({ register: registry });

export const operationDuration = new client.Histogram({
  name: 'imagy_graphql_operation_duration_seconds',
  help: 'GraphQL operation duration by operation name and outcome',
  labelNames: ['service', 'operation', 'outcome'],
  buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
  registers: [registry],
});

export const operationErrors = new client.Counter({
  name: 'imagy_graphql_errors_total',
  help: 'GraphQL errors by code',
  labelNames: ['service', 'code'],
  registers: [registry],
});
