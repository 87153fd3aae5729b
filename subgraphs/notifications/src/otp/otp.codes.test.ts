import { codeMatches, hashCode, newCode, newSalt } from './otp.codes';

describe('one-time codes', () => {
  test('codes are the requested number of digits and vary', () => {
    const codes = new Set(Array.from({ length: 50 }, () => newCode(6)));
    for (const c of codes) expect(c).toMatch(/^\d{6}$/);
    expect(codes.size).toBeGreaterThan(40);
  });

  test('a salted hash matches its code only, and the same code hashes differently with another salt', async () => {
    const salt = newSalt();
    const hash = await hashCode('123456', salt);
    expect(hash).not.toContain('123456');
    await expect(codeMatches('123456', salt, hash)).resolves.toBe(true);
    await expect(codeMatches('123457', salt, hash)).resolves.toBe(false);
    expect(await hashCode('123456', newSalt())).not.toBe(hash);
  });
});
