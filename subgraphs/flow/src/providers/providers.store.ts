/** SQL of provider configuration and the record of provider calls (tenant transaction, RLS). */
import { iso, type Em } from '@imagy/platform/db';
import type { CallRecord } from './gateway';
import type { Capability, ProviderChoice } from './types';

export interface ProviderConfig { capability: Capability; providers: ProviderChoice[] }
export interface ProviderCall extends CallRecord { id: string; requestId: string | null; stepKey: string | null; createdAt: string }

interface ConfigRow { capability: Capability; providers: ProviderChoice[] }
interface CallRow { id: string; request_id: string | null; step_key: string | null; capability: Capability; provider: string; outcome: CallRecord['outcome']; attempts: number; latency_ms: number; cost_reference: string | null; error_code: string | null; created_at: string }

export interface SealedSecret { provider: string; sealed: string; fields: string[]; updatedAt: string }
interface SecretRow { provider: string; sealed: string; fields: string[]; updated_at: string }
const toSecret = (r: SecretRow): SealedSecret => ({ provider: r.provider, sealed: r.sealed, fields: r.fields, updatedAt: r.updated_at });

export const providersStore = {
  async secrets(em: Em): Promise<SealedSecret[]> {
    return (await em.execute<SecretRow[]>(`select provider, sealed, fields, ${iso('updated_at')} as updated_at from provider_secrets order by provider`)).map(toSecret);
  },
  async upsertSecret(em: Em, tenantId: string, s: { provider: string; sealed: string; fields: string[] }): Promise<SealedSecret> {
    const rows = await em.execute<SecretRow[]>(`insert into provider_secrets (tenant_id, provider, sealed, fields) values (?, ?, ?, ?::text[])
      on conflict (tenant_id, provider) do update set sealed = excluded.sealed, fields = excluded.fields, updated_at = clock_timestamp()
      returning provider, sealed, fields, ${iso('updated_at')} as updated_at`, [tenantId, s.provider, s.sealed, `{${s.fields.join(',')}}`]);
    return toSecret(rows[0]!);
  },
  async deleteSecret(em: Em, provider: string): Promise<boolean> {
    return (await em.execute<{ provider: string }[]>('delete from provider_secrets where provider = ? returning provider', [provider])).length > 0;
  },
  async configs(em: Em): Promise<ProviderConfig[]> {
    return (await em.execute<ConfigRow[]>('select capability, providers from provider_configs order by capability')).map((r) => ({ capability: r.capability, providers: r.providers }));
  },
  async config(em: Em, capability: Capability): Promise<ProviderConfig | null> {
    const rows = await em.execute<ConfigRow[]>('select capability, providers from provider_configs where capability = ?', [capability]);
    return rows[0] ? { capability: rows[0].capability, providers: rows[0].providers } : null;
  },
  async upsert(em: Em, tenantId: string, c: ProviderConfig): Promise<ProviderConfig> {
    await em.execute(`insert into provider_configs (tenant_id, capability, providers) values (?, ?, ?::jsonb)
      on conflict (tenant_id, capability) do update set providers = excluded.providers, updated_at = clock_timestamp()`, [tenantId, c.capability, JSON.stringify(c.providers)]);
    return c;
  },
  async insertCall(em: Em, tenantId: string, c: ProviderCall): Promise<void> {
    await em.execute(`insert into provider_calls (id, tenant_id, request_id, step_key, capability, provider, outcome, attempts, latency_ms, cost_reference, error_code)
      values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, [c.id, tenantId, c.requestId, c.stepKey, c.capability, c.provider, c.outcome, c.attempts, c.latencyMs, c.costReference, c.errorCode]);
  },
  async callsOf(em: Em, requestIds: readonly string[]): Promise<ProviderCall[]> {
    if (!requestIds.length) return [];
    const rows = await em.execute<CallRow[]>(`select id, request_id, step_key, capability, provider, outcome, attempts, latency_ms, cost_reference, error_code, ${iso('created_at')} as created_at
      from provider_calls where request_id = any(array(select jsonb_array_elements_text(?::jsonb))::uuid[]) order by created_at, id`, [JSON.stringify(requestIds)]);
    return rows.map((r) => ({ id: r.id, requestId: r.request_id, stepKey: r.step_key, capability: r.capability, provider: r.provider, outcome: r.outcome, attempts: r.attempts, latencyMs: r.latency_ms, costReference: r.cost_reference, errorCode: r.error_code, createdAt: r.created_at }));
  },
};
