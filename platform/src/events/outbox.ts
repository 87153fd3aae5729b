/**
 * Transactional outbox. `publish()` writes the signed envelope to the subgraph's `outbox` table in
 * the caller's transaction, so the event exists if and only if the state change committed. The
 * relay (relay.ts) ships rows to JetStream afterwards.
 *
 * The outbox holds signed envelopes with e-mails, IPs, amounts and borrower ids, so it is under
 * forced RLS (outboxProtectionSql): the subgraph's role may append rows in any transaction, but
 * only a transaction that declares itself the relay (`app.outbox_relay = 'on'`, set by relay.ts)
 * reads, marks or deletes them; a query with no tenant set, or another tenant's, sees nothing.
 * Published rows are deleted after OUTBOX_RETENTION_HOURS (relay.ts; the events stay in JetStream
 * for the stream's own retention). `inbox` (consumer, event id, subject: no personal data) has no RLS.
 * A trigger NOTIFYs the relay on insert so events leave within milliseconds rather than at the
 * next poll.
 */
import crypto from 'node:crypto';
import { Migration } from '@mikro-orm/migrations';
import type { Em } from '../db/tenant';
import type { EventSubject, EventCatalogue } from './catalogue';
import { domainOf } from './catalogue';
import type { EventActor, EventEnvelope, EventSigner } from './envelope';

export function eventTablesSql(): string[] {
  return [
    `create table if not exists outbox (
       id uuid primary key,
       subject text not null,
       tenant_id uuid,
       envelope jsonb not null,
       created_at timestamptz not null default clock_timestamp(),
       published_at timestamptz,
       attempts int not null default 0
     )`,
    `create index if not exists outbox_unpublished on outbox (created_at) where published_at is null`,
    `create or replace function outbox_notify() returns trigger language plpgsql as $$
       begin perform pg_notify(current_schema() || '_outbox', ''); return null; end $$`,
    `drop trigger if exists outbox_notify on outbox`,
    `create trigger outbox_notify after insert on outbox for each statement execute function outbox_notify()`,
    ...outboxProtectionSql(),
    `create table if not exists inbox (
       consumer text not null,
       event_id uuid not null,
       subject text not null,
       handled_at timestamptz not null default now(),
       primary key (consumer, event_id)
     )`,
  ];
}

/** The GUC the relay sets in its own transactions (relay.ts); RLS lets nothing else read the outbox. */
export const OUTBOX_RELAY_SETTING = 'app.outbox_relay';

/**
 * Forced RLS on `outbox`: appending is open to the role (an event is written in the transaction of
 * whatever changed, tenant or platform), everything else needs the relay's setting. Idempotent:
 * part of eventTablesSql for new schemas, and a migration of its own for schemas made before it.
 */
export function outboxProtectionSql(): string[] {
  const relay = `current_setting('${OUTBOX_RELAY_SETTING}', true) = 'on'`;
  return [
    `alter table outbox enable row level security`,
    `alter table outbox force row level security`,
    `drop policy if exists outbox_append on outbox`,
    `create policy outbox_append on outbox for insert with check (true)`,
    `drop policy if exists outbox_relay on outbox`,
    `create policy outbox_relay on outbox for all using (${relay}) with check (${relay})`,
    `create index if not exists outbox_published on outbox (published_at) where published_at is not null`,
  ];
}

/**
 * The migration every subgraph whose schema predates outboxProtectionSql lists once (its name is
 * the subgraph's to choose, e.g. Migration20261201000000OutboxRls); new schemas have it already.
 */
export class OutboxProtectionMigration extends Migration {
  async up(): Promise<void> {
    for (const s of outboxProtectionSql()) this.addSql(s);
  }
}

export interface PublishMeta {
  tenantId: string | null;
  actor: EventActor;
  requestId?: string | null;
  /** Deterministic id (e.g. derived from an idempotency key); random otherwise. */
  id?: string;
  occurredAt?: Date;
}

export class Outbox {
  constructor(private readonly signer: EventSigner) {}

  /** Appends one event to the outbox inside `em`'s open transaction. */
  async publish<S extends EventSubject>(em: Em, subject: S, data: EventCatalogue[S], meta: PublishMeta): Promise<EventEnvelope<S>> {
    domainOf(subject);
    const envelope = this.signer.sign<S>({
      id: meta.id ?? crypto.randomUUID(),
      subject,
      tenantId: meta.tenantId,
      occurredAt: (meta.occurredAt ?? new Date()).toISOString(),
      actor: meta.actor,
      requestId: meta.requestId ?? null,
      data,
      schemaVersion: 1,
    });
    await em.execute('insert into outbox (id, subject, tenant_id, envelope) values (?, ?, ?, ?::jsonb)', [envelope.id, subject, envelope.tenantId, JSON.stringify(envelope)]);
    return envelope;
  }

  /**
   * Appends many events of one subject inside `em`'s open transaction, in one statement per
   * `chunkSize` events instead of one per event (a batch job announcing 50k defaults would
   * otherwise send 50k inserts). Every event is signed like `publish()` signs it and shares `meta`
   * (tenant, actor, request, occurredAt); an item's `id` makes that event's id deterministic.
   * Nothing is written for an empty list.
   */
  async publishMany<S extends EventSubject>(
    em: Em,
    subject: S,
    items: readonly { data: EventCatalogue[S]; id?: string }[],
    meta: Omit<PublishMeta, 'id'>,
    chunkSize = 2000,
  ): Promise<EventEnvelope<S>[]> {
    domainOf(subject);
    if (!Number.isInteger(chunkSize) || chunkSize < 1) throw new Error('chunkSize must be a positive integer');
    const occurredAt = (meta.occurredAt ?? new Date()).toISOString();
    const envelopes = items.map((item) => this.signer.sign<S>({
      id: item.id ?? crypto.randomUUID(),
      subject,
      tenantId: meta.tenantId,
      occurredAt,
      actor: meta.actor,
      requestId: meta.requestId ?? null,
      data: item.data,
      schemaVersion: 1,
    }));
    for (let i = 0; i < envelopes.length; i += chunkSize) {
      await em.execute(
        `insert into outbox (id, subject, tenant_id, envelope)
         select (e->>'id')::uuid, e->>'subject', (e->>'tenantId')::uuid, e from jsonb_array_elements(?::jsonb) e`,
        [JSON.stringify(envelopes.slice(i, i + chunkSize))],
      );
    }
    return envelopes;
  }
}
