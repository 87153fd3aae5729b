import { Migration, tenantRlsSql } from '@imagy/platform/db';

/**
 * Sign-in through a tenant's own OpenID Connect provider (Keycloak realm), src/oidc/.
 *
 * `oidc_providers`: at most one per tenant (the primary key is the tenant). The client secret is
 * sealed with AES-256-GCM (platform crypto) bound to the tenant, never stored in clear.
 * `oidc_links`: which provider subject (`iss`, `sub`) is which local user; one link per subject and
 * per (user, issuer). Both tables are tenant-owned: RLS enabled and FORCED.
 */
export class Migration20261207120000OidcProviders extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table oidc_providers (
      tenant_id uuid primary key references tenants (id),
      issuer text not null check (length(issuer) between 1 and 300),
      client_id text not null check (length(client_id) between 1 and 200),
      client_secret_sealed text,
      roles_claim text not null check (length(roles_claim) between 1 and 200),
      role_mapping jsonb not null default '{}'::jsonb,
      auto_create_users boolean not null default false,
      enabled boolean not null default true,
      created_at timestamptz not null default date_trunc('milliseconds', clock_timestamp()),
      updated_at timestamptz not null default date_trunc('milliseconds', clock_timestamp())
    )`);
    for (const s of tenantRlsSql('oidc_providers')) this.addSql(s);

    this.addSql(`create table oidc_links (
      tenant_id uuid not null references tenants (id),
      issuer text not null,
      subject text not null,
      user_id uuid not null references users (id),
      created_at timestamptz not null default date_trunc('milliseconds', clock_timestamp()),
      primary key (tenant_id, issuer, subject)
    )`);
    this.addSql('create unique index oidc_links_user_issuer on oidc_links (user_id, issuer)');
    for (const s of tenantRlsSql('oidc_links')) this.addSql(s);
  }
}
