/**
 * Sliding-window rate limit shared by every gateway replica: the two-window weighted counter
 * (Cloudflare's "sliding window counter"). Each caller has one counter per fixed minute; the
 * estimate of the last 60 s is `previous * (1 - elapsed / 60 s) + current`, and a request is let
 * through (and counted) only while that estimate, itself included, stays within the limit.
 * Refused requests are not counted, so a throttled client recovers at the announced time.
 *
 * Counters live in NATS JetStream KV (bucket `ratelimit`, namespaced like streams, in memory, keys
 * expiring after 3 minutes). Increments are atomic: `create` for the first hit of a window, then
 * `update` with the revision last seen (compare-and-set); on a conflict the counter is re-read and
 * the increment retried. Each replica remembers the last value and revision it saw, so the common
 * case is one round trip; a remembered value is never above the real one, so a refusal decided on
 * it is always right. `MemoryCounterStore` implements the same contract in process (a gateway
 * without NATS, unit tests).
 *
 * Concurrent hits on one counter in one replica are committed together (group commit): while a
 * write for the counter is in flight, new hits wait for the next write, which counts all of them
 * at once. A burst of one caller therefore costs about two round trips, not one per request, and
 * no request waits behind a queue of earlier ones; other counters are never involved.
 *
 * Resilience (`resilientStore`, cockatiel): every store call has a 1 s timeout (a loaded NATS or event loop answers a KV call in more than 300 ms, and a timed-out call lets the request through unmetered), one retry
 * (`maxAttempts: 1`; safe, every write is compare-and-set) and sits behind a circuit breaker
 * (3 consecutive failures open it; `halfOpenAfter` 1 s, then one trial call). While it is open a
 * lookup fails in microseconds instead of waiting for a NATS timeout.
 *
 * Policy when the store cannot answer (NATS down, bucket missing, breaker open): **fail open**, the
 * request is let through unmetered and the failure is logged (at most every 10 s). Rate limiting
 * protects capacity; refusing every caller because the counter store is down would turn a NATS
 * outage into an API outage. Authentication and authorization never depend on this store.
 */
import crypto from 'node:crypto';
import type { KV } from '@nats-io/kv';
import {
  BrokenCircuitError, CircuitState, ConsecutiveBreaker, ConstantBackoff, TimeoutStrategy,
  circuitBreaker, handleWhen, retry, timeout, wrap, type IPolicy,
} from 'cockatiel';

export interface CounterEntry { value: number; revision: number }

/** Atomic counters: `create` fails if the key exists, `update` fails unless `revision` is current. */
export interface CounterStore {
  read(key: string): Promise<CounterEntry | null>;
  create(key: string, value: number): Promise<number>;
  update(key: string, value: number, revision: number): Promise<number>;
}

export class CasConflict extends Error {}

export class MemoryCounterStore implements CounterStore {
  private readonly map = new Map<string, CounterEntry & { at: number }>();
  private seq = 0;

  async read(key: string): Promise<CounterEntry | null> {
    this.prune();
    const e = this.map.get(key);
    return e ? { value: e.value, revision: e.revision } : null;
  }

  async create(key: string, value: number): Promise<number> {
    if (this.map.has(key)) throw new CasConflict(key);
    this.map.set(key, { value, revision: ++this.seq, at: Date.now() });
    return this.seq;
  }

  async update(key: string, value: number, revision: number): Promise<number> {
    const e = this.map.get(key);
    if (!e || e.revision !== revision) throw new CasConflict(key);
    this.map.set(key, { value, revision: ++this.seq, at: e.at });
    return this.seq;
  }

  private prune(): void {
    if (this.map.size < 10_000) return;
    const old = Date.now() - 3 * 60_000;
    for (const [k, e] of this.map) if (e.at < old) this.map.delete(k);
  }
}

export class NatsDownError extends Error {}

/** The KV bucket (memory storage) is gone, e.g. after a NATS restart: the owner re-creates it. */
export class BucketMissingError extends Error {}

export class KvCounterStore implements CounterStore {
  /**
   * `kv`: the current bucket handle (a getter, so a re-created bucket is used at once);
   * `isUp`: false while the NATS connection is down, so requests fail open at once instead of waiting;
   * `onMissing`: called when the bucket turns out to be gone.
   */
  constructor(
    private readonly kv: KV | (() => KV),
    private readonly isUp: () => boolean = () => true,
    private readonly onMissing: () => void = () => undefined,
  ) {}

  private bucket(): KV {
    return typeof this.kv === 'function' ? this.kv() : this.kv;
  }

  async read(key: string): Promise<CounterEntry | null> {
    if (!this.isUp()) throw new NatsDownError('NATS disconnected');
    try {
      const e = await this.bucket().get(key);
      if (!e || e.operation !== 'PUT') return null;
      return { value: Number(e.string()) || 0, revision: e.revision };
    } catch (e) {
      throw this.missingOr(e);
    }
  }

  async create(key: string, value: number): Promise<number> {
    if (!this.isUp()) throw new NatsDownError('NATS disconnected');
    try {
      return await this.bucket().create(key, String(value));
    } catch (e) {
      throw this.missingOr(conflictOr(e, key));
    }
  }

  async update(key: string, value: number, revision: number): Promise<number> {
    if (!this.isUp()) throw new NatsDownError('NATS disconnected');
    try {
      return await this.bucket().update(key, String(value), revision, 2_000);
    } catch (e) {
      throw this.missingOr(conflictOr(e, key));
    }
  }

  /** JetStream's "stream not found" (10059) or no responders for the bucket's subjects. */
  private missingOr(e: unknown): Error {
    if (e instanceof CasConflict) return e;
    const text = `${(e as { code?: unknown }).code ?? ''} ${(e as Error).message ?? ''} ${(e as { api_error?: { err_code?: number } }).api_error?.err_code ?? ''}`;
    if (/stream not found|10059|no responders|503/i.test(text)) {
      this.onMissing();
      return new BucketMissingError(`rate limit bucket missing: ${(e as Error).message}`);
    }
    return e as Error;
  }
}

export interface ResilienceOptions {
  /** Per store call (default 1000 ms). */
  timeoutMs?: number;
  /** Retries after a failed call (default 1). */
  maxAttempts?: number;
  /** Consecutive failures that open the breaker (default 3). */
  failures?: number;
  /** How long the breaker stays open before one trial call (default 1 000 ms). */
  halfOpenAfterMs?: number;
}

/** A CounterStore behind a timeout, a retry and a circuit breaker (cockatiel); conflicts are answers, not failures. */
export class ResilientCounterStore implements CounterStore {
  private readonly breaker;
  private readonly policy: IPolicy;

  constructor(private readonly inner: CounterStore, options: ResilienceOptions = {}) {
    const failure = handleWhen((e) => !(e instanceof CasConflict));
    this.breaker = circuitBreaker(failure, { halfOpenAfter: options.halfOpenAfterMs ?? 1_000, breaker: new ConsecutiveBreaker(options.failures ?? 3) });
    // No retry while NATS is known to be down: that answer is already certain.
    const retrying = retry(handleWhen((e) => !(e instanceof CasConflict) && !(e instanceof NatsDownError)), { maxAttempts: options.maxAttempts ?? 1, backoff: new ConstantBackoff(25) });
    this.policy = wrap(this.breaker, retrying, timeout(options.timeoutMs ?? 1_000, TimeoutStrategy.Aggressive));
  }

  /** `closed` while the store answers; `open` while lookups are short-circuited; `halfOpen` during the trial. */
  get state(): 'closed' | 'open' | 'halfOpen' | 'isolated' {
    switch (this.breaker.state) {
      case CircuitState.Open: return 'open';
      case CircuitState.HalfOpen: return 'halfOpen';
      case CircuitState.Isolated: return 'isolated';
      default: return 'closed';
    }
  }

  read(key: string): Promise<CounterEntry | null> { return this.policy.execute(() => this.inner.read(key)); }
  create(key: string, value: number): Promise<number> { return this.policy.execute(() => this.inner.create(key, value)); }
  update(key: string, value: number, revision: number): Promise<number> { return this.policy.execute(() => this.inner.update(key, value, revision)); }
}

export const isShortCircuit = (e: unknown): boolean => e instanceof BrokenCircuitError;

/** JetStream answers a lost CAS with "wrong last sequence" (10071) or "key exists" (10164 / 10058). */
function conflictOr(e: unknown, key: string): Error {
  const text = `${(e as { code?: unknown }).code ?? ''} ${(e as Error).message ?? ''} ${(e as { api_error?: { err_code?: number } }).api_error?.err_code ?? ''}`;
  return /wrong last sequence|exists|10071|10164|10058/i.test(text) ? new CasConflict(key) : (e as Error);
}

export type LimitDecision =
  | { allowed: true; limit: number; remaining: number }
  | { allowed: false; limit: number; retryAfter: number }
  /** The store could not be reached: let through, unmetered. */
  | { allowed: true; limit: number; remaining: null; unavailable: true };

export const WINDOW_MS = 60_000;

/** Seconds until one more request fits, given the two window counts (pure; exported for tests). */
export function retryAfterSeconds(previous: number, current: number, elapsedMs: number, limit: number, windowMs = WINDOW_MS): number {
  let waitMs: number;
  const roomNow = limit - current - 1;
  if (roomNow >= 0 && previous > 0) {
    // Still in this window, once the previous window's weight has decayed enough.
    waitMs = windowMs * (1 - roomNow / previous) - elapsedMs;
  } else {
    // In the next window, where this window's count becomes the decaying one.
    const next = current > 0 ? windowMs * (1 - (limit - 1) / current) : 0;
    waitMs = windowMs - elapsedMs + Math.max(0, next);
  }
  return Math.max(1, Math.ceil(waitMs / 1000 - 1e-9));
}

/** KV keys allow `[-/_=.a-zA-Z0-9]`; anything else (an external issuer's subject) is hashed. */
export function counterId(...parts: string[]): string {
  return parts.map((p) => (/^[A-Za-z0-9_-]{1,64}$/.test(p) ? p : crypto.createHash('sha256').update(p).digest('hex').slice(0, 32))).join('.');
}

interface PendingHit { now: number; resolve: (decision: LimitDecision) => void }

/** Hits on one counter (one id, window and limit) waiting for the next write. */
interface CounterGroup { waiting: PendingHit[]; writing: boolean }

export class SlidingWindowLimiter {
  private readonly seen = new Map<string, CounterEntry>();
  private readonly closed = new Map<string, number>();
  private lastWindow = -1;
  private readonly groups = new Map<string, CounterGroup>();
  /** Decisions taken without the store (fail open), for health checks and tests. */
  unavailable = 0;

  constructor(private readonly store: CounterStore, private readonly options: { windowMs?: number; maxAttempts?: number; onUnavailable?: (err: Error) => void } = {}) {}

  /**
   * Counts one request of `id` against `limit` per window, unless that would exceed it. Concurrent
   * hits on the same counter share one write (see the top of this file).
   */
  hit(id: string, limit: number, now?: number): Promise<LimitDecision> {
    const at = now ?? Date.now();
    const windowMs = this.options.windowMs ?? WINDOW_MS;
    const groupKey = `${id}.${Math.floor(at / windowMs)}|${limit}`;
    return new Promise((resolve) => {
      let group = this.groups.get(groupKey);
      if (!group) this.groups.set(groupKey, (group = { waiting: [], writing: false }));
      group.waiting.push({ now: at, resolve });
      if (!group.writing) void this.commit(groupKey, group, id, limit);
    });
  }

  /** Writes the group's waiting hits, batch after batch, until none is left. */
  private async commit(groupKey: string, group: CounterGroup, id: string, limit: number): Promise<void> {
    group.writing = true;
    while (group.waiting.length) {
      const batch = group.waiting.splice(0);
      const decisions = await this.decide(id, limit, batch[batch.length - 1]!.now, batch.length);
      batch.forEach((h, i) => h.resolve(decisions[i]!));
    }
    group.writing = false;
    if (this.groups.get(groupKey) === group) this.groups.delete(groupKey);
  }

  /** `count` hits at `now`: the first ones that fit are counted (one compare-and-set), the rest refused. */
  private async decide(id: string, limit: number, now: number, count: number): Promise<LimitDecision[]> {
    const windowMs = this.options.windowMs ?? WINDOW_MS;
    const win = Math.floor(now / windowMs);
    const elapsed = now - win * windowMs;
    if (win !== this.lastWindow) this.forgetBefore(win);
    const currentKey = `${id}.${win}`;
    try {
      const previous = await this.previousCount(`${id}.${win - 1}`);
      const weight = previous * (1 - elapsed / windowMs);
      let state = this.seen.get(currentKey) ?? (await this.store.read(currentKey)) ?? { value: 0, revision: 0 };
      for (let attempt = 0; attempt < (this.options.maxAttempts ?? 50); attempt++) {
        // Hit i (1-based) fits while weight + value + i <= limit.
        const fits = Math.max(0, Math.min(count, Math.floor(limit - weight - state.value + 1e-9)));
        const refused = (current: number): LimitDecision => ({ allowed: false, limit, retryAfter: retryAfterSeconds(previous, current, elapsed, limit, windowMs) });
        if (fits === 0) return Array.from({ length: count }, () => refused(state.value));
        try {
          const value = state.value + fits;
          const revision = state.revision === 0 ? await this.store.create(currentKey, value) : await this.store.update(currentKey, value, state.revision);
          this.seen.set(currentKey, { value, revision });
          return Array.from({ length: count }, (_, i): LimitDecision => (i < fits
            ? { allowed: true, limit, remaining: Math.max(0, Math.floor(limit - weight - (state.value + i + 1))) }
            : refused(value)));
        } catch (e) {
          if (!(e instanceof CasConflict)) throw e;
          // Another replica counted first: start again from the stored value.
          state = (await this.store.read(currentKey)) ?? { value: 0, revision: 0 };
        }
      }
      throw new Error(`rate limit counter ${currentKey}: too much contention`);
    } catch (e) {
      this.seen.delete(currentKey);
      this.unavailable += count;
      this.options.onUnavailable?.(e as Error);
      return Array.from({ length: count }, (): LimitDecision => ({ allowed: true, limit, remaining: null, unavailable: true }));
    }
  }

  /** The previous window no longer changes (but for stragglers): read once per replica. */
  private async previousCount(key: string): Promise<number> {
    const cached = this.closed.get(key);
    if (cached !== undefined) return cached;
    const value = (await this.store.read(key))?.value ?? 0;
    this.closed.set(key, value);
    return value;
  }

  private forgetBefore(win: number): void {
    this.lastWindow = win;
    const keep = (k: string) => Number(k.slice(k.lastIndexOf('.') + 1)) >= win - 1;
    for (const k of this.seen.keys()) if (!keep(k)) this.seen.delete(k);
    for (const k of this.closed.keys()) if (!keep(k)) this.closed.delete(k);
  }
}
