/**
 * Per-tenant provider secrets (API keys, base URLs of a tenant's own provider account), sealed with
 * AES-256-GCM (platform crypto; key derived from FLOW_SECRET_KEY, bound to tenant and provider as
 * associated data). Only the names of the fields set are kept in clear. Forced RLS like every table.
 */
import { Migration, tenantRlsSql } from '@imagy/platform/db';

export class ProviderSecrets extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table provider_secrets (
      tenant_id uuid not null,
      provider text not null,
      sealed text not null,
      fields text[] not null,
      updated_at timestamptz not null default clock_timestamp(),
      primary key (tenant_id, provider)
    )`);
    for (const s of tenantRlsSql('provider_secrets')) this.addSql(s);
  }

  override async down(): Promise<void> {
    this.addSql('drop table if exists provider_secrets');
  }
}
