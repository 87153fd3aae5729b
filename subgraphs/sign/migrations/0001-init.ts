/**
 * Sign's tables, all tenant-owned under forced RLS (tenantRlsSql): requests, their documents (the PDF
 * bytes live here until a shared storage adapter exists), signers, the hash-chained trail, and the
 * external providers' callbacks already applied.
 */
import { Migration, tenantRlsSql } from '@imagy/platform/db';
import { eventTablesSql } from '@imagy/platform/events';

export class InitSign extends Migration {
  override async up(): Promise<void> {
    for (const s of eventTablesSql()) this.addSql(s);
    this.addSql(`create table requests (
      id uuid primary key,
      tenant_id uuid not null,
      title text not null check (length(title) between 1 and 200),
      status text not null check (status in ('DRAFT', 'SENT', 'PARTIALLY_SIGNED', 'COMPLETED', 'REJECTED', 'CANCELLED', 'EXPIRED')),
      signing_order text not null check (signing_order in ('SEQUENTIAL', 'PARALLEL')),
      strategy text not null check (strategy in ('EVIDENCE_PACKAGE', 'SEQUENTIAL_COPIES')),
      locale text not null,
      external_ref text,
      expires_at timestamptz not null,
      created_by uuid,
      created_at timestamptz not null default clock_timestamp(),
      sent_at timestamptz,
      completed_at timestamptz,
      cancel_reason text,
      sealed_document_id uuid,
      provider text not null default 'BUILT_IN' check (provider in ('BUILT_IN', 'DOCUSEAL')),
      provider_ref text
    )`);
    this.addSql('create index requests_newest on requests (tenant_id, created_at desc, id desc)');
    this.addSql('create index requests_status on requests (tenant_id, status, created_at desc, id desc)');
    this.addSql('create unique index requests_external_ref on requests (tenant_id, external_ref) where external_ref is not null');
    this.addSql(`create index requests_expiry on requests (expires_at) where status in ('SENT', 'PARTIALLY_SIGNED')`);
    this.addSql(`create table documents (
      id uuid primary key,
      tenant_id uuid not null,
      request_id uuid not null references requests (id),
      kind text not null check (kind in ('ORIGINAL', 'COPY', 'SEALED')),
      position int not null,
      signer_id uuid,
      name text not null,
      sha256 text not null check (sha256 ~ '^[0-9a-f]{64}$'),
      size_bytes int not null,
      content bytea not null,
      created_at timestamptz not null default clock_timestamp()
    )`);
    this.addSql('create index documents_request on documents (tenant_id, request_id, created_at)');
    this.addSql('create index documents_sha256 on documents (tenant_id, sha256)');
    this.addSql(`create table signers (
      id uuid primary key,
      tenant_id uuid not null,
      request_id uuid not null references requests (id),
      position int not null,
      name text not null,
      email text,
      phone text,
      role text not null check (role in ('SIGNER', 'APPROVER', 'VIEWER')),
      user_id uuid,
      status text not null check (status in ('WAITING', 'INVITED', 'SIGNED', 'REJECTED')),
      token_generation int not null default 0,
      invited_at timestamptz,
      otp_challenge_id text,
      signed_at timestamptz,
      ip text,
      user_agent text,
      geolocation text,
      signed_sha256 text,
      reject_reason text,
      provider_ref text,
      unique (request_id, position)
    )`);
    this.addSql('create index signers_request on signers (tenant_id, request_id, position)');
    this.addSql('create index signers_user on signers (tenant_id, user_id) where user_id is not null');
    this.addSql(`create table trail (
      tenant_id uuid not null,
      request_id uuid not null references requests (id),
      seq int not null,
      action text not null,
      signer_id uuid,
      ip text,
      user_agent text,
      data jsonb not null,
      at timestamptz not null,
      prev_hash text not null,
      hash text not null,
      primary key (request_id, seq)
    )`);
    this.addSql('create index trail_tenant on trail (tenant_id, request_id, seq)');
    // Callbacks of external providers already applied (a provider retries: each event has its effect once).
    this.addSql(`create table provider_events (
      tenant_id uuid not null,
      provider text not null,
      event_key text not null,
      received_at timestamptz not null default clock_timestamp(),
      primary key (tenant_id, provider, event_key)
    )`);
    // requests: the expiry sweep alone reads across tenants (which requests are due), then expires each in its own tenant.
    for (const s of tenantRlsSql('requests', { crossTenantRead: true })) this.addSql(s);
    for (const t of ['documents', 'signers', 'trail', 'provider_events']) for (const s of tenantRlsSql(t)) this.addSql(s);
  }

  override async down(): Promise<void> {
    for (const t of ['provider_events', 'trail', 'signers', 'documents', 'requests']) this.addSql(`drop table if exists ${t}`);
  }
}
