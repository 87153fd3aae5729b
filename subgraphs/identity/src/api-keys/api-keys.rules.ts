/**
 * API key rules (pure, no I/O): the scopes a key may carry, the plans and their request rates, the
 * key format and its hashing.
 *
 * A key reads `imk_<prefix>_<secret>`: `prefix` is 12 random lower-case alphanumerics (not secret:
 * it finds the row and appears in listings), `secret` 43 base64url characters (32 random bytes).
 * Only `sha256(secret)` is stored, and it is compared in constant time.
 */
import crypto from 'node:crypto';

/**
 * Scopes an API key may be granted, per domain. They are the same strings human tokens carry
 * (auth/scopes.ts), so a field marked `@requiresScopes` treats both alike.
 */
export const API_KEY_SCOPES: readonly string[] = ['identity:read', 'audit:read', 'lending:read', 'lending:write'];

export type ApiKeyPlan = 'FREE' | 'STANDARD' | 'ENTERPRISE';

/** Requests per minute per key, per plan (the gateway enforces them; see gateway/README.md). */
export const PLAN_RPM: Record<ApiKeyPlan, number> = { FREE: 60, STANDARD: 600, ENTERPRISE: 6000 };

export const isPlan = (plan: unknown): plan is ApiKeyPlan => typeof plan === 'string' && Object.hasOwn(PLAN_RPM, plan);

/** Lifetime of the access token an exchange returns (seconds); shorter if the key ends sooner. */
export const EXCHANGE_TTL_SECONDS = 300;

/** A key's name: 1 to this many characters. */
export const MAX_NAME_LENGTH = 100;

/** Longest rotation overlap: 7 days. */
export const MAX_OVERLAP_MINUTES = 7 * 24 * 60;

export const KEY_FORMAT = /^imk_([a-z0-9]{12})_([A-Za-z0-9_-]{43})$/;

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

export function newPrefix(): string {
  let out = '';
  // 252 is the largest multiple of 36 below 256: rejection sampling keeps the letters uniform.
  while (out.length < 12) for (const b of crypto.randomBytes(16)) if (b < 252 && out.length < 12) out += ALPHABET[b % 36];
  return out;
}

export function newKey(): { prefix: string; secret: string; key: string } {
  const prefix = newPrefix();
  const secret = crypto.randomBytes(32).toString('base64url');
  return { prefix, secret, key: `imk_${prefix}_${secret}` };
}

export function parseKey(key: string): { prefix: string; secret: string } | null {
  const m = KEY_FORMAT.exec(key);
  return m ? { prefix: m[1]!, secret: m[2]! } : null;
}

export const hashSecret = (secret: string): string => crypto.createHash('sha256').update(secret).digest('hex');

/** Constant-time comparison of two sha256 hex digests (different lengths are simply unequal). */
export function sameHash(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  if (x.length !== 32 || y.length !== 32) {
    crypto.timingSafeEqual(Buffer.alloc(32), Buffer.alloc(32));
    return false;
  }
  return crypto.timingSafeEqual(x, y);
}

/** Unknown or duplicated scopes are reported; the result is sorted and de-duplicated. */
export function checkScopes(raw: readonly string[]): { scopes: string[]; unknown: string[] } {
  const scopes = [...new Set(raw.map((s) => s.trim()))].sort();
  return { scopes: scopes.filter((s) => API_KEY_SCOPES.includes(s)), unknown: scopes.filter((s) => !API_KEY_SCOPES.includes(s)) };
}

/**
 * How long an access token minted now for a key may live: the exchange TTL, cut at the key's
 * expiry and at the end of its rotation overlap. 0 or less means the key is no longer usable.
 */
export function tokenTtlSeconds(nowMs: number, ends: (string | Date | null)[], ttl = EXCHANGE_TTL_SECONDS): number {
  let seconds = ttl;
  for (const end of ends) {
    if (end == null) continue;
    seconds = Math.min(seconds, Math.floor((new Date(end).getTime() - nowMs) / 1000));
  }
  return seconds;
}
