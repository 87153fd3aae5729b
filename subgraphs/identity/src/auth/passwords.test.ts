import { hashPassword, verifyAgainstDummy, verifyPassword } from './passwords';
import { scopesFor } from './scopes';

const FAST = { N: 1024, r: 8, p: 1, keyLength: 32 };

describe('password hashing', () => {
  test('a password verifies against its own hash and no other password does', async () => {
    const stored = await hashPassword('correct horse battery', FAST);
    await expect(verifyPassword('correct horse battery', stored)).resolves.toBe(true);
    await expect(verifyPassword('correct horse batterY', stored)).resolves.toBe(false);
  });

  test('the stored hash carries its parameters and a per-password random salt', async () => {
    const a = await hashPassword('same password!', FAST);
    const b = await hashPassword('same password!', FAST);
    expect(a).toMatch(/^scrypt\$1024\$8\$1\$[A-Za-z0-9_-]+\$[A-Za-z0-9_-]+$/);
    expect(a).not.toEqual(b);
  });

  test('hashes made with other parameters still verify', async () => {
    const stronger = await hashPassword('long enough pw', { N: 2048, r: 8, p: 2, keyLength: 48 });
    await expect(verifyPassword('long enough pw', stronger)).resolves.toBe(true);
  });

  test('a malformed or absurd stored hash never verifies', async () => {
    await expect(verifyPassword('x', 'plaintext')).resolves.toBe(false);
    await expect(verifyPassword('x', 'scrypt$3$8$1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA')).resolves.toBe(false);
    await expect(verifyPassword('x', `scrypt$${2 ** 24}$8$1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA`)).resolves.toBe(false);
  });

  test('the dummy comparison for unknown emails always fails', async () => {
    await expect(verifyAgainstDummy('anything at all')).resolves.toBe(false);
  });
});

describe('scopes', () => {
  test('scopes are the sorted union of the roles scopes, and unknown roles add none', () => {
    expect(scopesFor(['borrower'])).toBe('lending:self profile:read profile:write');
    expect(scopesFor(['staff', 'auditor', 'nonsense']).split(' ')).toEqual(['audit:read', 'lending:read', 'lending:write', 'tenant:read', 'users:read']);
    expect(scopesFor([])).toBe('');
  });
});
