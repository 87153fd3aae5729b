import { Migration } from '@imagy/platform/db';

/** Hostnames in the tenant directory, so public operations can resolve a tenant by host (the portal's). */
export class Migration20260401000000TenantHosts extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table tenants add column if not exists hostnames text[] not null default '{}'`);
    this.addSql(`create index if not exists tenants_hostnames on tenants using gin (hostnames)`);
  }
}
