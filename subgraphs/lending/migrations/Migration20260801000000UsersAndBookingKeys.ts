import { Migration, tenantRlsSql } from '@imagy/platform/db';

/**
 * `users`: lending's directory of identity's users, fed by identity.user.created (consumer
 * `lending-users`), so bookCredit and the origination pipeline refuse a borrower that is not a user
 * of the tenant, without reading identity's tables. Tenant-owned (RLS FORCED): a tenant only ever
 * finds its own users.
 *
 * credits: `idempotency_key` / `request_hash` make bookCredit replayable (a retry returns the first
 * credit and books nothing twice); pipeline credits have none.
 */
export class Migration20260801000000UsersAndBookingKeys extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table users (
      id uuid primary key,
      tenant_id uuid not null,
      created_at timestamptz not null
    )`);
    for (const s of tenantRlsSql('users')) this.addSql(s);
    this.addSql('alter table credits add column idempotency_key text, add column request_hash text');
    this.addSql('create unique index credits_idempotency on credits (tenant_id, idempotency_key) where idempotency_key is not null');
  }
}
