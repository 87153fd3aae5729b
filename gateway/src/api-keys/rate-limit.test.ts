import { Kvm } from '@nats-io/kv';
import { createTestBus, type TestBus } from '@imagy/platform/testing';
import { KvCounterStore, MemoryCounterStore, NatsDownError, ResilientCounterStore, retryAfterSeconds, SlidingWindowLimiter, type CounterEntry, type CounterStore } from './rate-limit';

/** Counts calls per method; `gate(key)` can hold a key's calls until released. */
class ObservedStore implements CounterStore {
  calls = { read: 0, create: 0, update: 0 };
  private held = new Map<string, { release: () => void; promise: Promise<void> }>();
  constructor(private readonly inner: CounterStore = new MemoryCounterStore()) {}
  hold(prefix: string): () => void {
    let release!: () => void;
    const promise = new Promise<void>((r) => { release = r; });
    this.held.set(prefix, { release, promise });
    return release;
  }
  private async gate(key: string) {
    for (const [prefix, h] of this.held) if (key.startsWith(prefix)) await h.promise;
  }
  async read(key: string): Promise<CounterEntry | null> { this.calls.read++; await this.gate(key); return this.inner.read(key); }
  async create(key: string, value: number): Promise<number> { this.calls.create++; await this.gate(key); return this.inner.create(key, value); }
  async update(key: string, value: number, revision: number): Promise<number> { this.calls.update++; await this.gate(key); return this.inner.update(key, value, revision); }
}

class FailingStore implements CounterStore {
  calls = 0;
  constructor(private readonly failure: () => Promise<never>) {}
  read(): Promise<CounterEntry | null> { this.calls++; return this.failure(); }
  create(): Promise<number> { this.calls++; return this.failure(); }
  update(): Promise<number> { this.calls++; return this.failure(); }
}

describe('sliding window rate limit', () => {
  test('lets a caller through up to its limit per minute, then refuses with a retry-after', async () => {
    const limiter = new SlidingWindowLimiter(new MemoryCounterStore());
    const t0 = Date.UTC(2026, 0, 1, 0, 0, 0);
    for (let i = 0; i < 5; i++) expect((await limiter.hit('k', 5, t0 + i)).allowed).toBe(true);
    const refused = await limiter.hit('k', 5, t0 + 10);
    expect(refused).toMatchObject({ allowed: false, limit: 5 });
    expect(refused.allowed === false && refused.retryAfter).toBeGreaterThanOrEqual(1);
    // Another caller has its own counter.
    expect((await limiter.hit('other', 5, t0 + 10)).allowed).toBe(true);
  });

  test('the previous minute weighs in proportionally to how much of it still lies in the last 60 s', async () => {
    const limiter = new SlidingWindowLimiter(new MemoryCounterStore());
    const t0 = Date.UTC(2026, 0, 1, 0, 0, 0);
    for (let i = 0; i < 10; i++) await limiter.hit('k', 10, t0 + 59_000);
    // 15 s into the next minute, 75% of the previous 10 still count: 2 more fit, not 3.
    const at = t0 + 75_000;
    expect((await limiter.hit('k', 10, at)).allowed).toBe(true);
    expect((await limiter.hit('k', 10, at)).allowed).toBe(true);
    expect((await limiter.hit('k', 10, at)).allowed).toBe(false);
  });

  test('the retry-after is when one more request fits', () => {
    // Previous 60, current 0, limit 60, at the window start: 60 * (1 - t / 60 s) <= 59 once t >= 1 s.
    expect(retryAfterSeconds(60, 0, 0, 60)).toBe(1);
    // Current window full: wait for the next window and part of it.
    expect(retryAfterSeconds(0, 60, 30_000, 60)).toBe(31);
    expect(retryAfterSeconds(0, 5, 59_500, 5)).toBe(13);
  });

  test("one caller's burst is committed in a few writes, exactly, and never queues request after request", async () => {
    const store = new ObservedStore();
    const limiter = new SlidingWindowLimiter(store);
    const now = Date.UTC(2026, 0, 1, 0, 0, 30);
    const results = await Promise.all(Array.from({ length: 50 }, () => limiter.hit('burst', 30, now)));
    expect(results.filter((r) => r.allowed).length).toBe(30);
    expect(results.filter((r) => !r.allowed).every((r) => !r.allowed && r.retryAfter >= 1)).toBe(true);
    // One write for the first hit, one for everything that arrived meanwhile.
    expect(store.calls.create + store.calls.update).toBeLessThanOrEqual(2);
  });

  test("a slow counter never holds up another caller's request", async () => {
    const store = new ObservedStore();
    const limiter = new SlidingWindowLimiter(store);
    const release = store.hold('slow.');
    let slowDone = false;
    const slow = limiter.hit('slow', 10).then((r) => { slowDone = true; return r; });
    const fast = await limiter.hit('fast', 10);
    expect(fast.allowed).toBe(true);
    expect(slowDone).toBe(false);
    release();
    expect((await slow).allowed).toBe(true);
  });

  test('behind the circuit breaker, a store that keeps failing is no longer called: requests are let through at once', async () => {
    const failing = new FailingStore(() => Promise.reject(new NatsDownError('NATS disconnected')));
    const store = new ResilientCounterStore(failing, { halfOpenAfterMs: 60_000 });
    const limiter = new SlidingWindowLimiter(store);
    for (let i = 0; i < 3; i++) expect(await limiter.hit(`k${i}`, 10)).toMatchObject({ allowed: true, unavailable: true });
    expect(store.state).toBe('open');
    const callsWhenOpen = failing.calls;
    for (let i = 0; i < 20; i++) expect(await limiter.hit(`other${i}`, 10)).toMatchObject({ allowed: true, unavailable: true });
    expect(failing.calls).toBe(callsWhenOpen);
    expect(limiter.unavailable).toBe(23);
  });

  test('a store that never answers is cut by the timeout and the request let through', async () => {
    const hanging = new FailingStore(() => new Promise<never>(() => undefined));
    const limiter = new SlidingWindowLimiter(new ResilientCounterStore(hanging, { timeoutMs: 50, maxAttempts: 1 }));
    expect(await limiter.hit('k', 10)).toMatchObject({ allowed: true, unavailable: true });
    expect(hanging.calls).toBe(2); // the call and its one retry
  });

  describe('in NATS KV', () => {
    let bus: TestBus;
    beforeAll(async () => { bus = await createTestBus(); });
    afterAll(async () => { await bus?.close(); });

    test('two gateway replicas share one counter, and concurrent increments are never lost', async () => {
      const bucket = `${bus.ns.streamPrefix}ratelimit`;
      const kvA = await new Kvm(bus.nc).create(bucket, { history: 1, ttl: 180_000 });
      const kvB = await new Kvm(bus.nc).open(bucket);
      const failures: Error[] = [];
      const a = new SlidingWindowLimiter(new KvCounterStore(kvA), { onUnavailable: (e) => failures.push(e) });
      const b = new SlidingWindowLimiter(new KvCounterStore(kvB), { onUnavailable: (e) => failures.push(e) });
      const now = Date.UTC(2026, 0, 1, 0, 0, 30);
      const results = await Promise.all(Array.from({ length: 30 }, (_, i) => (i % 2 ? a : b).hit('k.shared', 20, now)));
      expect(failures).toEqual([]);
      expect(results.filter((r) => r.allowed).length).toBe(20);
      expect(results.every((r) => !('unavailable' in r))).toBe(true);
      const entry = await kvA.get(`k.shared.${Math.floor(now / 60_000)}`);
      expect(entry?.string()).toBe('20');
      // Either replica now refuses.
      expect((await a.hit('k.shared', 20, now)).allowed).toBe(false);
      expect((await b.hit('k.shared', 20, now)).allowed).toBe(false);
      await new Kvm(bus.nc).open(bucket).then((kv) => kv.destroy());
    });
  });
});
