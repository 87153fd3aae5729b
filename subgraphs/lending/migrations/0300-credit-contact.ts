import { Migration } from '@imagy/platform/db';

/**
 * `credits.contact_email` / `contact_phone`: the contact the borrower verified in the application a
 * PIPELINE credit came from (null for BOOKED credits). lending.credit.disbursed and
 * lending.credit.defaulted carry it, so a tenant's notifications rule (recipientPath contactEmail /
 * contactPhone) can tell the borrower about the disbursement and the default (seed 3.32). Not
 * indexed (never filtered on); the delinquency job's update does not touch them (HOT updates stay).
 */
export class Migration0300CreditContact extends Migration {
  override async up(): Promise<void> {
    this.addSql('alter table credits add column contact_email text, add column contact_phone text');
  }
}
