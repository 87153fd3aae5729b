/** The sample tenant table: RLS enabled and forced (tenantRlsSql), an index for the newest-first page. */
import { Migration, tenantRlsSql } from '@imagy/platform/db';
import { eventTablesSql } from '@imagy/platform/events';

export class InitSign extends Migration {
  override async up(): Promise<void> {
    for (const s of eventTablesSql()) this.addSql(s);
    this.addSql(`create table items (
      id uuid primary key,
      tenant_id uuid not null,
      name text not null check (length(name) between 1 and 120),
      created_at timestamptz not null default clock_timestamp()
    )`);
    this.addSql('create index items_newest on items (tenant_id, created_at desc, id desc)');
    for (const s of tenantRlsSql('items')) this.addSql(s);
  }

  override async down(): Promise<void> {
    this.addSql('drop table if exists items');
  }
}
