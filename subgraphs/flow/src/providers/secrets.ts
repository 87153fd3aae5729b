/**
 * Per-tenant provider secrets (a tenant's own account at a provider: API key, base URL), sealed at
 * rest with AES-256-GCM (platform crypto) under a key derived from the installation's
 * FLOW_SECRET_KEY (else generated once into `.imagy/keys/flow-secret.key`), bound to tenant and
 * provider as associated data. Opened only in the engine's transaction that claims a provider step,
 * held in memory for that one call, never returned by the API, stored in KV or logged.
 */
import { installationSecret } from '@imagy/platform/config';
import { deriveKey, openJson, sealJson } from '@imagy/platform/crypto';

export interface ProviderSecret { apiKey?: string; baseUrl?: string }
export const SECRET_FIELDS = ['apiKey', 'baseUrl'] as const;
/** A tenant's secret that did not open (the installation key changed): the provider is failed over, never called with the installation's own key instead. */
export const UNREADABLE = 'UNREADABLE' as const;
export type SecretOf = ReadonlyMap<string, ProviderSecret | typeof UNREADABLE>;

export class SecretBox {
  constructor(private readonly key: Buffer) {}

  /** The installation's box (FLOW_SECRET_KEY or the generated key file). */
  static installation(): SecretBox {
    return new SecretBox(deriveKey(installationSecret('FLOW_SECRET_KEY', 'flow-secret.key'), 'imagy flow provider secrets'));
  }

  seal(tenantId: string, provider: string, secret: ProviderSecret): string {
    return sealJson(this.key, secret, `${tenantId}|${provider}`);
  }

  open(tenantId: string, provider: string, sealed: string): ProviderSecret | typeof UNREADABLE {
    try {
      return openJson<ProviderSecret>(this.key, sealed, `${tenantId}|${provider}`);
    } catch {
      return UNREADABLE;
    }
  }
}
