import { Migration } from '@imagy/platform/db';

/**
 * How each tenant's public portal looks (src/branding/). One row per tenant that ever saved its
 * branding; a missing row or a null column means the default (the tenant's name, the platform's
 * colours, no logo).
 *
 * A table of its own rather than columns on `tenants`: a logo may be a 64 KiB data: URI, and
 * `tenants` is read on every request (the gateway's `currentTenant`, entity references); the
 * branding is read only when a caller asks for it, through a DataLoader.
 *
 * No row level security, like `tenants` (see Migration20260101000000Init): every column is public
 * (anonymous callers of `tenantByHost` read it, before any tenant is known), and writes are checked
 * in BrandingService (tenant_admin of the row's own tenant only). The checks repeat the service's
 * rules so no other writer can store what the portal must not show.
 */
export class Migration20261208000000TenantBranding extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table tenant_branding (
      tenant_id uuid primary key references tenants (id) on delete cascade,
      display_name text check (length(display_name) between 1 and 200),
      logo_url text check (length(logo_url) <= 87500 and (logo_url like 'https://%' or logo_url like 'data:image/%')),
      primary_color text check (primary_color ~ '^#[0-9a-f]{6}$'),
      accent_color text check (accent_color ~ '^#[0-9a-f]{6}$'),
      legal_name text check (length(legal_name) between 1 and 200),
      legal_footer text check (length(legal_footer) between 1 and 2000),
      support_email text check (length(support_email) between 3 and 254),
      support_phone text check (support_phone ~ '^\\+[1-9][0-9]{7,14}$'),
      updated_by uuid,
      updated_at timestamptz not null default date_trunc('milliseconds', clock_timestamp())
    )`);
  }
}
