/**
 * Access tokens of the public side: `flw_` + the tenant id (16 bytes) + 32 random bytes, base64url.
 * Only the SHA-256 of the whole token is stored; the tenant part lets an anonymous request open the
 * right tenant's transaction (RLS) before looking the hash up, so no table is read across tenants.
 * A token whose tenant part was changed simply finds nothing.
 */
import crypto from 'node:crypto';

const PREFIX = 'flw_';
const SHAPE = /^flw_[A-Za-z0-9_-]{64}$/;

export function newAccessToken(tenantId: string): { token: string; hash: Buffer } {
  const tenant = Buffer.from(tenantId.replace(/-/g, ''), 'hex');
  const token = `${PREFIX}${Buffer.concat([tenant, crypto.randomBytes(32)]).toString('base64url')}`;
  return { token, hash: hashToken(token) };
}

export const hashToken = (token: string): Buffer => crypto.createHash('sha256').update(token).digest();

/** The tenant a well-formed token names, or null for anything else. */
export function tenantOfToken(token: string): string | null {
  if (!SHAPE.test(token)) return null;
  const raw = Buffer.from(token.slice(PREFIX.length), 'base64url');
  if (raw.length !== 48) return null;
  const hex = raw.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
