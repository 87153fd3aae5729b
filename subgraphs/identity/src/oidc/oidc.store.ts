/**
 * SQL of OIDC sign-in: the tenant's provider configuration and the links from a provider subject
 * to a local user. Both tables are tenant-owned (forced RLS): every function takes the entity
 * manager of a tenant-scoped transaction. One row per tenant and one statement per read, so plain
 * SQL with typed rows (ADR 0002: no unit of work needed for a single upsert).
 */
import { iso, jsonParam, type Em } from '@imagy/platform/db';
import type { RoleMapping } from './oidc.rules';

export interface ProviderRow {
  tenantId: string;
  issuer: string;
  clientId: string;
  /** Sealed with platform crypto (bound to the tenant); null for a public client. */
  clientSecretSealed: string | null;
  rolesClaim: string;
  roleMapping: RoleMapping;
  autoCreateUsers: boolean;
  enabled: boolean;
  updatedAt: string;
}

interface RawProviderRow {
  tenant_id: string;
  issuer: string;
  client_id: string;
  client_secret_sealed: string | null;
  roles_claim: string;
  role_mapping: RoleMapping;
  auto_create_users: boolean;
  enabled: boolean;
  updated_at: string;
}

const COLUMNS = `tenant_id, issuer, client_id, client_secret_sealed, roles_claim, role_mapping, auto_create_users, enabled, ${iso('updated_at')} as updated_at`;

const toRow = (r: RawProviderRow): ProviderRow => ({
  tenantId: r.tenant_id, issuer: r.issuer, clientId: r.client_id, clientSecretSealed: r.client_secret_sealed, rolesClaim: r.roles_claim,
  roleMapping: r.role_mapping, autoCreateUsers: r.auto_create_users, enabled: r.enabled, updatedAt: r.updated_at,
});

export type ProviderWrite = Omit<ProviderRow, 'updatedAt'>;

export const oidcStore = {
  /** The provider of the transaction's tenant, or null. */
  async provider(em: Em): Promise<ProviderRow | null> {
    const [row] = await em.execute<RawProviderRow[]>(`select ${COLUMNS} from oidc_providers`);
    return row ? toRow(row) : null;
  },

  /** The provider row locked for update (two admins saving at once queue), or null. */
  async lockProvider(em: Em): Promise<ProviderRow | null> {
    const [row] = await em.execute<RawProviderRow[]>(`select ${COLUMNS} from oidc_providers for update`);
    return row ? toRow(row) : null;
  },

  async upsertProvider(em: Em, p: ProviderWrite): Promise<ProviderRow> {
    const [row] = await em.execute<RawProviderRow[]>(
      `insert into oidc_providers (tenant_id, issuer, client_id, client_secret_sealed, roles_claim, role_mapping, auto_create_users, enabled)
         values (?, ?, ?, ?, ?, ?::jsonb, ?, ?)
       on conflict (tenant_id) do update set issuer = excluded.issuer, client_id = excluded.client_id,
         client_secret_sealed = excluded.client_secret_sealed, roles_claim = excluded.roles_claim, role_mapping = excluded.role_mapping,
         auto_create_users = excluded.auto_create_users, enabled = excluded.enabled, updated_at = date_trunc('milliseconds', clock_timestamp())
       returning ${COLUMNS}`,
      [p.tenantId, p.issuer, p.clientId, p.clientSecretSealed, p.rolesClaim, jsonParam(p.roleMapping), p.autoCreateUsers, p.enabled],
    );
    return toRow(row!);
  },

  /** The local user linked to a provider subject, or null. */
  async linkedUser(em: Em, issuer: string, subject: string): Promise<string | null> {
    const [row] = await em.execute<{ user_id: string }[]>('select user_id from oidc_links where issuer = ? and subject = ?', [issuer, subject]);
    return row?.user_id ?? null;
  },

  /**
   * Links a subject to a user; false when the subject or the user (for this issuer) is already
   * linked otherwise (then nothing changes: a user keeps the one subject first linked).
   */
  async link(em: Em, tenantId: string, issuer: string, subject: string, userId: string): Promise<boolean> {
    const rows = await em.execute<{ user_id: string }[]>(
      'insert into oidc_links (tenant_id, issuer, subject, user_id) values (?, ?, ?, ?) on conflict do nothing returning user_id',
      [tenantId, issuer, subject, userId],
    );
    return rows.length === 1;
  },
};
