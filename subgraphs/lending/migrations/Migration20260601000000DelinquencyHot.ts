import { Migration } from '@imagy/platform/db';

/**
 * Cheaper daily delinquency writes (see README, Delinquency).
 *
 * installments: the daily penalty update changes `penalty_due` and therefore the stored `outstanding`.
 * The open-installments index had `where outstanding > 0` as predicate, and a column used in any
 * index (predicates included) makes every such update non-HOT (a new entry in every index of the
 * table). The index now uses `paid_at is null`, which never changes on a penalty (payments set paid_at
 * exactly when outstanding reaches 0 and reversals clear it, so outstanding > 0 implies
 * paid_at is null; the queries keep `outstanding > 0` and add `paid_at is null` for the index).
 * A fillfactor of 70 leaves room on each page for the new row versions of HOT updates (applies to
 * pages written from now on).
 */
export class Migration20260601000000DelinquencyHot extends Migration {
  override async up(): Promise<void> {
    this.addSql('drop index if exists installments_open');
    this.addSql('create index installments_open on installments (tenant_id, due_date, credit_id) where paid_at is null');
    this.addSql('alter table installments set (fillfactor = 70)');
  }
}
