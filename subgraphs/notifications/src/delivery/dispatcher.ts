/**
 * Failover delivery: one delivery round, run outside any database transaction. The routes of a
 * channel (the tenant's providers in priority order, or the built-in `local` one) are tried in turn.
 * Each route has its own circuit breaker (cockatiel, consecutive failures, explicit half-open
 * delay); an open circuit skips the route at once. A retryable failure (5xx, 429, timeout) is
 * retried on the same route with exponential backoff and full jitter (honouring Retry-After up to
 * the cap), at most `maxAttempts` times; a definitive one (4xx) moves to the next route. Every try
 * is an attempt in the log. A round that fails with any retryable failure (or an open circuit) is
 * `retryable`: the delivery service schedules a later round (`retryDelay`, the schedule over time).
 */
import { BrokenCircuitError, circuitBreaker, ConsecutiveBreaker, handleAll, type CircuitBreakerPolicy } from 'cockatiel';
import { inTenantTx, type Orm } from '@imagy/platform/db';
import type { OutboundPolicy } from '../common/outbound';
import { ProviderError, type OutboundMessage, type ProviderAdapter, type ProviderContext } from './providers/provider';

export interface Route {
  /** Channel config id, or `local`. */
  id: string;
  provider: ProviderAdapter;
  settings: Record<string, unknown>;
  credentials: Record<string, unknown>;
}

export interface Attempt {
  number: number;
  provider: string;
  status: 'SENT' | 'FAILED';
  providerMessageId: string | null;
  error: string | null;
  startedAt: Date;
  finishedAt: Date;
}

export interface DeliveryResult {
  status: 'SENT' | 'FAILED';
  provider: string | null;
  providerMessageId: string | null;
  error: string | null;
  attempts: Attempt[];
  /** A failed round worth another one later: some failure was transient (5xx, 429, network, open circuit). */
  retryable: boolean;
}

export interface DispatchPolicy {
  /** Tries per route (first try included). */
  maxAttempts: number;
  initialDelayMs: number;
  maxDelayMs: number;
  /** Consecutive failures that open a route's circuit. */
  breakerThreshold: number;
  halfOpenAfterMs: number;
  /** Delays before the 2nd, 3rd... delivery round of a message whose round failed transiently; its length + 1 is the most rounds. */
  retryScheduleMs: number[];
  /** Each scheduled delay is multiplied by a random factor in [1 - jitter, 1 + jitter]. */
  retryJitter: number;
  /** How long a claimed round owns its request; must exceed the longest round (routes x maxAttempts x (timeout + maxDelayMs)). */
  leaseMs: number;
  /** How often the sweeper looks for due requests; 0 turns it off. */
  sweepMs: number;
  /** Requests claimed per tenant per sweep. */
  sweepBatch: number;
}

const MINUTE = 60_000;
export const DEFAULT_DISPATCH_POLICY: DispatchPolicy = {
  maxAttempts: 3, initialDelayMs: 200, maxDelayMs: 5_000, breakerThreshold: 5, halfOpenAfterMs: 30_000,
  retryScheduleMs: [30_000, 2 * MINUTE, 10 * MINUTE, 60 * MINUTE, 6 * 60 * MINUTE], retryJitter: 0.2, leaseMs: 5 * MINUTE, sweepMs: 2_000, sweepBatch: 50,
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Full jitter: a random delay between 0 and min(cap, initial * 2^(n-1)). */
export function backoffDelay(policy: DispatchPolicy, retryNumber: number, retryAfterMs: number | null, random = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** (retryNumber - 1));
  const jittered = Math.floor(random() * ceiling);
  return retryAfterMs === null ? jittered : Math.min(policy.maxDelayMs, Math.max(jittered, retryAfterMs));
}

/**
 * The delay before delivery round `round + 1` after round `round` failed, or null when the schedule
 * is spent (the message is then FAILED): the schedule's entry times a jitter factor.
 */
export function retryDelay(policy: Pick<DispatchPolicy, 'retryScheduleMs' | 'retryJitter'>, round: number, random = Math.random): number | null {
  const base = policy.retryScheduleMs[round - 1];
  if (base === undefined) return null;
  const jitter = Math.min(1, Math.max(0, policy.retryJitter));
  return Math.max(0, Math.round(base * (1 - jitter + 2 * jitter * random())));
}

/** `30s,2m,10m,1h` (ms, s, m, h; a bare number is ms) -> milliseconds; throws on anything else. */
export function parseSchedule(text: string): number[] {
  const unit: Record<string, number> = { ms: 1, s: 1000, m: MINUTE, h: 60 * MINUTE };
  return text.split(',').map((s) => s.trim()).filter(Boolean).map((part) => {
    const m = /^(\d+)(ms|s|m|h)?$/.exec(part);
    if (!m) throw new Error(`NOTIFICATIONS_RETRY_SCHEDULE: "${part}" is not a duration such as 30s, 2m or 1h`);
    return Number(m[1]) * unit[m[2] ?? 'ms']!;
  });
}

export class Dispatcher {
  private readonly breakers = new Map<string, CircuitBreakerPolicy>();

  constructor(private readonly policy: DispatchPolicy, private readonly outbound: OutboundPolicy, private readonly orm: Orm) {}

  private breakerOf(tenantId: string, route: Route): CircuitBreakerPolicy {
    const key = `${tenantId}/${route.id}`;
    let breaker = this.breakers.get(key);
    if (!breaker) {
      breaker = circuitBreaker(handleAll, { halfOpenAfter: this.policy.halfOpenAfterMs, breaker: new ConsecutiveBreaker(this.policy.breakerThreshold) });
      this.breakers.set(key, breaker);
    }
    return breaker;
  }

  /**
   * One round over the routes; no transaction is held (the local provider opens its own short one,
   * unless `tx` gives it the caller's: a round of the local provider alone).
   */
  async deliver(message: OutboundMessage, routes: readonly Route[], tx: ProviderContext['tx'] = (work) => inTenantTx(this.orm, { tenantId: message.tenantId }, work)): Promise<DeliveryResult> {
    const attempts: Attempt[] = [];
    let lastError: string | null = null;
    let retryable = false;
    for (const route of routes) {
      const breaker = this.breakerOf(message.tenantId, route);
      for (let n = 1; n <= this.policy.maxAttempts; n++) {
        const startedAt = new Date();
        try {
          const result = await breaker.execute(() => route.provider.send(message, { tx, settings: route.settings, credentials: route.credentials, outbound: this.outbound }));
          attempts.push({ number: attempts.length + 1, provider: route.provider.name, status: 'SENT', providerMessageId: result.providerMessageId, error: null, startedAt, finishedAt: new Date() });
          return { status: 'SENT', provider: route.provider.name, providerMessageId: result.providerMessageId, error: null, attempts, retryable: false };
        } catch (e) {
          const open = e instanceof BrokenCircuitError;
          lastError = open ? `${route.provider.name}: circuit open` : `${route.provider.name}: ${errorText(e)}`;
          attempts.push({ number: attempts.length + 1, provider: route.provider.name, status: 'FAILED', providerMessageId: null, error: lastError, startedAt, finishedAt: new Date() });
          if (open || !(e instanceof ProviderError) || e.retryable) retryable = true;
          // An open circuit or a definitive refusal: the next route. A retryable failure: this route again.
          if (!(e instanceof ProviderError) || !e.retryable || n === this.policy.maxAttempts) break;
          await sleep(backoffDelay(this.policy, n, e.retryAfterMs));
        }
      }
    }
    return { status: 'FAILED', provider: null, providerMessageId: null, error: lastError ?? 'no provider configured', attempts, retryable };
  }
}

/** A failure's text for the log: the adapter's message, cut short (adapters never put secrets in it). */
function errorText(e: unknown): string {
  if (e instanceof ProviderError) return e.message.slice(0, 300);
  const err = e as { code?: unknown; message?: unknown };
  return String(err?.code ?? err?.message ?? 'error').slice(0, 300);
}
