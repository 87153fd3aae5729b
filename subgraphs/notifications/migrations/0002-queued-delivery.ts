/**
 * Queue-then-deliver: a send commits its request as QUEUED with the rendered message sealed
 * (AES-256-GCM) in `payload_enc`, and delivery happens outside any transaction. `next_attempt_at`
 * is when the row is due (the next retry) or, while a delivery round runs, the end of its lease;
 * `lease_token` names the round that may record the outcome; `delivery_rounds` counts rounds.
 * `delivery_tenants` lists the tenants that ever queued a message, so the sweeper knows whose RLS
 * scope to enter: it holds tenant ids only (no tenant data), hence no RLS, like lending's tenant
 * directory. The local mailbox keeps one message per request, which makes a redelivery of the
 * `local` provider after a crash a no-op.
 */
import { Migration } from '@imagy/platform/db';

export class QueuedDelivery extends Migration {
  override async up(): Promise<void> {
    this.addSql('alter table requests add column payload_enc text');
    this.addSql('alter table requests add column next_attempt_at timestamptz');
    this.addSql('alter table requests add column lease_token uuid');
    this.addSql('alter table requests add column delivery_rounds int not null default 0');
    this.addSql('create index requests_due on requests (tenant_id, next_attempt_at) where status = \'QUEUED\'');
    this.addSql('create unique index local_mailbox_one_per_request on local_mailbox (request_id) where request_id is not null');
    this.addSql('create table delivery_tenants (tenant_id uuid primary key, created_at timestamptz not null default clock_timestamp())');
  }

  override async down(): Promise<void> {
    this.addSql('drop table if exists delivery_tenants');
    this.addSql('drop index if exists local_mailbox_one_per_request');
    this.addSql('drop index if exists requests_due');
    this.addSql('alter table requests drop column if exists payload_enc, drop column if exists next_attempt_at, drop column if exists lease_token, drop column if exists delivery_rounds');
  }
}
