/** The tenant's router configuration: which providers serve each capability, in order. */
import type { AuthContext } from '@imagy/platform/auth';
import { inTenantTx, type Orm } from '@imagy/platform/db';
import { payload } from '@imagy/platform/graphql';
import { requireRole, type Caller } from '@imagy/platform/server';
import type { SetProviderConfigInput } from '../__generated__/graphql';
import { FLOW_READERS, PROVIDER_ADMINS } from '../common/roles';
import { reject } from '../i18n/messages';
import type { ProviderGateway } from './gateway';
import { urlProblem, type NetworkPolicy } from './network';
import { providersStore, type ProviderConfig } from './providers.store';
import type { Capability, ProviderChoice } from './types';

export const MAX_PROVIDERS = 5;
const DATASET = /^[A-Za-z0-9_-]{1,64}$/;
/** What the router uses for a capability nobody configured: the mock provider (the local default). */
export const DEFAULT_CHOICES: readonly ProviderChoice[] = [{ provider: 'mock' }];

export class ProvidersService {
  constructor(private readonly orm: Orm, private readonly gateway: ProviderGateway, private readonly network: NetworkPolicy) {}

  async list(auth: AuthContext): Promise<ProviderConfig[]> {
    const user = requireRole(auth, ...FLOW_READERS);
    return inTenantTx(this.orm, { tenantId: user.tenantId }, (em) => providersStore.configs(em));
  }

  set(caller: Caller, input: SetProviderConfigInput) {
    const auth = requireRole(caller.auth, ...PROVIDER_ADMINS);
    return payload(async () => {
      const capability = input.capability as Capability;
      const names = input.providers.map((p) => p.provider);
      if (!names.length || names.length > MAX_PROVIDERS || new Set(input.providers.map((p) => `${p.provider}|${p.baseUrl ?? ''}`)).size !== names.length) reject('PROVIDER_LIST_INVALID', { field: 'providers', params: { max: MAX_PROVIDERS } });
      const providers: ProviderChoice[] = [];
      for (const [i, p] of input.providers.entries()) {
        if (!this.gateway.serves(p.provider, capability)) reject('PROVIDER_UNKNOWN', { field: `providers[${i}].provider`, params: { provider: p.provider.slice(0, 40), capability } });
        if (p.dataset !== null && p.dataset !== undefined && !DATASET.test(p.dataset)) reject('DATASET_INVALID', { field: `providers[${i}].dataset` });
        if (p.baseUrl !== null && p.baseUrl !== undefined) {
          const problem = await urlProblem(p.baseUrl, this.network);
          if (problem) reject('PROVIDER_URL_INVALID', { field: `providers[${i}].baseUrl`, params: { reason: problem } });
        }
        providers.push({ provider: p.provider, ...(p.baseUrl ? { baseUrl: p.baseUrl } : {}), ...(p.dataset ? { dataset: p.dataset } : {}) });
      }
      const config = await inTenantTx(this.orm, { tenantId: auth.tenantId }, (em) => providersStore.upsert(em, auth.tenantId, { capability, providers }));
      return { config };
    }, { config: null });
  }
}
