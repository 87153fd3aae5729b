import { Migration, tenantRlsSql } from '@imagy/platform/db';
import { eventTablesSql } from '@imagy/platform/events';

/**
 * Initial lending schema.
 *
 * `tenants` is a read-only directory of identity's tenant registry, fed by the
 * identity.tenant.created / identity.tenant.updated events (lending never reads identity's
 * tables). Like identity's registry it has no RLS: the public simulator resolves a tenant by slug
 * before any tenant is known, and it holds no tenant-private data (id, slug, status).
 *
 * Every other table is tenant-owned: RLS enabled and FORCED (tenantRlsSql).
 * Money columns are numeric(20,4); the services round HALF_EVEN to the currency's minor unit before
 * writing, so the extra scale only ever holds zeros for 2-decimal currencies (4 for CLF/UYW).
 */
export class Migration20260201000000Init extends Migration {
  override async up(): Promise<void> {
    for (const s of eventTablesSql()) this.addSql(s);

    this.addSql(`create table tenants (
      id uuid primary key,
      slug text not null unique,
      status text not null default 'ACTIVE',
      updated_at timestamptz not null default clock_timestamp()
    )`);

    // Banker's rounding in SQL (Postgres round() on numeric rounds half away from zero).
    this.addSql(`create or replace function round_half_even(v numeric, d int) returns numeric
      language sql immutable as $$
        select case
          when abs(v * power(10::numeric, d) - trunc(v * power(10::numeric, d))) = 0.5
            then (trunc(v * power(10::numeric, d)) + case when mod(trunc(v * power(10::numeric, d)), 2) = 0 then 0 else sign(v) end) / power(10::numeric, d)
          else round(v, d)
        end $$`);

    this.addSql(`create table credit_products (
      id uuid primary key,
      tenant_id uuid not null,
      code text not null check (code ~ '^[A-Z0-9][A-Z0-9_-]{0,39}$'),
      name text not null check (length(name) between 1 and 200),
      currency char(3) not null,
      status text not null default 'ACTIVE' check (status in ('ACTIVE', 'ARCHIVED')),
      created_by uuid,
      created_at timestamptz not null default date_trunc('milliseconds', clock_timestamp()),
      archived_at timestamptz,
      constraint credit_products_code unique (tenant_id, code)
    )`);
    this.addSql('create index credit_products_created on credit_products (tenant_id, created_at, id)');
    for (const s of tenantRlsSql('credit_products')) this.addSql(s);

    this.addSql(`create table product_versions (
      id uuid primary key,
      tenant_id uuid not null,
      product_id uuid not null references credit_products (id),
      number int not null,
      status text not null default 'DRAFT' check (status in ('DRAFT', 'PUBLISHED', 'ARCHIVED', 'DISCARDED')),
      terms jsonb not null,
      created_by uuid,
      created_at timestamptz not null default date_trunc('milliseconds', clock_timestamp()),
      published_at timestamptz,
      archived_at timestamptz,
      constraint product_versions_number unique (product_id, number)
    )`);
    this.addSql(`create unique index product_versions_one_draft on product_versions (product_id) where status = 'DRAFT'`);
    this.addSql(`create unique index product_versions_one_published on product_versions (product_id) where status = 'PUBLISHED'`);
    for (const s of tenantRlsSql('product_versions')) this.addSql(s);
    // Immutability of published versions, enforced by the database as well as the service: once a
    // version left DRAFT its terms, product and number never change, it cannot be deleted, and its
    // status only moves forward (PUBLISHED -> ARCHIVED).
    this.addSql(`create or replace function product_versions_immutable() returns trigger language plpgsql as $$
      begin
        if tg_op = 'DELETE' then
          if old.status <> 'DRAFT' then raise exception 'product version % is % and cannot be deleted', old.id, old.status using errcode = 'P0001'; end if;
          return old;
        end if;
        if old.status <> 'DRAFT' then
          if new.terms is distinct from old.terms or new.product_id <> old.product_id or new.number <> old.number or new.tenant_id <> old.tenant_id then
            raise exception 'product version % is % and immutable', old.id, old.status using errcode = 'P0001';
          end if;
          if not (new.status = old.status or (old.status = 'PUBLISHED' and new.status = 'ARCHIVED')) then
            raise exception 'product version % cannot move from % to %', old.id, old.status, new.status using errcode = 'P0001';
          end if;
        end if;
        return new;
      end $$`);
    this.addSql(`create trigger product_versions_immutable before update or delete on product_versions for each row execute function product_versions_immutable()`);

    this.addSql(`create table change_requests (
      id uuid primary key,
      tenant_id uuid not null,
      kind text not null check (kind in ('PUBLISH_VERSION', 'ARCHIVE_PRODUCT')),
      product_id uuid not null references credit_products (id),
      version_id uuid references product_versions (id),
      status text not null default 'PENDING' check (status in ('PENDING', 'APPROVED', 'REJECTED')),
      maker_id uuid not null,
      checker_id uuid,
      reason text,
      created_at timestamptz not null default date_trunc('milliseconds', clock_timestamp()),
      decided_at timestamptz
    )`);
    this.addSql(`create unique index change_requests_one_pending on change_requests (kind, coalesce(version_id, product_id)) where status = 'PENDING'`);
    this.addSql('create index change_requests_status on change_requests (tenant_id, status, created_at, id)');
    this.addSql(`create index change_requests_product on change_requests (product_id) where status = 'PENDING'`);
    for (const s of tenantRlsSql('change_requests')) this.addSql(s);

    this.addSql(`create table credits (
      id uuid primary key,
      tenant_id uuid not null,
      product_id uuid not null references credit_products (id),
      version_id uuid not null references product_versions (id),
      borrower_id uuid not null,
      currency char(3) not null,
      minor_units int not null,
      principal numeric(20,4) not null check (principal > 0),
      number_of_installments int not null,
      installment_amount numeric(20,4) not null,
      disbursed_at date not null,
      terms jsonb not null,
      -- Copies of the version's delinquency rules (also in terms), so the set-based daily job never
      -- has to detoast the terms document of 100k credits.
      penalty_kind text not null default 'NONE',
      penalty_rate numeric(12,6) not null default 0,
      penalty_grace_days int not null default 0,
      penalty_period_days int not null default 30,
      default_threshold_days int not null default 90,
      buckets jsonb not null default '[]',
      status text not null default 'ACTIVE' check (status in ('ACTIVE', 'PAID_OFF', 'DEFAULTED')),
      source text not null check (source in ('PIPELINE', 'BOOKED')),
      application_id uuid,
      external_reference text,
      principal_outstanding numeric(20,4) not null,
      days_past_due int not null default 0,
      bucket text,
      paid_off_at date,
      defaulted_at date,
      created_by uuid,
      created_at timestamptz not null default date_trunc('milliseconds', clock_timestamp())
    )`);
    this.addSql('create index credits_created on credits (tenant_id, created_at, id)');
    this.addSql('create index credits_borrower on credits (tenant_id, borrower_id)');
    this.addSql('create index credits_status on credits (tenant_id, status)');
    for (const s of tenantRlsSql('credits')) this.addSql(s);

    this.addSql(`create table installments (
      id uuid primary key,
      tenant_id uuid not null,
      credit_id uuid not null references credits (id),
      number int not null,
      due_date date not null,
      principal_due numeric(20,4) not null,
      interest_due numeric(20,4) not null,
      fee_due numeric(20,4) not null,
      tax_due numeric(20,4) not null,
      penalty_due numeric(20,4) not null default 0,
      principal_paid numeric(20,4) not null default 0,
      interest_paid numeric(20,4) not null default 0,
      fee_paid numeric(20,4) not null default 0,
      tax_paid numeric(20,4) not null default 0,
      penalty_paid numeric(20,4) not null default 0,
      outstanding numeric(20,4) generated always as (
        principal_due + interest_due + fee_due + tax_due + penalty_due
        - principal_paid - interest_paid - fee_paid - tax_paid - penalty_paid) stored,
      origin_payment_id uuid,
      paid_at date,
      constraint installments_number unique (credit_id, number),
      constraint installments_paid_le_due check (principal_paid <= principal_due and interest_paid <= interest_due
        and fee_paid <= fee_due and tax_paid <= tax_due and penalty_paid <= penalty_due
        and least(principal_paid, interest_paid, fee_paid, tax_paid, penalty_paid) >= 0)
    )`);
    this.addSql('create index installments_open on installments (tenant_id, due_date, credit_id) where outstanding > 0');
    for (const s of tenantRlsSql('installments')) this.addSql(s);

    this.addSql(`create table payments (
      id uuid primary key,
      tenant_id uuid not null,
      credit_id uuid not null references credits (id),
      seq int not null,
      amount numeric(20,4) not null check (amount > 0),
      currency char(3) not null,
      paid_at date not null,
      channel text not null,
      external_reference text,
      idempotency_key text not null,
      request_hash text not null,
      status text not null default 'APPLIED' check (status in ('APPLIED', 'REVERSED')),
      principal numeric(20,4) not null,
      interest numeric(20,4) not null,
      fee numeric(20,4) not null,
      tax numeric(20,4) not null,
      penalty numeric(20,4) not null,
      prepaid_principal numeric(20,4) not null,
      status_before text not null,
      replaced_installments jsonb,
      reversal_reason text,
      reversed_at timestamptz,
      reversed_by uuid,
      created_by uuid,
      created_at timestamptz not null default date_trunc('milliseconds', clock_timestamp()),
      constraint payments_idempotency unique (tenant_id, idempotency_key),
      constraint payments_seq unique (credit_id, seq)
    )`);
    this.addSql('create index payments_credit on payments (credit_id, seq)');
    for (const s of tenantRlsSql('payments')) this.addSql(s);

    // What each payment paid on each installment, per component: reversal subtracts exactly this.
    this.addSql(`create table payment_allocations (
      payment_id uuid not null references payments (id),
      installment_number int not null,
      tenant_id uuid not null,
      principal numeric(20,4) not null,
      interest numeric(20,4) not null,
      fee numeric(20,4) not null,
      tax numeric(20,4) not null,
      penalty numeric(20,4) not null,
      primary key (payment_id, installment_number)
    )`);
    for (const s of tenantRlsSql('payment_allocations')) this.addSql(s);

    this.addSql(`create table delinquency_runs (
      tenant_id uuid not null,
      business_date date not null,
      started_at timestamptz not null default clock_timestamp(),
      credits_evaluated int not null default 0,
      penalties_booked int not null default 0,
      penalty_total numeric(20,4) not null default 0,
      defaulted int not null default 0,
      primary key (tenant_id, business_date)
    )`);
    for (const s of tenantRlsSql('delinquency_runs')) this.addSql(s);

    // One penalty per installment per business date, guaranteed by the primary key.
    this.addSql(`create table penalty_charges (
      tenant_id uuid not null,
      installment_id uuid not null,
      business_date date not null,
      amount numeric(20,4) not null,
      primary key (installment_id, business_date)
    )`);
    for (const s of tenantRlsSql('penalty_charges')) this.addSql(s);
  }
}
