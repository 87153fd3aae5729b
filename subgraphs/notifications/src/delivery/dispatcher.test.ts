import { backoffDelay, DEFAULT_DISPATCH_POLICY } from './dispatcher';

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
