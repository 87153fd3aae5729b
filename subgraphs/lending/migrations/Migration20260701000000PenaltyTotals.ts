import { Migration } from '@imagy/platform/db';

/**
 * A delinquency run's penalties per currency: a tenant may lend in several currencies, so one
 * numeric total (`penalty_total`, at the column's scale: "10.5200") meant nothing. `penalty_totals`
 * is `[{ currency, amount }]` with each amount at its currency's minor unit.
 *
 * The backfill must read every tenant's rows; `delinquency_runs` forces RLS even on its owner (this
 * role), so the migration lifts the force for its own transaction and restores it before commit.
 */
export class Migration20260701000000PenaltyTotals extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table delinquency_runs add column penalty_totals jsonb not null default '[]'`);
    for (const t of ['delinquency_runs', 'penalty_charges', 'installments', 'credits']) this.addSql(`alter table ${t} no force row level security`);
    this.addSql(`update delinquency_runs r set penalty_totals = coalesce((
        select jsonb_agg(jsonb_build_object('currency', s.currency, 'amount', round(s.total, s.units)::text) order by s.currency)
        from (select trim(c.currency) as currency, max(c.minor_units) as units, sum(pc.amount) as total
              from penalty_charges pc join installments i on i.id = pc.installment_id join credits c on c.id = i.credit_id
              where pc.tenant_id = r.tenant_id and pc.business_date = r.business_date group by c.currency) s), '[]'::jsonb)`);
    for (const t of ['delinquency_runs', 'penalty_charges', 'installments', 'credits']) this.addSql(`alter table ${t} force row level security`);
    this.addSql('alter table delinquency_runs drop column penalty_total');
  }
}
