/**
 * The provider gateway: routes one capability call through the providers a tenant configured, in
 * order, with explicit limits (what Ballerine's API plugins lack):
 *
 *   per provider: retry (at most `retries` more attempts, exponential backoff from
 *   `backoffInitialMs` to `backoffMaxMs`, only for retryable errors and timeouts) around a circuit
 *   breaker (opens after `breakerFailures` consecutive failed attempts, half-open after
 *   `halfOpenAfterMs`: one probe decides) around a timeout (the step's `timeoutMs`, aggressive: the
 *   adapter's AbortSignal fires).
 *   failover: a provider that fails (or whose circuit is open: SHORT_CIRCUITED, no call made) hands
 *   over to the next one; when every provider failed the call fails with all their records.
 *
 * Every provider tried yields one CallRecord (latency, outcome, attempts, cost reference) that the
 * engine stores and publishes as `flow.provider.called`. Breakers live in the process (per tenant,
 * provider and base URL): each replica learns a provider's health on its own.
 */
import {
  BrokenCircuitError, circuitBreaker, CircuitBreakerPolicy, CircuitState, ConsecutiveBreaker, ExponentialBackoff, handleWhen, retry, TaskCancelledError, timeout, TimeoutStrategy, wrap,
} from 'cockatiel';
import { UNREADABLE, type SecretOf } from './secrets';
import { ProviderError, type Capability, type ProviderAdapter, type ProviderChoice, type ProviderResult } from './types';

export interface GatewayLimits {
  retries: number;
  backoffInitialMs: number;
  backoffMaxMs: number;
  breakerFailures: number;
  halfOpenAfterMs: number;
  /** Added to a provider step's worst-case duration to make its lease (the process died mid-call: the resume sweep takes over after it). */
  leaseMarginMs: number;
}

export const DEFAULT_LIMITS: GatewayLimits = { retries: 2, backoffInitialMs: 50, backoffMaxMs: 1_000, breakerFailures: 5, halfOpenAfterMs: 30_000, leaseMarginMs: 5_000 };

export type CallOutcome = 'SUCCESS' | 'FAILURE' | 'TIMEOUT' | 'SHORT_CIRCUITED';

export interface CallRecord {
  provider: string;
  capability: Capability;
  outcome: CallOutcome;
  attempts: number;
  latencyMs: number;
  costReference: string | null;
  errorCode: string | null;
}

export type GatewayAnswer =
  | { ok: true; provider: string; output: Record<string, unknown>; calls: CallRecord[] }
  | { ok: false; calls: CallRecord[] };

const isFailure = (e: Error) => e instanceof ProviderError || e instanceof TaskCancelledError;
const isRetryable = (e: Error) => (e instanceof ProviderError && e.retryable) || e instanceof TaskCancelledError;

export class ProviderGateway {
  private readonly adapters = new Map<string, ProviderAdapter>();
  private readonly breakers = new Map<string, CircuitBreakerPolicy>();

  constructor(adapters: ProviderAdapter[], private readonly limits: GatewayLimits = DEFAULT_LIMITS) {
    for (const a of adapters) this.adapters.set(a.name, a);
  }

  /** Whether a provider of this name serves the capability (configuration checks). */
  serves(provider: string, capability: Capability): boolean {
    return this.adapters.get(provider)?.capabilities.includes(capability) ?? false;
  }

  /** The longest a call to `providers` providers with this timeout can take (every attempt times out, every backoff at its maximum), plus the lease margin. */
  budgetMs(providers: number, timeoutMs: number): number {
    const { retries, backoffMaxMs, leaseMarginMs } = this.limits;
    return Math.max(1, providers) * ((retries + 1) * timeoutMs + retries * backoffMaxMs) + leaseMarginMs;
  }

  /** For tests and metrics: the breaker's state of one tenant's provider. */
  circuitState(tenantId: string, choice: ProviderChoice): CircuitState | null {
    return this.breakers.get(breakerKey(tenantId, choice))?.state ?? null;
  }

  private breaker(tenantId: string, choice: ProviderChoice): CircuitBreakerPolicy {
    const key = breakerKey(tenantId, choice);
    let b = this.breakers.get(key);
    if (!b) {
      b = circuitBreaker(handleWhen(isFailure), { halfOpenAfter: this.limits.halfOpenAfterMs, breaker: new ConsecutiveBreaker(this.limits.breakerFailures) });
      if (this.breakers.size > 10_000) this.breakers.clear();
      this.breakers.set(key, b);
    }
    return b;
  }

  /** Whether a tenant may set its own secret for the provider. */
  takesSecret(provider: string): boolean {
    return this.adapters.get(provider)?.takesSecret ?? false;
  }

  async call(tenantId: string, capability: Capability, input: Record<string, unknown>, choices: readonly ProviderChoice[], timeoutMs: number, secrets: SecretOf = new Map()): Promise<GatewayAnswer> {
    const calls: CallRecord[] = [];
    for (const choice of choices) {
      const adapter = this.adapters.get(choice.provider);
      if (!adapter || !adapter.capabilities.includes(capability)) {
        calls.push({ provider: choice.provider, capability, outcome: 'FAILURE', attempts: 0, latencyMs: 0, costReference: null, errorCode: 'UNKNOWN_PROVIDER' });
        continue;
      }
      const secret = secrets.get(choice.provider) ?? null;
      if (secret === UNREADABLE) {
        calls.push({ provider: choice.provider, capability, outcome: 'FAILURE', attempts: 0, latencyMs: 0, costReference: null, errorCode: 'SECRET_UNREADABLE' });
        continue;
      }
      const policy = wrap(
        retry(handleWhen(isRetryable), { maxAttempts: this.limits.retries, backoff: new ExponentialBackoff({ initialDelay: this.limits.backoffInitialMs, maxDelay: this.limits.backoffMaxMs }) }),
        this.breaker(tenantId, choice),
        timeout(timeoutMs, TimeoutStrategy.Aggressive),
      );
      let attempts = 0;
      const started = performance.now();
      try {
        const result: ProviderResult = await policy.execute(({ signal }) => {
          attempts += 1;
          return adapter.call({ capability, input, choice, secret, signal });
        });
        calls.push({ provider: choice.provider, capability, outcome: 'SUCCESS', attempts, latencyMs: elapsed(started), costReference: result.costReference, errorCode: null });
        return { ok: true, provider: choice.provider, output: result.output, calls };
      } catch (e) {
        const outcome: CallOutcome = e instanceof BrokenCircuitError && attempts === 0 ? 'SHORT_CIRCUITED' : e instanceof TaskCancelledError ? 'TIMEOUT' : 'FAILURE';
        const errorCode = e instanceof ProviderError ? e.code : e instanceof BrokenCircuitError ? 'CIRCUIT_OPEN' : e instanceof TaskCancelledError ? 'TIMEOUT' : 'ADAPTER_ERROR';
        calls.push({ provider: choice.provider, capability, outcome, attempts, latencyMs: elapsed(started), costReference: null, errorCode });
      }
    }
    return { ok: false, calls };
  }
}

const breakerKey = (tenantId: string, c: ProviderChoice) => `${tenantId}|${c.provider}|${c.baseUrl ?? ''}|${c.dataset ?? ''}`;
const elapsed = (started: number) => Math.max(0, Math.round(performance.now() - started));
