/**
 * Failover delivery. The routes of a channel (the tenant's providers in priority order, or the
 * built-in `local` one) are tried in turn. Each route has its own circuit breaker (cockatiel,
 * consecutive failures, explicit half-open delay); an open circuit skips the route at once. A
 * retryable failure (5xx, 429, timeout) is retried on the same route with exponential backoff and
 * full jitter (honouring Retry-After up to the cap), at most `maxAttempts` times; a definitive one
 * (4xx) moves to the next route. Every try is an attempt in the log.
 */
import { BrokenCircuitError, circuitBreaker, ConsecutiveBreaker, handleAll, type CircuitBreakerPolicy } from 'cockatiel';
import type { Em } from '@imagy/platform/db';
import type { OutboundPolicy } from '../common/outbound';
import { ProviderError, type OutboundMessage, type ProviderAdapter } from './providers/provider';

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
}

export interface DispatchPolicy {
  /** Tries per route (first try included). */
  maxAttempts: number;
  initialDelayMs: number;
  maxDelayMs: number;
  /** Consecutive failures that open a route's circuit. */
  breakerThreshold: number;
  halfOpenAfterMs: number;
}

export const DEFAULT_DISPATCH_POLICY: DispatchPolicy = { maxAttempts: 3, initialDelayMs: 200, maxDelayMs: 5_000, breakerThreshold: 5, halfOpenAfterMs: 30_000 };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Full jitter: a random delay between 0 and min(cap, initial * 2^(n-1)). */
export function backoffDelay(policy: DispatchPolicy, retryNumber: number, retryAfterMs: number | null, random = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** (retryNumber - 1));
  const jittered = Math.floor(random() * ceiling);
  return retryAfterMs === null ? jittered : Math.min(policy.maxDelayMs, Math.max(jittered, retryAfterMs));
}

export class Dispatcher {
  private readonly breakers = new Map<string, CircuitBreakerPolicy>();

  constructor(private readonly policy: DispatchPolicy, private readonly outbound: OutboundPolicy) {}

  private breakerOf(tenantId: string, route: Route): CircuitBreakerPolicy {
    const key = `${tenantId}/${route.id}`;
    let breaker = this.breakers.get(key);
    if (!breaker) {
      breaker = circuitBreaker(handleAll, { halfOpenAfter: this.policy.halfOpenAfterMs, breaker: new ConsecutiveBreaker(this.policy.breakerThreshold) });
      this.breakers.set(key, breaker);
    }
    return breaker;
  }

  async deliver(em: Em, message: OutboundMessage, routes: readonly Route[]): Promise<DeliveryResult> {
    const attempts: Attempt[] = [];
    let lastError: string | null = null;
    for (const route of routes) {
      const breaker = this.breakerOf(message.tenantId, route);
      for (let n = 1; n <= this.policy.maxAttempts; n++) {
        const startedAt = new Date();
        try {
          const result = await breaker.execute(() => route.provider.send(message, { em, settings: route.settings, credentials: route.credentials, outbound: this.outbound }));
          attempts.push({ number: attempts.length + 1, provider: route.provider.name, status: 'SENT', providerMessageId: result.providerMessageId, error: null, startedAt, finishedAt: new Date() });
          return { status: 'SENT', provider: route.provider.name, providerMessageId: result.providerMessageId, error: null, attempts };
        } catch (e) {
          const open = e instanceof BrokenCircuitError;
          lastError = open ? `${route.provider.name}: circuit open` : `${route.provider.name}: ${errorText(e)}`;
          attempts.push({ number: attempts.length + 1, provider: route.provider.name, status: 'FAILED', providerMessageId: null, error: lastError, startedAt, finishedAt: new Date() });
          // An open circuit or a definitive refusal: the next route. A retryable failure: this route again.
          if (!(e instanceof ProviderError) || !e.retryable || n === this.policy.maxAttempts) break;
          await sleep(backoffDelay(this.policy, n, e.retryAfterMs));
        }
      }
    }
    return { status: 'FAILED', provider: null, providerMessageId: null, error: lastError ?? 'no provider configured', attempts };
  }
}

/** A failure's text for the log: the adapter's message, cut short (adapters never put secrets in it). */
function errorText(e: unknown): string {
  if (e instanceof ProviderError) return e.message.slice(0, 300);
  const err = e as { code?: unknown; message?: unknown };
  return String(err?.code ?? err?.message ?? 'error').slice(0, 300);
}
