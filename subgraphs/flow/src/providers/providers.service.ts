/** The tenant's router configuration: which providers serve each capability, in order. */
import type { AuthContext } from '@imagy/platform/auth';
import { inTenantTx, type Orm } from '@imagy/platform/db';
import { payload } from '@imagy/platform/graphql';
import type { Outbox } from '@imagy/platform/events';
import { actorOf, requireRole, type Caller } from '@imagy/platform/server';
import type { SetProviderConfigInput, SetProviderSecretInput } from '../__generated__/graphql';
import { FLOW_READERS, PROVIDER_ADMINS } from '../common/roles';
import { reject } from '../i18n/messages';
import type { ProviderGateway } from './gateway';
import { urlProblem, type NetworkPolicy } from './network';
import { providersStore, type ProviderConfig, type SealedSecret } from './providers.store';
import { SECRET_FIELDS, type ProviderSecret, type SecretBox } from './secrets';

export interface SecretInfo { provider: string; fields: string[]; updatedAt: string }
const infoOf = (s: SealedSecret): SecretInfo => ({ provider: s.provider, fields: s.fields, updatedAt: s.updatedAt });
import type { Capability, ProviderChoice } from './types';

export const MAX_PROVIDERS = 5;
const DATASET = /^[A-Za-z0-9_-]{1,64}$/;
/** What the router uses for a capability nobody configured: the mock provider (the local default). */
export const DEFAULT_CHOICES: readonly ProviderChoice[] = [{ provider: 'mock' }];

const API_KEY = /^[\x21-\x7e]{1,500}$/;

export class ProvidersService {
  constructor(private readonly orm: Orm, private readonly outbox: Outbox, private readonly gateway: ProviderGateway, private readonly network: NetworkPolicy, private readonly box: SecretBox) {}

  /** Which providers have a tenant secret, and which of its fields are set (never a value). */
  async secrets(auth: AuthContext): Promise<SecretInfo[]> {
    const user = requireRole(auth, ...PROVIDER_ADMINS);
    return (await inTenantTx(this.orm, { tenantId: user.tenantId }, (em) => providersStore.secrets(em))).map(infoOf);
  }

  /** Sets the tenant's secret of a provider: exactly the fields given (a field left out is removed). Audited by flow.provider_secret.changed. */
  setSecret(caller: Caller, input: SetProviderSecretInput) {
    const auth = requireRole(caller.auth, ...PROVIDER_ADMINS);
    const meta = { actor: actorOf(caller), requestId: caller.requestId };
    return payload(async () => {
      if (!this.gateway.takesSecret(input.provider)) reject('PROVIDER_TAKES_NO_SECRET', { field: 'provider', params: { provider: input.provider.slice(0, 40) } });
      const secret: ProviderSecret = {};
      if (input.apiKey !== null && input.apiKey !== undefined) {
        if (!API_KEY.test(input.apiKey)) reject('SECRET_INVALID', { field: 'apiKey' });
        secret.apiKey = input.apiKey;
      }
      if (input.baseUrl !== null && input.baseUrl !== undefined) {
        const problem = await urlProblem(input.baseUrl, this.network);
        if (problem) reject('PROVIDER_URL_INVALID', { field: 'baseUrl', params: { reason: problem } });
        secret.baseUrl = input.baseUrl;
      }
      const fields = SECRET_FIELDS.filter((f) => secret[f] !== undefined);
      if (!fields.length) reject('SECRET_EMPTY', { field: 'apiKey' });
      const saved = await inTenantTx(this.orm, { tenantId: auth.tenantId }, async (em) => {
        const row = await providersStore.upsertSecret(em, auth.tenantId, { provider: input.provider, sealed: this.box.seal(auth.tenantId, input.provider, secret), fields: [...fields] });
        await this.outbox.publish(em, 'flow.provider_secret.changed', { provider: input.provider, fields: [...fields], change: 'SET' }, { tenantId: auth.tenantId, ...meta });
        return row;
      });
      return { secret: infoOf(saved) };
    }, { secret: null });
  }

  removeSecret(caller: Caller, provider: string) {
    const auth = requireRole(caller.auth, ...PROVIDER_ADMINS);
    const meta = { actor: actorOf(caller), requestId: caller.requestId };
    return payload(() => inTenantTx(this.orm, { tenantId: auth.tenantId }, async (em) => {
      if (!(await providersStore.deleteSecret(em, provider))) reject('SECRET_NOT_FOUND', { field: 'provider' });
      await this.outbox.publish(em, 'flow.provider_secret.changed', { provider, fields: [], change: 'REMOVED' }, { tenantId: auth.tenantId, ...meta });
      return { removed: true };
    }), { removed: false });
  }

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
