/**
 * Metrics of the operation pipeline (kept apart from metrics.ts so the request/subgraph metrics and
 * these grow independently): query planning time, plan cache hits and misses, open subscriptions,
 * operations refused by the gateway's own rules.
 *
 * Planning is observed by wrapping the @apollo/gateway instance's query plan store: a `get` that
 * misses starts the clock and the `set` of the same key (done right after planning, synchronously
 * after `buildQueryPlan` returns) stops it, so the histogram measures `operationFromDocument` +
 * `buildQueryPlan`, exactly the work the plan cache saves.
 */
import { performance } from 'node:perf_hooks';
import client from 'prom-client';
import type { ApolloGateway } from '@apollo/gateway';
import type { Logger } from '@imagy/platform/logger';
import { registry } from './metrics';

export const queryPlanningDuration = new client.Histogram({
  name: 'imagy_gateway_query_planning_duration_seconds',
  help: 'Time spent building query plans (plan cache misses only)',
  buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
  registers: [registry],
});

export const queryPlanCache = new client.Counter({
  name: 'imagy_gateway_query_plan_cache_total',
  help: 'Query plan cache lookups, by result (hit or miss)',
  labelNames: ['result'],
  registers: [registry],
});

/** Set by the subscriptions code: +1 when a client subscription starts, -1 when it ends. */
export const openSubscriptions = new client.Gauge({
  name: 'imagy_gateway_open_subscriptions',
  help: 'Client subscriptions currently open at this gateway process',
  registers: [registry],
});

/**
 * Operations refused by the gateway, by reason (`authn`, `limits`, `safelist`, `apq`, `authz`) and
 * detail (the limit name or the error code). Authorization counts an operation once even when it
 * loses several fields.
 */
export const rejectedOperations = new client.Counter({
  name: 'imagy_gateway_rejected_operations_total',
  help: 'Operations refused (fully or partly) by the gateway, by reason and detail',
  labelNames: ['reason', 'detail'],
  registers: [registry],
});

for (const result of ['hit', 'miss']) queryPlanCache.inc({ result }, 0);

interface PlanStore {
  get(key: string): Promise<unknown>;
  set(key: string, value: unknown, options?: unknown): Promise<void>;
}

/** Wraps the gateway's private query plan store; logs a warning (and measures nothing) if it changed shape. */
export function instrumentQueryPlanning(gateway: ApolloGateway, log: Logger): boolean {
  const store = (gateway as unknown as { queryPlanStore?: PlanStore }).queryPlanStore;
  if (!store || typeof store.get !== 'function' || typeof store.set !== 'function') {
    log.warn('@apollo/gateway has no queryPlanStore: query planning metrics are off');
    return false;
  }
  const get = store.get.bind(store);
  const set = store.set.bind(store);
  const missedAt = new Map<string, number>();
  store.get = async (key) => {
    const plan = await get(key);
    if (plan) {
      queryPlanCache.inc({ result: 'hit' });
    } else {
      queryPlanCache.inc({ result: 'miss' });
      if (missedAt.size > 10_000) missedAt.clear(); // plans that failed never call set
      missedAt.set(key, performance.now());
    }
    return plan;
  };
  store.set = async (key, value, options) => {
    const started = missedAt.get(key);
    if (started !== undefined) {
      missedAt.delete(key);
      queryPlanningDuration.observe((performance.now() - started) / 1000);
    }
    return set(key, value, options);
  };
  return true;
}
