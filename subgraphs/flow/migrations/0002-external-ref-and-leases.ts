/**
 * Executions triggered by an event carry the requester's correlation (`external_ref`, e.g. lending's
 * `application:<id>:<stepKey>`), found again by it (index). A provider step in flight holds a lease
 * on its execution (`lease_id`, `lease_step_key`, `lease_until`): the provider is called outside any
 * transaction, the answer is recorded only under the same lease, and an expired lease (the process
 * died mid-call) lets the resume sweep take the step over.
 */
import { Migration } from '@imagy/platform/db';

export class ExternalRefAndLeases extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table flow_requests
      add column external_ref text check (length(external_ref) between 1 and 200),
      add column lease_id uuid,
      add column lease_step_key text,
      add column lease_until timestamptz`);
    this.addSql('create index flow_requests_external_ref on flow_requests (tenant_id, external_ref, created_at desc) where external_ref is not null');
  }

  override async down(): Promise<void> {
    this.addSql('drop index if exists flow_requests_external_ref');
    this.addSql('alter table flow_requests drop column external_ref, drop column lease_id, drop column lease_step_key, drop column lease_until');
  }
}
