import { Kvm } from '@nats-io/kv';
import { createTestBus, type TestBus } from '@imagy/platform/testing';
import { KvCounterStore, MemoryCounterStore, retryAfterSeconds, SlidingWindowLimiter } from './rate-limit';

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
