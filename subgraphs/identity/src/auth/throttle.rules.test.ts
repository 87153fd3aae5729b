import { accountKey, addressKey, addressUnit, DEFAULT_LIMITS } from './throttle.rules';

describe('login throttle rules', () => {
  test('the documented numbers: 5 failures in 15 minutes lock an account for 15 minutes; 30 failures in 15 minutes stop an address', () => {
    expect(DEFAULT_LIMITS).toEqual({ accountMaxFailures: 5, accountWindowSeconds: 900, lockSeconds: 900, addressMaxFailures: 30, addressWindowSeconds: 900 });
  });

  test('an IPv4 address is its own unit, also when written IPv4-mapped', () => {
    expect(addressUnit('203.0.113.9')).toBe('203.0.113.9');
    expect(addressUnit('::ffff:203.0.113.9')).toBe('203.0.113.9');
    expect(addressKey('::FFFF:203.0.113.9')).toBe(addressKey('203.0.113.9'));
  });

  test('an IPv6 address counts as its /64, however it is written', () => {
    expect(addressUnit('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
    expect(addressUnit('2001:0db8:0001:0002:ffff:ffff:ffff:ffff')).toBe('2001:db8:1:2::/64');
    expect(addressUnit('[2001:db8::7%eth0]')).toBe('2001:db8:0:0::/64');
    expect(addressUnit('::1')).toBe('0:0:0:0::/64');
    expect(addressKey('2001:db8:1:2::5')).toBe(addressKey('2001:db8:1:2:9::9'));
    expect(addressKey('2001:db8:1:3::5')).not.toBe(addressKey('2001:db8:1:2::5'));
  });

  test('no address, or something that is not one, falls in one shared "unknown" unit', () => {
    expect(addressUnit(null)).toBe('unknown');
    expect(addressUnit('not an address')).toBe('unknown');
  });

  test('account keys are hashes of the normalised e-mail, never the e-mail', () => {
    expect(accountKey('ana@example.com')).toMatch(/^[0-9a-f]{64}$/);
    expect(accountKey('ana@example.com')).not.toBe(accountKey('ana@example.org'));
  });
});
