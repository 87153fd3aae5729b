/**
 * JWT verification against one or more trusted issuers (the local issuer, Keycloak realms...).
 * Only asymmetric algorithms are accepted, so `alg: none` and HS256-with-the-public-key confusion
 * are refused. Issuer, audience and expiry are always checked.
 *
 * Verified tokens are cached by their exact text until they expire (bounded), so a token seen
 * before costs a map lookup; an unseen token always gets its signature checked.
 */
import { createLocalJWKSet, createRemoteJWKSet, decodeProtectedHeader, errors, jwtVerify, type JWK, type JWTPayload } from 'jose';
import { AuthError } from './errors';
import { env } from '../config';

export interface TrustedIssuer {
  issuer: string;
  audience: string | string[];
  jwksUrl?: string;
  jwks?: { keys: JWK[] };
  /** Claim holding the tenant id (Keycloak mappers often use another name). */
  tenantClaim?: string;
  rolesClaim?: string;
  /** Keycloak realm per tenant: every token of this issuer belongs to this tenant. */
  tenantId?: string;
}

export interface VerifiedToken {
  sub: string;
  tenantId: string | null;
  roles: string[];
  scopes: string[];
  exp: number;
  /** `iat` (seconds), when the token has one: a password change refuses tokens issued before it. */
  issuedAt: number | null;
  /** `sid`: the session (login) the token belongs to, when the issuer sets one. */
  sessionId: string | null;
  issuer: string;
  payload: JWTPayload;
}

const ALGORITHMS = ['EdDSA', 'RS256', 'PS256', 'ES256'];

export function trustedIssuersFromEnv(): TrustedIssuer[] {
  const raw = env('JWT_ISSUERS', '');
  if (raw) return JSON.parse(raw) as TrustedIssuer[];
  return [{
    issuer: env('IMAGY_ISSUER', 'http://localhost:4000'),
    audience: env('IMAGY_AUDIENCE', 'imagy'),
    jwksUrl: env('IMAGY_JWKS_URL', 'http://127.0.0.1:4001/.well-known/jwks.json'),
  }];
}

export class TokenVerifier {
  private readonly keySets = new Map<string, ReturnType<typeof createRemoteJWKSet> | ReturnType<typeof createLocalJWKSet>>();
  private readonly cache = new Map<string, VerifiedToken>();
  private readonly maxCache: number;

  constructor(private readonly issuers: TrustedIssuer[], options: { maxCache?: number } = {}) {
    if (issuers.length === 0) throw new Error('At least one trusted issuer is required');
    this.maxCache = options.maxCache ?? 10_000;
    for (const i of issuers) {
      if (i.jwks) this.keySets.set(i.issuer, createLocalJWKSet(i.jwks));
      else if (i.jwksUrl) this.keySets.set(i.issuer, createRemoteJWKSet(new URL(i.jwksUrl), { cooldownDuration: 5_000, cacheMaxAge: 600_000 }));
      else throw new Error(`Issuer ${i.issuer} needs jwks or jwksUrl`);
    }
  }

  async verify(token: string): Promise<VerifiedToken> {
    const now = Math.floor(Date.now() / 1000);
    const cached = this.cache.get(token);
    if (cached) {
      if (cached.exp > now) return cached;
      this.cache.delete(token);
      throw new AuthError('EXPIRED', 'Token expired');
    }
    let header;
    let claims: JWTPayload;
    try {
      header = decodeProtectedHeader(token);
      const [, body] = token.split('.');
      claims = JSON.parse(Buffer.from(body ?? '', 'base64url').toString('utf8')) as JWTPayload;
    } catch {
      throw new AuthError('INVALID', 'Malformed token');
    }
    if (!header.alg || !ALGORITHMS.includes(header.alg)) throw new AuthError('UNSUPPORTED_ALG', `Algorithm ${String(header.alg)} is not accepted`);
    const issuer = this.issuers.find((i) => i.issuer === claims.iss);
    if (!issuer) throw new AuthError('WRONG_ISSUER', 'Token issuer is not trusted');
    const keySet = this.keySets.get(issuer.issuer)!;
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, keySet, { issuer: issuer.issuer, audience: issuer.audience, algorithms: ALGORITHMS }));
    } catch (e) {
      if (e instanceof errors.JWTExpired) throw new AuthError('EXPIRED', 'Token expired');
      if (e instanceof errors.JWTClaimValidationFailed && e.claim === 'aud') throw new AuthError('WRONG_AUDIENCE', 'Token audience is not accepted');
      if (e instanceof errors.JWTClaimValidationFailed && e.claim === 'iss') throw new AuthError('WRONG_ISSUER', 'Token issuer is not trusted');
      throw new AuthError('INVALID', 'Token signature or claims are invalid');
    }
    if (payload.typ !== undefined && payload.typ !== 'access') throw new AuthError('INVALID', 'Only access tokens are accepted');
    if (typeof payload.sub !== 'string' || typeof payload.exp !== 'number') throw new AuthError('INVALID', 'Token lacks sub or exp');
    const tenantClaim = issuer.tenantClaim ?? 'tid';
    const rawRoles = issuer.rolesClaim ? readPath(payload, issuer.rolesClaim) : payload.roles;
    const verified: VerifiedToken = {
      sub: payload.sub,
      tenantId: issuer.tenantId ?? (typeof payload[tenantClaim] === 'string' ? (payload[tenantClaim] as string) : null),
      roles: Array.isArray(rawRoles) ? rawRoles.filter((r): r is string => typeof r === 'string') : [],
      scopes: typeof payload.scope === 'string' ? payload.scope.split(' ').filter(Boolean) : [],
      exp: payload.exp,
      issuedAt: typeof payload.iat === 'number' ? payload.iat : null,
      sessionId: typeof payload.sid === 'string' && payload.sid ? payload.sid : null,
      issuer: issuer.issuer,
      payload,
    };
    if (this.cache.size >= this.maxCache) {
      // Map keeps insertion order: drop the oldest entry.
      const oldest = this.cache.keys().next().value;
      if (oldest !== undefined) this.cache.delete(oldest);
    }
    this.cache.set(token, verified);
    return verified;
  }
}

function readPath(obj: unknown, dotted: string): unknown {
  return dotted.split('.').reduce<unknown>((o, k) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined), obj);
}

export function bearerToken(header: string | undefined | null): string | null {
  if (!header) return null;
  const m = /^Bearer\s+(\S+)$/i.exec(header.trim());
  return m ? m[1]! : null;
}
