import { Migration } from '@imagy/platform/db';

/**
 * Indexes for the portfolio figures (src/portfolio): disbursements per month filter credits by
 * disbursement date, collections per month filter applied payments by payment date (reversed
 * payments are never counted, so they stay out of the index). The credits filter
 * `disbursedFrom` / `disbursedTo` uses the first one too. Leading tenant_id: RLS adds it to every
 * statement.
 */
export class Migration0400PortfolioIndexes extends Migration {
  override async up(): Promise<void> {
    this.addSql('create index if not exists credits_disbursed on credits (tenant_id, disbursed_at)');
    this.addSql(`create index if not exists payments_applied_paid on payments (tenant_id, paid_at) where status = 'APPLIED'`);
  }
}
