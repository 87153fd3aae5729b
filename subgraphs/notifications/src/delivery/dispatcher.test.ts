import { backoffDelay, DEFAULT_DISPATCH_POLICY, parseSchedule, retryDelay } from './dispatcher';

describe('retry backoff', () => {
  const policy = { ...DEFAULT_DISPATCH_POLICY, initialDelayMs: 100, maxDelayMs: 1000 };
  test('grows exponentially with full jitter and stays under the cap', () => {
    expect(backoffDelay(policy, 1, null, () => 0.999)).toBe(99);
    expect(backoffDelay(policy, 3, null, () => 0.999)).toBe(399);
    expect(backoffDelay(policy, 10, null, () => 0.999)).toBe(999);
    expect(backoffDelay(policy, 2, null, () => 0)).toBe(0);
  });
  test('a Retry-After is honoured up to the cap', () => {
    expect(backoffDelay(policy, 1, 500, () => 0)).toBe(500);
    expect(backoffDelay(policy, 1, 60_000, () => 0)).toBe(1000);
  });
});

describe('retry schedule over time', () => {
  const policy = { retryScheduleMs: [30_000, 120_000, 600_000], retryJitter: 0.2 };
  test('each round waits its scheduled delay within the jitter; after the schedule there is no next round', () => {
    expect(retryDelay(policy, 1, () => 0.5)).toBe(30_000);
    expect(retryDelay(policy, 1, () => 0)).toBe(24_000);
    expect(retryDelay(policy, 2, () => 1)).toBe(144_000);
    expect(retryDelay(policy, 3, () => 0.5)).toBe(600_000);
    expect(retryDelay(policy, 4, () => 0.5)).toBeNull();
    expect(retryDelay({ ...policy, retryJitter: 0 }, 2, () => 0.9)).toBe(120_000);
  });
  test('the schedule is read from durations; anything else is refused', () => {
    expect(parseSchedule('30s, 2m,10m,1h,250ms,40')).toEqual([30_000, 120_000, 600_000, 3_600_000, 250, 40]);
    expect(() => parseSchedule('30s,soon')).toThrow(/"soon"/);
    expect(() => parseSchedule('-5s')).toThrow();
  });
});
