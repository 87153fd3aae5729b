/** Minting of access tokens by the local issuer (identity subgraph, `npm run token`, tests). */
import { SignJWT } from 'jose';
import crypto from 'node:crypto';
import type { SigningKey } from './keys';

export interface AccessClaims {
  sub: string;
  tid: string;
  roles: string[];
  scope?: string;
  /** Session id: the login (refresh-token family) this token belongs to; revocation refuses it by session. */
  sid?: string;
  /** Token type: access tokens only are accepted by the API. */
  typ?: 'access' | 'refresh';
}

export async function signToken(key: SigningKey, claims: AccessClaims, options: { issuer: string; audience: string; ttlSeconds: number; jti?: string }): Promise<string> {
  return new SignJWT({ ...claims, typ: claims.typ ?? 'access' })
    .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT' })
    .setIssuer(options.issuer)
    .setAudience(options.audience)
    .setSubject(claims.sub)
    .setIssuedAt()
    .setJti(options.jti ?? crypto.randomUUID())
    .setExpirationTime(Math.floor(Date.now() / 1000) + options.ttlSeconds)
    .sign(key.privateKey);
}
