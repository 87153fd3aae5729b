import { Migration, tenantRlsSql } from '@imagy/platform/db';
import { eventTablesSql } from '@imagy/platform/events';

/**
 * Initial identity schema.
 *
 * `tenants` and `tenant_hostnames` are the platform's tenant registry and have NO row level
 * security on purpose: a tenant is resolved before any tenant is known (login by slug, the portal's
 * `tenantByHost`, the gateway's `currentTenant`), and the registry holds no tenant-private data
 * (no users, no money, no personal data). Access is enforced in the service instead: writes only
 * by platform_admin, reads of private fields only by the tenant's own users or platform roles.
 *
 * `users` and `refresh_tokens` are tenant-owned: RLS enabled and FORCED (see tenantRlsSql).
 */
export class Migration20260101000000Init extends Migration {
  override async up(): Promise<void> {
    for (const s of eventTablesSql()) this.addSql(s);

    this.addSql(`create table tenants (
      id uuid primary key,
      slug text not null unique check (slug ~ '^[a-z0-9][a-z0-9-]{0,38}[a-z0-9]$'),
      name text not null check (length(name) between 1 and 200),
      status text not null default 'ACTIVE' check (status in ('ACTIVE', 'SUSPENDED')),
      default_locale text not null default 'es' check (default_locale in ('es', 'en')),
      currency char(3) not null check (currency ~ '^[A-Z]{3}$'),
      timezone text not null,
      created_at timestamptz not null default date_trunc('milliseconds', clock_timestamp()),
      updated_at timestamptz not null default date_trunc('milliseconds', clock_timestamp())
    )`);
    this.addSql('create index tenants_created on tenants (created_at, id)');

    // One row per hostname: the primary key makes a hostname belong to at most one tenant.
    this.addSql(`create table tenant_hostnames (
      hostname text primary key check (hostname = lower(hostname)),
      tenant_id uuid not null references tenants (id) on delete cascade
    )`);
    this.addSql('create index tenant_hostnames_tenant on tenant_hostnames (tenant_id)');

    this.addSql(`create table users (
      id uuid primary key,
      tenant_id uuid not null references tenants (id),
      email text not null check (email = lower(email)),
      phone text check (phone ~ '^\\+[1-9][0-9]{7,14}$'),
      display_name text not null,
      roles text[] not null default '{}',
      status text not null default 'ACTIVE' check (status in ('ACTIVE', 'DISABLED')),
      password_hash text not null,
      failed_logins int not null default 0,
      locked_until timestamptz,
      last_login_at timestamptz,
      created_at timestamptz not null default date_trunc('milliseconds', clock_timestamp()),
      updated_at timestamptz not null default date_trunc('milliseconds', clock_timestamp()),
      constraint users_email_per_tenant unique (tenant_id, email)
    )`);
    this.addSql('create index users_tenant_created on users (tenant_id, created_at, id)');
    this.addSql('create index users_tenant_status on users (tenant_id, status)');
    this.addSql('create index users_roles on users using gin (roles)');
    this.addSql('create index users_tenant_display_name on users (tenant_id, lower(display_name))');
    for (const s of tenantRlsSql('users')) this.addSql(s);

    // Refresh tokens: only the sha256 of the token is stored. `family_id` groups the rotations of
    // one sign-in, so reuse of a rotated token can end the whole session.
    this.addSql(`create table refresh_tokens (
      id uuid primary key,
      tenant_id uuid not null,
      user_id uuid not null references users (id) on delete cascade,
      family_id uuid not null,
      token_hash text not null unique,
      created_at timestamptz not null default clock_timestamp(),
      expires_at timestamptz not null,
      revoked_at timestamptz,
      revoke_reason text,
      replaced_by uuid
    )`);
    this.addSql('create index refresh_tokens_family on refresh_tokens (family_id)');
    this.addSql('create index refresh_tokens_user on refresh_tokens (user_id) where revoked_at is null');
    for (const s of tenantRlsSql('refresh_tokens')) this.addSql(s);
  }
}

