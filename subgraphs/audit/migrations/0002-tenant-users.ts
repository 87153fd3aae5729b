/**
 * tenant_users: which user ids identity has announced as users of a tenant (created there, or
 * logged on there), plus explicit recorders authenticated in it. Audit resolves an event's actor
 * through identity's federated `User` only for these: identity answers null for a user outside the
 * caller's tenant (a platform admin acting in a tenant, say), and a null entity behind a selected
 * non-null field fails the whole field at the gateway. Holds ids only, never profile data.
 *
 * Backfilled from the events already stored (Account Change Create and successful Logons of users,
 * explicit records by users), read across tenants with the read-only `app.all_tenants` scope of
 * this migration's own transaction, before RLS is switched on for the new table.
 */
import { Migration, tenantRlsSql } from '@imagy/platform/db';

const UUID_TEXT = `'^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$'`;

export class TenantUsers0002 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table tenant_users (
      tenant_id uuid not null,
      user_id uuid not null,
      first_seen_at timestamptz not null default clock_timestamp(),
      primary key (tenant_id, user_id)
    )`);
    this.addSql(`select set_config('app.all_tenants', 'on', true)`);
    this.addSql(`insert into tenant_users (tenant_id, user_id)
      select distinct tenant_id, lower(resource_id)::uuid from audit_events
       where resource_type = 'user' and resource_id ~ ${UUID_TEXT}
         and ((class_uid = 3001 and activity_id = 1) or (class_uid = 3002 and activity_id = 1 and status_id = 1))
      union
      select distinct tenant_id, lower(actor_user_id)::uuid from audit_events
       where subject is null and source_event_id is null and actor_user_id ~ ${UUID_TEXT}
         and ocsf #>> '{actor,user,type_id}' = '1'
      on conflict do nothing`);
    this.addSql(`select set_config('app.all_tenants', 'off', true)`);
    for (const s of tenantRlsSql('tenant_users')) this.addSql(s);
  }

  override async down(): Promise<void> {
    this.addSql('drop table if exists tenant_users');
  }
}
