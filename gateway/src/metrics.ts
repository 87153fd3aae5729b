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
