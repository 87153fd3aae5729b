import { checkScopes, hashSecret, isPlan, newKey, parseKey, PLAN_RPM, sameHash, tokenTtlSeconds } from './api-keys.rules';

describe('API key rules', () => {
  test('a new key has the documented format and parses back into its prefix and secret', () => {
    const { key, prefix, secret } = newKey();
    expect(key).toMatch(/^imk_[a-z0-9]{12}_[A-Za-z0-9_-]{43}$/);
    expect(parseKey(key)).toEqual({ prefix, secret });
    expect(parseKey(`${key}x`)).toBeNull();
    expect(parseKey('Bearer abc')).toBeNull();
  });

  test('hashes compare equal only for the same secret', () => {
    const a = newKey();
    const b = newKey();
    expect(sameHash(hashSecret(a.secret), hashSecret(a.secret))).toBe(true);
    expect(sameHash(hashSecret(a.secret), hashSecret(b.secret))).toBe(false);
    expect(sameHash(hashSecret(a.secret), 'not-hex')).toBe(false);
  });

  test('only documented scopes are accepted, sorted and de-duplicated', () => {
    expect(checkScopes(['lending:read', 'audit:read', 'audit:read'])).toEqual({ scopes: ['audit:read', 'lending:read'], unknown: [] });
    expect(checkScopes(['users:write', 'audit:read']).unknown).toEqual(['users:write']);
  });

  test('plans map to documented request rates', () => {
    expect(PLAN_RPM).toEqual({ FREE: 60, STANDARD: 600, ENTERPRISE: 6000 });
    expect(isPlan('STANDARD')).toBe(true);
    expect(isPlan('toString')).toBe(false);
  });

  test('an exchanged token never outlives the key expiry or the rotation overlap', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(tokenTtlSeconds(now, [null, null])).toBe(300);
    expect(tokenTtlSeconds(now, ['2026-01-01T00:01:00Z', null])).toBe(60);
    expect(tokenTtlSeconds(now, [null, '2025-12-31T23:59:00Z'])).toBeLessThan(1);
  });
});
