/**
 * Outbox relay: publishes committed outbox rows to JetStream with `Nats-Msg-Id` = event id, so a
 * row published twice (crash between publish and mark) is dropped by the stream's duplicate
 * window. Rows are claimed with FOR UPDATE SKIP LOCKED, so several replicas share the work. While
 * NATS is down the rows simply wait; publication resumes on reconnect, in order of creation.
 */
import { Client } from 'pg';
import { jetstream, type JetStreamClient } from '@nats-io/jetstream';
import { headers } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Orm } from '../db/orm';
import { wireSubject, type Namespace } from './nats';
import { logger } from '../logger';
import { OUTBOX_RELAY_SETTING } from './outbox';

export interface RelayOptions {
  orm: Orm;
  nc: NatsConnection;
  ns: Namespace;
  /** Schema whose outbox this relay drains (the LISTEN channel is `<schema>_outbox`). */
  schema: string;
  /** Connection URL for LISTEN (the subgraph's own role). */
  listenUrl: string;
  batchSize?: number;
  pollIntervalMs?: number;
  /** Published rows older than this are deleted (default OUTBOX_RETENTION_HOURS, else 72 h; 0 keeps them). */
  retentionHours?: number;
}

/** Default retention of published outbox rows: long enough to investigate a delivery, short enough not to be a second event store. */
export const DEFAULT_OUTBOX_RETENTION_HOURS = 72;
/** How often a relay deletes expired published rows. */
const PRUNE_EVERY_MS = 15 * 60_000;

export function outboxRetentionHours(raw: string | undefined = process.env.OUTBOX_RETENTION_HOURS): number {
  if (raw === undefined || raw.trim() === '') return DEFAULT_OUTBOX_RETENTION_HOURS;
  if (!/^\d+$/.test(raw.trim())) throw new Error(`OUTBOX_RETENTION_HOURS must be a whole number of hours, not ${JSON.stringify(raw)}`);
  return Number(raw.trim());
}

export class OutboxRelay {
  private readonly js: JetStreamClient;
  private running = false;
  private wake: (() => void) | null = null;
  private listener: Client | null = null;
  private loop: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private pruneTimer: NodeJS.Timeout | null = null;
  private readonly retentionHours: number;
  private readonly log = logger.child({ component: 'outbox-relay' });

  constructor(private readonly options: RelayOptions) {
    this.js = jetstream(options.nc, { timeout: 5_000 });
    this.retentionHours = options.retentionHours ?? outboxRetentionHours();
  }

  async start(): Promise<void> {
    this.running = true;
    try {
      this.listener = new Client({ connectionString: this.options.listenUrl });
      await this.listener.connect();
      this.listener.on('notification', () => this.wake?.());
      this.listener.on('error', (err) => this.log.warn({ err }, 'outbox listener error; falling back to polling'));
      await this.listener.query(`listen "${this.options.schema}_outbox"`);
    } catch (err) {
      this.log.warn({ err }, 'outbox LISTEN unavailable; polling only');
    }
    this.timer = setInterval(() => this.wake?.(), this.options.pollIntervalMs ?? 1_000);
    this.loop = this.run();
    if (this.retentionHours > 0) {
      const prune = () => this.prune().catch((err: unknown) => this.log.warn({ err: (err as Error).message }, 'outbox prune failed; will retry'));
      void prune();
      this.pruneTimer = setInterval(prune, PRUNE_EVERY_MS);
      this.pruneTimer.unref();
    }
  }

  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearInterval(this.timer);
    if (this.pruneTimer) clearInterval(this.pruneTimer);
    this.wake?.();
    await this.loop;
    await this.listener?.end().catch(() => undefined);
  }

  private async run(): Promise<void> {
    while (this.running) {
      let published = 0;
      try {
        published = await this.drainOnce();
      } catch (err) {
        this.log.warn({ err: (err as Error).message }, 'outbox relay could not publish; will retry');
        await sleep(500);
      }
      if (published === 0 && this.running) {
        await new Promise<void>((resolve) => { this.wake = resolve; });
        this.wake = null;
      }
    }
  }

  /** Publishes one batch; returns how many rows were published. Exposed for tests and tools. */
  async drainOnce(): Promise<number> {
    const knex = this.options.orm.em.getConnection().getKnex();
    return knex.transaction(async (trx) => {
      // The outbox's RLS shows rows only to a transaction that says it is the relay (outbox.ts).
      await trx.raw(`select set_config('${OUTBOX_RELAY_SETTING}', 'on', true)`);
      const { rows } = await trx.raw(
        `select id, subject, envelope from outbox where published_at is null order by created_at, id limit ? for update skip locked`,
        [this.options.batchSize ?? 200],
      ) as { rows: { id: string; subject: string; envelope: unknown }[] };
      if (rows.length === 0) return 0;
      // Publish in order; acks are awaited together so one round trip covers the batch.
      const acks = rows.map((row) => {
        const h = headers();
        h.set('Nats-Msg-Id', row.id);
        const body = typeof row.envelope === 'string' ? row.envelope : JSON.stringify(row.envelope);
        return this.js.publish(wireSubject(this.options.ns, row.subject), body, { headers: h, msgID: row.id });
      });
      await Promise.all(acks);
      await trx.raw('update outbox set published_at = clock_timestamp(), attempts = attempts + 1 where id = any(?::uuid[])', [rows.map((r) => r.id)]);
      return rows.length;
    });
  }

  /** Deletes published rows older than the retention; returns how many. Exposed for tests and tools. */
  async prune(retentionHours = this.retentionHours): Promise<number> {
    const knex = this.options.orm.em.getConnection().getKnex();
    return knex.transaction(async (trx) => {
      await trx.raw(`select set_config('${OUTBOX_RELAY_SETTING}', 'on', true)`);
      const result = await trx.raw(
        `delete from outbox where published_at is not null and published_at < clock_timestamp() - make_interval(hours => ?)`,
        [retentionHours],
      ) as { rowCount: number | null };
      return result.rowCount ?? 0;
    });
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
