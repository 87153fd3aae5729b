/**
 * Authentication options of the gateway CLI, for suites that run the gateway without the Imagy
 * identity subgraph (the federation benchmark harness):
 *
 *  - `--jwks <file or http(s) url>` with `--issuer` / `--audience`: the one trusted issuer (instead of
 *    `JWT_ISSUERS` / `IMAGY_*` from the environment). Tokens are verified exactly as always
 *    (signature, issuer, audience, expiry, asymmetric algorithms only).
 *  - `--no-tenant-check`: the tenant-status lookup (which asks identity) is skipped. It does not
 *    weaken token verification: a token still needs a valid signature, and a token without a tenant
 *    still needs the platform_admin role. Allowed in production, for supergraphs without identity.
 */
import fs from 'node:fs';
import { env } from '@imagy/platform/config';
import { trustedIssuersFromEnv, type TrustedIssuer } from '@imagy/platform/auth';
import type { TenantStatus, TenantStatusChecker } from './tenant-status';

export function trustedIssuersFromCli(values: { jwks?: string; issuer?: string; audience?: string }): TrustedIssuer[] {
  if (!values.jwks) {
    if (values.issuer || values.audience) throw new Error('--issuer and --audience need --jwks');
    return trustedIssuersFromEnv();
  }
  const issuer = values.issuer ?? env('IMAGY_ISSUER', 'http://localhost:4000');
  const audience = values.audience ?? env('IMAGY_AUDIENCE', 'imagy');
  if (/^https?:\/\//.test(values.jwks)) return [{ issuer, audience, jwksUrl: values.jwks }];
  let jwks: TrustedIssuer['jwks'];
  try {
    jwks = JSON.parse(fs.readFileSync(values.jwks, 'utf8')) as TrustedIssuer['jwks'];
  } catch (e) {
    throw new Error(`cannot read JWKS file ${values.jwks}: ${(e as Error).message}`);
  }
  if (!jwks || !Array.isArray(jwks.keys) || jwks.keys.length === 0) throw new Error(`JWKS file ${values.jwks} has no keys`);
  return [{ issuer, audience, jwks }];
}

/** `--no-tenant-check`: every tenant a verified token names counts as active. */
export class NoTenantStatusCheck implements TenantStatusChecker {
  async statusOf(): Promise<TenantStatus> {
    return 'ACTIVE';
  }
}
