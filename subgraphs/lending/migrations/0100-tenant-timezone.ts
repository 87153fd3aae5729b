import { Migration } from '@imagy/platform/db';

/**
 * `tenants.timezone`: the tenant's IANA time zone, learnt from identity.tenant.created / updated
 * (null until an event carries it: the business date then follows America/Mexico_City). The
 * business date of a tenant (delinquency timer, "today" in validation, the simulator's default
 * disbursement date) is the calendar date in this zone.
 */
export class Migration0100TenantTimezone extends Migration {
  override async up(): Promise<void> {
    this.addSql('alter table tenants add column timezone text');
  }
}
