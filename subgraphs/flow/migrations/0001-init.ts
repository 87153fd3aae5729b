/**
 * Flow's tables, every one tenant-owned under forced RLS (tenantRlsSql):
 * flows, flow_versions (draft -> published -> archived; one draft at a time), flow_steps (ordered),
 * flow_rules, provider_configs, flow_requests (executions, pinned to a version; only the access
 * token's SHA-256 is kept), flow_step_results, provider_calls (every outbound call) and flow_files
 * (storage adapter objects with their content hash).
 */
import { Migration, tenantRlsSql } from '@imagy/platform/db';
import { eventTablesSql } from '@imagy/platform/events';

export const FLOW_TABLES = ['flows', 'flow_versions', 'flow_steps', 'flow_rules', 'provider_configs', 'flow_requests', 'flow_step_results', 'provider_calls', 'flow_files'] as const;

export class InitFlow extends Migration {
  override async up(): Promise<void> {
    for (const s of eventTablesSql()) this.addSql(s);
    this.addSql(`create table flows (
      id uuid primary key,
      tenant_id uuid not null,
      code text not null check (code ~ '^[A-Z][A-Z0-9_]{1,39}$'),
      name text not null check (length(name) between 1 and 120),
      organization_ids uuid[] not null default '{}',
      created_at timestamptz not null default clock_timestamp(),
      unique (tenant_id, code)
    )`);
    this.addSql(`create table flow_versions (
      id uuid primary key,
      tenant_id uuid not null,
      flow_id uuid not null references flows (id),
      number int not null check (number > 0),
      status text not null check (status in ('DRAFT', 'PUBLISHED', 'ARCHIVED')),
      default_outcome text not null default 'APPROVED' check (default_outcome in ('APPROVED', 'REJECTED', 'REVIEW')),
      session_ttl_seconds int not null default 86400 check (session_ttl_seconds between 60 and 2592000),
      created_at timestamptz not null default clock_timestamp(),
      published_at timestamptz,
      archived_at timestamptz,
      unique (flow_id, number)
    )`);
    this.addSql(`create unique index flow_versions_one_draft on flow_versions (flow_id) where status = 'DRAFT'`);
    this.addSql(`create unique index flow_versions_one_published on flow_versions (flow_id) where status = 'PUBLISHED'`);
    this.addSql(`create table flow_steps (
      id uuid primary key,
      tenant_id uuid not null,
      version_id uuid not null references flow_versions (id) on delete cascade,
      position int not null,
      key text not null check (key ~ '^[a-z][a-z0-9_]{0,39}$'),
      name text not null,
      type text not null check (type in ('FORM', 'DOCUMENT', 'PROVIDER')),
      capability text,
      input_mapping jsonb not null default '{}',
      input_schema jsonb,
      timeout_ms int not null default 10000 check (timeout_ms between 100 and 60000),
      on_error text not null default 'FAIL' check (on_error in ('FAIL', 'CONTINUE')),
      unique (version_id, key),
      unique (version_id, position) deferrable initially deferred
    )`);
    this.addSql(`create table flow_rules (
      id uuid primary key,
      tenant_id uuid not null,
      version_id uuid not null references flow_versions (id) on delete cascade,
      position int not null,
      name text not null,
      kind text not null check (kind in ('SKIP_STEP', 'OUTCOME')),
      step_key text,
      condition jsonb not null,
      outcome text check (outcome in ('APPROVED', 'REJECTED', 'REVIEW')),
      created_at timestamptz not null default clock_timestamp()
    )`);
    this.addSql(`create table provider_configs (
      tenant_id uuid not null,
      capability text not null,
      providers jsonb not null,
      updated_at timestamptz not null default clock_timestamp(),
      primary key (tenant_id, capability)
    )`);
    this.addSql(`create table flow_requests (
      id uuid primary key,
      tenant_id uuid not null,
      flow_id uuid not null references flows (id),
      version_id uuid not null references flow_versions (id),
      subject_ref text not null,
      context jsonb not null,
      status text not null check (status in ('CREATED', 'IN_PROGRESS', 'COMPLETED', 'FAILED', 'EXPIRED', 'CANCELLED')),
      outcome text check (outcome in ('APPROVED', 'REJECTED', 'REVIEW')),
      summary jsonb,
      failure_code text,
      current_step_key text,
      token_hash bytea not null unique,
      idempotency_key text,
      expires_at timestamptz not null,
      created_at timestamptz not null default clock_timestamp(),
      updated_at timestamptz not null default clock_timestamp(),
      completed_at timestamptz,
      unique (tenant_id, idempotency_key)
    )`);
    this.addSql('create index flow_requests_newest on flow_requests (tenant_id, created_at desc, id desc)');
    this.addSql(`create table flow_step_results (
      request_id uuid not null references flow_requests (id),
      tenant_id uuid not null,
      step_key text not null,
      status text not null check (status in ('COMPLETED', 'SKIPPED', 'FAILED')),
      output jsonb,
      submission_key text,
      submission_hash text,
      completed_at timestamptz not null default clock_timestamp(),
      primary key (request_id, step_key)
    )`);
    this.addSql(`create table provider_calls (
      id uuid primary key,
      tenant_id uuid not null,
      request_id uuid references flow_requests (id),
      step_key text,
      capability text not null,
      provider text not null,
      outcome text not null check (outcome in ('SUCCESS', 'FAILURE', 'TIMEOUT', 'SHORT_CIRCUITED')),
      attempts int not null,
      latency_ms int not null,
      cost_reference text,
      error_code text,
      created_at timestamptz not null default clock_timestamp()
    )`);
    this.addSql('create index provider_calls_request on provider_calls (request_id, created_at)');
    this.addSql(`create table flow_files (
      id uuid primary key,
      tenant_id uuid not null,
      request_id uuid not null references flow_requests (id),
      step_key text not null,
      storage_key text not null,
      content_type text not null,
      size_bytes bigint,
      sha256 text,
      created_at timestamptz not null default clock_timestamp(),
      uploaded_at timestamptz
    )`);
    for (const t of FLOW_TABLES) for (const s of tenantRlsSql(t)) this.addSql(s);
  }

  override async down(): Promise<void> {
    for (const t of [...FLOW_TABLES].reverse()) this.addSql(`drop table if exists ${t}`);
  }
}
