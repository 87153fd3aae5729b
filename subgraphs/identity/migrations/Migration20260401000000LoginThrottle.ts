import { Migration, tenantRlsSql } from '@imagy/platform/db';

/**
 * Login throttling in PostgreSQL, so every replica of identity shares one sliding window per key
 * (src/auth/throttle.rules.ts has the numbers, README "Login throttling" the rules).
 *
 * `login_account_throttle`: one row per (tenant, sha256 of the normalised e-mail), whether or not a
 * user has that e-mail, so a locked account and an unknown e-mail behave alike. `failures` holds
 * the times of the recent failed sign-ins (a sliding-window log, never longer than the limit);
 * `locked_until` is the account lock. Tenant-owned: RLS enabled and FORCED.
 *
 * `login_address_throttle`: one row per client address (sha256 of the IPv4 address or IPv6 /64),
 * `attempts` the recent failed sign-ins from it. Not tenant-owned, on purpose (docs/adr/0003): an
 * address guessing passwords across tenants is one attacker. It holds no tenant data, only hashes
 * and times, and is reachable only by the login path.
 *
 * `expires_at` says when a row holds nothing any more (its newest entry left the window and any
 * lock ended); writers delete a few expired rows as they go, so neither table grows without bound.
 *
 * The lock moves from `users.failed_logins` to the account table; `users.locked_until` stays as the
 * copy the API shows (`User.lockedUntil`) for accounts that exist. Locks running at deploy time are
 * not carried over (this role cannot write a tenant-owned row without the tenant set): they end at
 * once, which costs at most one lock period of protection for those accounts.
 */
export class Migration20260401000000LoginThrottle extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table login_account_throttle (
      tenant_id uuid not null references tenants (id) on delete cascade,
      email_hash text not null check (email_hash ~ '^[0-9a-f]{64}$'),
      failures timestamptz[] not null default '{}',
      locked_until timestamptz,
      expires_at timestamptz not null default clock_timestamp(),
      primary key (tenant_id, email_hash)
    )`);
    this.addSql('create index login_account_throttle_expiry on login_account_throttle (tenant_id, expires_at)');
    for (const s of tenantRlsSql('login_account_throttle')) this.addSql(s);

    this.addSql(`create table login_address_throttle (
      address_hash text primary key check (address_hash ~ '^[0-9a-f]{64}$'),
      attempts timestamptz[] not null default '{}',
      expires_at timestamptz not null default clock_timestamp()
    )`);
    this.addSql('create index login_address_throttle_expiry on login_address_throttle (expires_at)');

    this.addSql('alter table users drop column failed_logins');
  }
}
