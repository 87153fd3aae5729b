/**
 * Wiring of OIDC sign-in: settings from the environment and the service with its provider client.
 *
 *   IDENTITY_SECRET_KEY               base64, 32 bytes: seals OIDC client secrets at rest (generated
 *                                     into the git-ignored state folder when unset, like the other keys)
 *   IDENTITY_ALLOW_PRIVATE_OIDC_URLS  1 lets issuers resolve to private/loopback addresses and use
 *                                     plain http (a local Keycloak, tests); default 0
 *   IDENTITY_OIDC_TIMEOUT_MS          per call to a provider (default 5000)
 *   IDENTITY_OIDC_KEY_REFETCH_MS      an unknown key id fetches the provider's keys again at most
 *                                     this often (default 5000; tests set 0)
 */
import { envInt, installationSecret } from '@imagy/platform/config';
import type { Orm } from '@imagy/platform/db';
import type { Outbox } from '@imagy/platform/events';
import type { AuthService } from '../auth/auth.service';
import type { TenantsService } from '../tenants/tenants.service';
import { OidcClient } from './oidc.client';
import { OidcService } from './oidc.service';

export interface OidcSettings {
  secretKey: Buffer;
  allowPrivate: boolean;
  timeoutMs: number;
  /** A key set is fetched again for an unknown key id at most this often (default 5 s). */
  minKeyRefetchMs?: number;
}

export function oidcSettingsFromEnv(): OidcSettings {
  return {
    secretKey: installationSecret('IDENTITY_SECRET_KEY', 'identity-secret.key'),
    allowPrivate: ['1', 'true', 'yes'].includes((process.env.IDENTITY_ALLOW_PRIVATE_OIDC_URLS ?? '').toLowerCase()),
    timeoutMs: envInt('IDENTITY_OIDC_TIMEOUT_MS', 5_000),
    minKeyRefetchMs: envInt('IDENTITY_OIDC_KEY_REFETCH_MS', 5_000),
  };
}

export function oidcService(orm: Orm, outbox: Outbox, tenants: TenantsService, auth: AuthService, settings: OidcSettings, log: { warn(obj: object, msg: string): void }): OidcService {
  const client = new OidcClient({ allowPrivate: settings.allowPrivate, timeoutMs: settings.timeoutMs, minKeyRefetchMs: settings.minKeyRefetchMs, log });
  return new OidcService(orm, outbox, tenants, auth, { client, secretKey: settings.secretKey, allowPrivate: settings.allowPrivate, log });
}
