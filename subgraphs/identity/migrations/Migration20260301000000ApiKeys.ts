import { Migration, tenantRlsSql } from '@imagy/platform/db';

/**
 * API keys of integrators (src/api-keys).
 *
 * `api_keys` is tenant-owned: RLS enabled and FORCED. Only the sha256 of the secret part is stored;
 * `prefix` (random, not secret) finds the row.
 *
 * `api_key_prefixes` is the lookup registry the key exchange needs before any tenant is known (a
 * presented key carries no tenant): prefix -> tenant id, nothing else. Like `tenants`, it has no
 * RLS on purpose and holds no tenant-private data (no name, no scope, no hash); it is only read by
 * the exchange, which then continues in a transaction scoped to that tenant.
 */
export class Migration20260301000000ApiKeys extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table api_keys (
      id uuid primary key,
      tenant_id uuid not null references tenants (id),
      name text not null check (length(name) between 1 and 100),
      prefix text not null unique check (prefix ~ '^[a-z0-9]{12}$'),
      secret_hash text not null check (secret_hash ~ '^[0-9a-f]{64}$'),
      scopes text[] not null default '{}',
      plan text not null check (plan in ('FREE', 'STANDARD', 'ENTERPRISE')),
      rpm int not null check (rpm > 0),
      created_by uuid,
      created_at timestamptz not null default date_trunc('milliseconds', clock_timestamp()),
      expires_at timestamptz,
      revoked_at timestamptz,
      rotated_from uuid references api_keys (id),
      successor_id uuid references api_keys (id),
      overlap_ends_at timestamptz,
      last_used_at timestamptz
    )`);
    this.addSql('create index api_keys_tenant_created on api_keys (tenant_id, created_at, id)');
    this.addSql('create index api_keys_tenant_live on api_keys (tenant_id) where revoked_at is null');
    for (const s of tenantRlsSql('api_keys')) this.addSql(s);

    this.addSql(`create table api_key_prefixes (
      prefix text primary key,
      tenant_id uuid not null references tenants (id) on delete cascade
    )`);
    this.addSql('create index api_key_prefixes_tenant on api_key_prefixes (tenant_id)');
  }
}

