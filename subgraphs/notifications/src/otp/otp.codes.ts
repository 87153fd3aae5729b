/** One-time codes (pure): crypto-random digits, salted scrypt hashes, constant-time comparison. */
import crypto from 'node:crypto';

export function newCode(digits: number): string {
  return crypto.randomInt(0, 10 ** digits).toString().padStart(digits, '0');
}

export function newSalt(): string {
  return crypto.randomBytes(16).toString('base64url');
}

const SCRYPT = { N: 16384, r: 8, p: 1 } as const;

export function hashCode(code: string, salt: string): Promise<string> {
  return new Promise((resolve, reject) => crypto.scrypt(code, salt, 32, SCRYPT, (err, key) => (err ? reject(err) : resolve(key.toString('base64url')))));
}

/** Hashes the candidate and compares in constant time (the stored hash is never compared with ===). */
export async function codeMatches(candidate: string, salt: string, storedHash: string): Promise<boolean> {
  const a = Buffer.from(await hashCode(candidate, salt), 'base64url');
  const b = Buffer.from(storedHash, 'base64url');
  return a.length === b.length && crypto.timingSafeEqual(a, b);
}
