import { Migration, tenantRlsSql } from '@imagy/platform/db';

/**
 * The origination pipeline (issue 12):
 *  - `pipeline_configs`: the steps of a product version's pipeline. Written only while the version is
 *    a DRAFT (a trigger refuses inserting, changing or deleting the row of any other version), so a
 *    published version's pipeline is as immutable as its terms. A version without a row uses the row
 *    of its product's latest earlier version, else the default pipeline (pipeline.service.ts).
 *  - `legal_documents`: versioned legal texts with their SHA-256; rows are never changed or deleted.
 *  - `credit_applications` + `application_steps`: an application pins its version and a copy of its
 *    pipeline; each step keeps its state, input, output and timestamps. `next_run_at` is when the
 *    engine job should (re)try advancing it (crash or transient failure).
 *  - `step_submissions`: idempotency of step submissions (application, key) -> the request's hash.
 *  - `consent_evidence`: what a borrower accepted (document version, hash, IP, user agent, device
 *    fingerprint, time); insert-only (a trigger refuses updates and deletes).
 *  - credits: one credit per application (the disbursement step is idempotent on it).
 */
export class Migration0200Origination extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table pipeline_configs (
      version_id uuid primary key references product_versions (id),
      tenant_id uuid not null,
      steps jsonb not null,
      updated_by uuid,
      updated_at timestamptz not null default date_trunc('milliseconds', clock_timestamp())
    )`);
    for (const s of tenantRlsSql('pipeline_configs')) this.addSql(s);
    // `set search_path from current`: the function finds product_versions whoever's session runs the write.
    this.addSql(`create or replace function pipeline_configs_draft_only() returns trigger language plpgsql set search_path from current as $$
      declare v_status text;
      begin
        select status into v_status from product_versions where id = case when tg_op = 'DELETE' then old.version_id else new.version_id end;
        if v_status is distinct from 'DRAFT' then
          raise exception 'the pipeline of product version % is immutable (%)', case when tg_op = 'DELETE' then old.version_id else new.version_id end, v_status using errcode = 'P0001';
        end if;
        if tg_op = 'DELETE' then return old; end if;
        return new;
      end $$`);
    this.addSql('create trigger pipeline_configs_draft_only before insert or update or delete on pipeline_configs for each row execute function pipeline_configs_draft_only()');

    this.addSql(`create table legal_documents (
      id uuid primary key,
      tenant_id uuid not null,
      code text not null check (code ~ '^[A-Z0-9][A-Z0-9_-]{0,39}$'),
      version int not null check (version > 0),
      locale text not null check (locale in ('es', 'en')),
      title text not null check (length(title) between 1 and 200),
      body text not null check (length(body) between 1 and 50000),
      sha256 text not null,
      created_by uuid,
      created_at timestamptz not null default date_trunc('milliseconds', clock_timestamp()),
      constraint legal_documents_version unique (tenant_id, code, locale, version)
    )`);
    for (const s of tenantRlsSql('legal_documents')) this.addSql(s);

    this.addSql(`create table credit_applications (
      id uuid primary key,
      tenant_id uuid not null,
      product_id uuid not null references credit_products (id),
      version_id uuid not null references product_versions (id),
      borrower_id uuid not null,
      subject_ref text not null,
      amount numeric(20,4) not null,
      currency char(3) not null,
      minor_units int not null,
      term int not null,
      locale text not null default 'es',
      status text not null check (status in ('IN_PROGRESS', 'APPROVED', 'DISBURSED', 'REJECTED', 'CANCELLED', 'WITHDRAWN', 'EXPIRED')),
      current_step text,
      decision_reason text,
      approved_at timestamptz,
      decided_at timestamptz,
      credit_id uuid,
      idempotency_key text not null,
      request_hash text not null,
      expires_at timestamptz not null,
      next_run_at timestamptz,
      attempts int not null default 0,
      created_at timestamptz not null default date_trunc('milliseconds', clock_timestamp()),
      updated_at timestamptz not null default date_trunc('milliseconds', clock_timestamp()),
      constraint credit_applications_idempotency unique (tenant_id, borrower_id, idempotency_key)
    )`);
    for (const s of tenantRlsSql('credit_applications')) this.addSql(s);
    this.addSql('create index credit_applications_created on credit_applications (tenant_id, created_at, id)');
    this.addSql('create index credit_applications_status on credit_applications (tenant_id, status, created_at, id)');
    this.addSql('create index credit_applications_borrower on credit_applications (tenant_id, borrower_id, created_at, id)');
    this.addSql('create index credit_applications_product on credit_applications (tenant_id, product_id, created_at, id)');
    this.addSql('create index credit_applications_subject on credit_applications (tenant_id, subject_ref) where status in (\'IN_PROGRESS\', \'APPROVED\')');
    this.addSql('create index credit_applications_runnable on credit_applications (next_run_at) where next_run_at is not null');
    this.addSql('create index credit_applications_expiry on credit_applications (expires_at) where status in (\'IN_PROGRESS\', \'APPROVED\')');

    this.addSql(`create table application_steps (
      application_id uuid not null references credit_applications (id),
      key text not null,
      tenant_id uuid not null,
      position int not null,
      type text not null,
      config jsonb not null,
      run_when jsonb,
      state text not null check (state in ('PENDING', 'WAITING_INPUT', 'WAITING_EVENT', 'WAITING_REVIEW', 'COMPLETED', 'SKIPPED', 'REJECTED', 'FAILED')),
      input jsonb,
      output jsonb not null default '{}'::jsonb,
      started_at timestamptz,
      completed_at timestamptz,
      updated_at timestamptz not null default date_trunc('milliseconds', clock_timestamp()),
      primary key (application_id, key)
    )`);
    for (const s of tenantRlsSql('application_steps')) this.addSql(s);
    this.addSql('create index application_steps_waiting on application_steps (tenant_id, type, state, updated_at)');
    // Uniqueness of verified contacts among a tenant's applicants (CONTACT_VERIFICATION requireUnique).
    this.addSql(`create index application_steps_contact on application_steps (tenant_id, (output->>'destination')) where type = 'CONTACT_VERIFICATION' and state = 'COMPLETED'`);

    this.addSql(`create table step_submissions (
      application_id uuid not null references credit_applications (id),
      idempotency_key text not null,
      tenant_id uuid not null,
      step_key text not null,
      request_hash text not null,
      created_at timestamptz not null default date_trunc('milliseconds', clock_timestamp()),
      primary key (application_id, idempotency_key)
    )`);
    for (const s of tenantRlsSql('step_submissions')) this.addSql(s);

    this.addSql(`create table consent_evidence (
      id uuid primary key,
      tenant_id uuid not null,
      application_id uuid not null references credit_applications (id),
      step_key text not null,
      document_id uuid not null references legal_documents (id),
      document_code text not null,
      document_version int not null,
      sha256 text not null,
      ip text,
      user_agent text,
      device_fingerprint text,
      accepted_at timestamptz not null
    )`);
    for (const s of tenantRlsSql('consent_evidence')) this.addSql(s);
    this.addSql('create index consent_evidence_application on consent_evidence (tenant_id, application_id)');
    this.addSql(`create or replace function origination_insert_only() returns trigger language plpgsql as $$
      begin raise exception '% rows are immutable', tg_table_name using errcode = 'P0001'; end $$`);
    this.addSql('create trigger consent_evidence_immutable before update or delete on consent_evidence for each row execute function origination_insert_only()');
    this.addSql('create trigger legal_documents_immutable before update or delete on legal_documents for each row execute function origination_insert_only()');

    this.addSql('create unique index credits_application on credits (tenant_id, application_id) where application_id is not null');
  }
}
