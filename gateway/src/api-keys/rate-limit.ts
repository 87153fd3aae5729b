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
 * If the store cannot be reached the request is let through (fail open) and logged: NATS being down
 * must not take the API down with it.
 */
import crypto from 'node:crypto';
import type { KV } from '@nats-io/kv';

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

export class KvCounterStore implements CounterStore {
  /** `isUp`: false while the NATS connection is down, so requests fail open at once instead of waiting. */
  constructor(private readonly kv: KV, private readonly isUp: () => boolean = () => true) {}

  async read(key: string): Promise<CounterEntry | null> {
    if (!this.isUp()) throw new NatsDownError('NATS disconnected');
    const e = await this.kv.get(key);
    if (!e || e.operation !== 'PUT') return null;
    return { value: Number(e.string()) || 0, revision: e.revision };
  }

  async create(key: string, value: number): Promise<number> {
    if (!this.isUp()) throw new NatsDownError('NATS disconnected');
    try {
      return await this.kv.create(key, String(value));
    } catch (e) {
      throw conflictOr(e, key);
    }
  }

  async update(key: string, value: number, revision: number): Promise<number> {
    if (!this.isUp()) throw new NatsDownError('NATS disconnected');
    try {
      return await this.kv.update(key, String(value), revision, 2_000);
    } catch (e) {
      throw conflictOr(e, key);
    }
  }
}

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

export class SlidingWindowLimiter {
  private readonly seen = new Map<string, CounterEntry>();
  private readonly closed = new Map<string, number>();
  private lastWindow = -1;
  /** Hits on one counter are serialised within a replica, so CAS conflicts only come from other replicas. */
  private readonly queues = new Map<string, Promise<unknown>>();

  constructor(private readonly store: CounterStore, private readonly options: { windowMs?: number; maxAttempts?: number; onUnavailable?: (err: Error) => void } = {}) {}

  /** Counts one request of `id` against `limit` per window, unless that would exceed it. */
  hit(id: string, limit: number, now?: number): Promise<LimitDecision> {
    const previous = this.queues.get(id) ?? Promise.resolve();
    const run = previous.then(() => this.hitNow(id, limit, now ?? Date.now()));
    const tail = run.catch(() => undefined);
    this.queues.set(id, tail);
    void tail.then(() => { if (this.queues.get(id) === tail) this.queues.delete(id); });
    return run;
  }

  private async hitNow(id: string, limit: number, now: number): Promise<LimitDecision> {
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
        if (weight + state.value + 1 > limit) {
          return { allowed: false, limit, retryAfter: retryAfterSeconds(previous, state.value, elapsed, limit, windowMs) };
        }
        try {
          const value = state.value + 1;
          const revision = state.revision === 0 ? await this.store.create(currentKey, value) : await this.store.update(currentKey, value, state.revision);
          this.seen.set(currentKey, { value, revision });
          return { allowed: true, limit, remaining: Math.max(0, Math.floor(limit - weight - value)) };
        } catch (e) {
          if (!(e instanceof CasConflict)) throw e;
          // Another replica counted first: start again from the stored value.
          state = (await this.store.read(currentKey)) ?? { value: 0, revision: 0 };
        }
      }
      throw new Error(`rate limit counter ${currentKey}: too much contention`);
    } catch (e) {
      this.seen.delete(currentKey);
      this.options.onUnavailable?.(e as Error);
      return { allowed: true, limit, remaining: null, unavailable: true };
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
