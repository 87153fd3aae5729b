/**
 * audit_events: one row per OCSF event, RANGE-partitioned by month on `time`.
 *
 * - Primary key (id, time): the partition key must be part of every unique constraint; the id is
 *   derived from the source event id and `time` from its occurredAt, so a redelivered event hits
 *   the same key and `on conflict do nothing` stores it once.
 * - A DEFAULT partition takes any row outside the monthly partitions, so an insert never fails;
 *   monthly partitions (current month + 3 ahead) are created by the app (src/audit-events/partitions.ts).
 * - RLS on the partitioned parent (enabled + forced): queries through the parent apply the parent's
 *   policies. Each partition also gets the same policies (defence in depth if one is queried by name).
 * - Indexes are declared on the parent, so every partition gets them. Newest-first listing uses
 *   (tenant_id, time desc, id desc); each exposed filter has its own (tenant_id, <filter>, time desc,
 *   id desc) index so a filtered page is an index range scan in keyset order; platform auditors
 *   (all tenants) use (time desc, id desc). Free text uses a GIN index on a `simple` tsvector: exact
 *   and prefix word matches, no trigram extension needed (the subgraph role cannot create extensions).
 */
import { Migration, tenantRlsSql } from '@imagy/platform/db';
import { eventTablesSql } from '@imagy/platform/events';

export class AuditEvents0001 extends Migration {
  override async up(): Promise<void> {
    for (const s of eventTablesSql()) this.addSql(s);
    this.addSql(`create table audit_events (
      id uuid not null,
      time timestamptz not null,
      tenant_id uuid not null,
      class_uid int not null,
      category_uid int not null,
      activity_id int not null,
      type_uid int not null,
      severity_id int not null,
      status_id int not null,
      actor_user_id text,
      resource_type text,
      resource_id text,
      message text not null default '',
      search tsvector not null,
      source_event_id uuid,
      subject text,
      ocsf jsonb not null,
      recorded_at timestamptz not null default clock_timestamp(),
      primary key (id, time),
      constraint audit_events_type_uid check (type_uid = class_uid * 100 + activity_id)
    ) partition by range (time)`);
    this.addSql(`create table audit_events_default partition of audit_events default`);
    this.addSql(`create index audit_events_newest on audit_events (tenant_id, time desc, id desc)`);
    this.addSql(`create index audit_events_all_newest on audit_events (time desc, id desc)`);
    this.addSql(`create index audit_events_by_actor on audit_events (tenant_id, actor_user_id, time desc, id desc)`);
    this.addSql(`create index audit_events_by_resource on audit_events (tenant_id, resource_type, resource_id, time desc, id desc)`);
    this.addSql(`create index audit_events_by_class on audit_events (tenant_id, class_uid, activity_id, time desc, id desc)`);
    this.addSql(`create index audit_events_by_status on audit_events (tenant_id, status_id, time desc, id desc)`);
    this.addSql(`create index audit_events_search on audit_events using gin (search)`);
    for (const s of tenantRlsSql('audit_events', { crossTenantRead: true })) this.addSql(s);
    for (const s of tenantRlsSql('audit_events_default', { crossTenantRead: true })) this.addSql(s);
  }

  override async down(): Promise<void> {
    this.addSql('drop table if exists audit_events cascade');
  }
}
