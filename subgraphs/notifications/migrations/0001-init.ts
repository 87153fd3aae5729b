/**
 * The notifications tables. Every tenant table has RLS enabled and forced (tenantRlsSql); the one
 * infrastructure table without it is the platform's outbox/inbox pair.
 */
import { Migration, tenantRlsSql } from '@imagy/platform/db';
import { eventTablesSql } from '@imagy/platform/events';

const CHANNEL = `text not null check (channel in ('EMAIL', 'SMS', 'WHATSAPP', 'PUSH', 'WEBHOOK'))`;
const TENANT_TABLES = ['templates', 'template_versions', 'requests', 'attempts', 'local_mailbox', 'channel_configs', 'preferences', 'rules', 'otp_challenges'];

export class InitNotifications extends Migration {
  override async up(): Promise<void> {
    for (const s of eventTablesSql()) this.addSql(s);
    this.addSql(`create table templates (
      id uuid primary key,
      tenant_id uuid not null,
      key text not null check (key ~ '^[a-z0-9_]+(\\.[a-z0-9_]+)*$' and length(key) <= 120),
      channel ${CHANNEL},
      current_version int not null check (current_version >= 1),
      archived_at timestamptz,
      created_by uuid,
      created_at timestamptz not null default clock_timestamp(),
      updated_at timestamptz not null default clock_timestamp(),
      unique (tenant_id, key, channel)
    )`);
    this.addSql('create index templates_newest on templates (tenant_id, created_at desc, id desc)');
    // Immutable: rows are only inserted (a new version), never updated.
    this.addSql(`create table template_versions (
      tenant_id uuid not null,
      template_id uuid not null references templates (id),
      version int not null check (version >= 1),
      variables text[] not null,
      bodies jsonb not null,
      created_by uuid,
      created_at timestamptz not null default clock_timestamp(),
      primary key (template_id, version)
    )`);
    this.addSql(`create table requests (
      id uuid primary key,
      tenant_id uuid not null,
      idempotency_key text not null,
      source text not null check (source in ('API', 'RULE', 'OTP')),
      template_id uuid,
      template_key text not null,
      template_version int,
      locale text,
      channel ${CHANNEL},
      recipient_masked text not null,
      recipient_hash text not null,
      recipient_user_id uuid,
      content_hash text,
      status text not null check (status in ('QUEUED', 'SENT', 'DELIVERED', 'FAILED', 'BOUNCED', 'SUPPRESSED')),
      provider text,
      provider_message_id text,
      error text,
      created_by uuid,
      created_at timestamptz not null default clock_timestamp(),
      updated_at timestamptz not null default clock_timestamp(),
      sent_at timestamptz,
      delivered_at timestamptz,
      failed_at timestamptz,
      unique (tenant_id, idempotency_key)
    )`);
    // One index per filter of notificationRequests, each ending in the page order.
    this.addSql('create index requests_newest on requests (tenant_id, created_at desc, id desc)');
    this.addSql('create index requests_by_status on requests (tenant_id, status, created_at desc, id desc)');
    this.addSql('create index requests_by_channel on requests (tenant_id, channel, created_at desc, id desc)');
    this.addSql('create index requests_by_template on requests (tenant_id, template_key, created_at desc, id desc)');
    this.addSql('create index requests_by_recipient on requests (tenant_id, recipient_hash, created_at desc, id desc)');
    this.addSql('create index requests_by_user on requests (tenant_id, recipient_user_id, created_at desc, id desc) where recipient_user_id is not null');
    this.addSql('create index requests_by_provider_message on requests (tenant_id, provider, provider_message_id)');
    this.addSql(`create table attempts (
      id uuid primary key,
      tenant_id uuid not null,
      request_id uuid not null references requests (id),
      number int not null,
      provider text not null,
      status text not null check (status in ('SENT', 'FAILED')),
      provider_message_id text,
      error text,
      started_at timestamptz not null,
      finished_at timestamptz not null default clock_timestamp(),
      unique (request_id, number)
    )`);
    this.addSql(`create table local_mailbox (
      id uuid primary key,
      tenant_id uuid not null,
      request_id uuid,
      channel ${CHANNEL},
      recipient text not null,
      subject text,
      body text not null,
      created_at timestamptz not null default clock_timestamp()
    )`);
    this.addSql('create index local_mailbox_newest on local_mailbox (tenant_id, created_at desc, id desc)');
    this.addSql('create index local_mailbox_by_recipient on local_mailbox (tenant_id, recipient, created_at desc, id desc)');
    this.addSql(`create table channel_configs (
      id uuid primary key,
      tenant_id uuid not null,
      channel ${CHANNEL},
      provider text not null,
      priority int not null check (priority between 1 and 100),
      settings jsonb not null default '{}'::jsonb,
      credentials_enc text,
      enabled boolean not null default true,
      created_at timestamptz not null default clock_timestamp(),
      updated_at timestamptz not null default clock_timestamp(),
      unique (tenant_id, channel, priority)
    )`);
    this.addSql(`create table preferences (
      tenant_id uuid not null,
      recipient_hash text not null,
      channel ${CHANNEL},
      opted_out boolean not null,
      updated_at timestamptz not null default clock_timestamp(),
      primary key (tenant_id, recipient_hash, channel)
    )`);
    this.addSql(`create table rules (
      id uuid primary key,
      tenant_id uuid not null,
      subject text not null,
      template_key text not null,
      channel ${CHANNEL},
      recipient_path text not null,
      locale text,
      enabled boolean not null default true,
      created_at timestamptz not null default clock_timestamp()
    )`);
    this.addSql('create index rules_by_subject on rules (tenant_id, subject) where enabled');
    this.addSql(`create table otp_challenges (
      id uuid primary key,
      tenant_id uuid not null,
      purpose text not null,
      channel ${CHANNEL},
      destination_hash text not null,
      destination_masked text not null,
      salt text not null,
      code_hash text not null,
      status text not null check (status in ('PENDING', 'VERIFIED', 'LOCKED')),
      attempts int not null default 0,
      max_attempts int not null,
      expires_at timestamptz not null,
      verified_at timestamptz,
      ip text,
      created_at timestamptz not null default clock_timestamp()
    )`);
    this.addSql('create index otp_by_destination on otp_challenges (tenant_id, destination_hash, created_at desc)');
    this.addSql('create index otp_by_ip on otp_challenges (tenant_id, ip, created_at desc)');
    for (const table of TENANT_TABLES) for (const s of tenantRlsSql(table)) this.addSql(s);
  }

  override async down(): Promise<void> {
    for (const table of [...TENANT_TABLES].reverse()) this.addSql(`drop table if exists ${table}`);
  }
}
