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

/** Label of operations that sent no operation name. */
export const ANONYMOUS_OPERATION = 'anonymous';
/** Label of every operation name that is malformed, too long, or arrived after the cap was reached. */
export const OTHER_OPERATION = 'other';
/** Longest operation name kept as a label. */
export const MAX_OPERATION_NAME_LENGTH = 64;
/** Distinct operation names kept as labels per process (and per service) before new ones become "other". */
export const MAX_OPERATION_LABELS = 200;

const WELL_FORMED = new RegExp(`^[A-Za-z_][A-Za-z0-9_]{0,${MAX_OPERATION_NAME_LENGTH - 1}}$`);

/**
 * Bounded operation-name labels. The operation name comes from the caller: used as a label as is,
 * anyone who can reach a subgraph could mint one time series per request (a new name each time)
 * and exhaust the process's memory and the Prometheus server. Only GraphQL names (the `Name`
 * grammar) of at most 64 characters are kept, and only the first `max` distinct ones: later new
 * names are counted under "other", while names already seen keep their own series.
 */
export class OperationLabels {
  private readonly seen = new Set<string>();

  constructor(private readonly max = MAX_OPERATION_LABELS) {}

  label(operationName: string | null | undefined): string {
    if (operationName === null || operationName === undefined || operationName === '') return ANONYMOUS_OPERATION;
    if (!WELL_FORMED.test(operationName)) return OTHER_OPERATION;
    if (this.seen.has(operationName)) return operationName;
    if (this.seen.size >= this.max) return OTHER_OPERATION;
    this.seen.add(operationName);
    return operationName;
  }

  /** Distinct names currently kept (tests, diagnostics). */
  size(): number {
    return this.seen.size;
  }
}
