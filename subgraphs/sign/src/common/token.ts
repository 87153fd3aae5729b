/**
 * Signing tokens: `sgn_` + base64url(tenant id 16 B + signer id 16 B + generation 4 B + HMAC 24 B).
 * The HMAC (installation key SIGN_TOKEN_SECRET) binds the three, so a token is checked without
 * storing it, the tenant part opens the right tenant's transaction (RLS) before any read, and a
 * new generation (re-invitation, cancellation) makes the earlier links worthless. A token never
 * travels on the bus: only the e-mail or SMS the signer receives carries it.
 */
import crypto from 'node:crypto';

const PREFIX = 'sgn_';
const SHAPE = /^sgn_[A-Za-z0-9_-]{80}$/;

const uuidBytes = (id: string) => Buffer.from(id.replace(/-/g, ''), 'hex');
const uuidOf = (b: Buffer) => {
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
};

export interface TokenClaims { tenantId: string; signerId: string; generation: number }

export class SigningTokens {
  constructor(private readonly key: Buffer) {}

  private mac(head: Buffer): Buffer {
    return crypto.createHmac('sha256', this.key).update('sign-token').update(head).digest().subarray(0, 24);
  }

  issue(claims: TokenClaims): string {
    const generation = Buffer.alloc(4);
    generation.writeUInt32BE(claims.generation);
    const head = Buffer.concat([uuidBytes(claims.tenantId), uuidBytes(claims.signerId), generation]);
    return `${PREFIX}${Buffer.concat([head, this.mac(head)]).toString('base64url')}`;
  }

  /** The claims of a genuine token, or null for anything else (wrong shape, forged or altered). */
  read(token: string): TokenClaims | null {
    if (typeof token !== 'string' || !SHAPE.test(token)) return null;
    const raw = Buffer.from(token.slice(PREFIX.length), 'base64url');
    if (raw.length !== 60) return null;
    const head = raw.subarray(0, 36);
    if (!crypto.timingSafeEqual(raw.subarray(36), this.mac(head))) return null;
    return { tenantId: uuidOf(head.subarray(0, 16)), signerId: uuidOf(head.subarray(16, 32)), generation: head.readUInt32BE(32) };
  }
}
