/**
 * Durable queue consumer with exactly-once effect.
 *
 * One durable pull consumer per (stream, consumer name): replicas of a subgraph share it, so each
 * event goes to one of them. A handled event's id is inserted into `inbox` in the same transaction
 * as the handler's effect; a redelivered event finds its id there and is acked without effect.
 * A message that fails `maxDeliver` times, or is malformed, or carries a bad signature, is copied
 * to the DLQ stream (`dlq.<consumer>.<subject>`) with the reason, then terminated.
 *
 * Ack wait: short (5 s by default, `EVENT_ACK_WAIT_MS` or `ackWaitMs`), so the events a dead
 * process had taken come back to a live replica, or to the restarted process, within seconds. A
 * handler that runs longer is not redelivered under it: while it runs, the message is marked in
 * progress (`working()`) every third of the ack wait. For the same reason the consumer takes one
 * message at a time (`max_messages: 1`): a message prefetched into the client's buffer would sit
 * there with its ack-wait clock running and nothing to keep it alive, and come back as a duplicate
 * delivery (counted towards max_deliver) behind a slow handler. Handling is sequential anyway, and
 * the pull round trip is small next to the handler's transaction.
 */
import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager, type ConsumerMessages, type JsMsg } from '@nats-io/jetstream';
import { headers, type NatsConnection } from '@nats-io/transport-node';
import { envInt } from '../config';
import type { Orm } from '../db/orm';
import { inTenantTx, type Em } from '../db/tenant';
import { logger } from '../logger';
import type { Domain, EventSubject } from './catalogue';
import { looksLikeEnvelope, type EventEnvelope, type EventSigner } from './envelope';
import { logicalSubject, streamName, wireSubject, type Namespace } from './nats';

export type EventHandler = (em: Em, event: EventEnvelope) => Promise<void>;

export interface ConsumerOptions {
  orm: Orm;
  nc: NatsConnection;
  ns: Namespace;
  signer: EventSigner;
  /** Durable name, e.g. 'audit'. */
  name: string;
  /** Domains to consume (one stream each); `filter` narrows subjects within them. */
  domains: Domain[];
  /** Logical subject filters, e.g. ['identity.user.>']; default: every subject of each domain. */
  filters?: string[];
  handler: EventHandler;
  maxDeliver?: number;
  /** How long JetStream waits for an ack before redelivering (default `EVENT_ACK_WAIT_MS` or 5000). */
  ackWaitMs?: number;
  /** Run the handler with RLS off for this tenant? Never: each event runs in its own tenant's scope. */
}

export class EventConsumer {
  private readonly streams: ConsumerMessages[] = [];
  private readonly loops: Promise<void>[] = [];
  private readonly log;
  private readonly ackWaitMs: number;
  private stopped = false;

  constructor(private readonly options: ConsumerOptions) {
    this.log = logger.child({ component: 'consumer', consumer: options.name });
    this.ackWaitMs = options.ackWaitMs ?? envInt('EVENT_ACK_WAIT_MS', 5_000);
    if (this.ackWaitMs < 1_000) throw new Error(`ackWaitMs must be at least 1000 ms, got ${this.ackWaitMs}`);
  }

  async start(): Promise<void> {
    const { nc, ns, name, domains } = this.options;
    const jsm = await jetstreamManager(nc);
    const js = jetstream(nc);
    const maxDeliver = this.options.maxDeliver ?? 5;
    for (const domain of domains) {
      const stream = streamName(ns, domain);
      const filters = (this.options.filters ?? [`${domain}.>`]).filter((f) => f.startsWith(`${domain}.`));
      if (filters.length === 0) continue;
      // The NATS server on our machines predates multi-filter consumers (2.10): one filter goes to
      // the server, several are matched here and the rest acked without effect.
      const serverFilter = wireSubject(ns, filters.length === 1 ? filters[0]! : `${domain}.>`);
      const config = {
        durable_name: name,
        ack_policy: AckPolicy.Explicit,
        deliver_policy: DeliverPolicy.All,
        ack_wait: this.ackWaitMs * 1_000_000,
        // JetStream stops redelivering after max_deliver; we park the message in the DLQ ourselves
        // on the last attempt, so give it one more than our own limit.
        max_deliver: maxDeliver + 1,
        filter_subject: serverFilter,
      };
      try {
        await jsm.consumers.info(stream, name);
        await jsm.consumers.update(stream, name, { filter_subject: serverFilter, max_deliver: maxDeliver + 1, ack_wait: config.ack_wait });
      } catch {
        await jsm.consumers.add(stream, config).catch((e) => {
          if (!/already in use|exists/i.test(String((e as Error).message))) throw e;
        });
      }
      const consumer = await js.consumers.get(stream, name);
      // One message in flight at a time: see the header comment (ack wait and prefetch).
      const messages = await consumer.consume({ max_messages: 1 });
      this.streams.push(messages);
      this.loops.push(this.drain(messages, maxDeliver));
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const m of this.streams) m.stop();
    await Promise.allSettled(this.loops);
  }

  private async drain(messages: ConsumerMessages, maxDeliver: number): Promise<void> {
    try {
      for await (const msg of messages) {
        if (this.stopped) {
          // Taken but not handled: hand it back now rather than after the ack wait.
          settle(() => msg.nak());
          break;
        }
        await this.handle(msg, maxDeliver);
      }
    } catch (err) {
      // The iterator ends with an error when the connection is closed under it (or the consumer
      // was deleted); reconnects are handled inside it. Nothing acked is lost: what was in flight
      // comes back to another consumer after the ack wait.
      if (!this.stopped) this.log.error({ err: (err as Error).message }, 'consumer stopped receiving');
    }
  }

  private async handle(msg: JsMsg, maxDeliver: number): Promise<void> {
    let envelope: EventEnvelope;
    try {
      const parsed = msg.json<unknown>();
      if (!looksLikeEnvelope(parsed)) return this.deadLetter(msg, 'MALFORMED');
      envelope = parsed;
    } catch {
      return this.deadLetter(msg, 'MALFORMED');
    }
    if (!this.options.signer.verify(envelope)) return this.deadLetter(msg, 'BAD_SIGNATURE');
    if (envelope.subject !== logicalSubject(this.options.ns, msg.subject)) return this.deadLetter(msg, 'SUBJECT_MISMATCH');
    if (this.options.filters && !this.options.filters.some((f) => subjectMatches(f, envelope.subject))) {
      msg.ack();
      return;
    }
    // In progress while the handler runs, so a long one is not redelivered to another replica.
    const progress = setInterval(() => settle(() => msg.working()), Math.floor(this.ackWaitMs / 3));
    try {
      await inTenantTx(this.options.orm, { tenantId: envelope.tenantId }, async (em) => {
        const rows = await em.execute(
          'insert into inbox (consumer, event_id, subject) values (?, ?, ?) on conflict do nothing returning event_id',
          [this.options.name, envelope.id, envelope.subject],
        );
        if (rows.length === 0) return; // handled before: exactly-once effect
        await this.options.handler(em, envelope);
      });
      clearInterval(progress);
      settle(() => msg.ack());
    } catch (err) {
      clearInterval(progress);
      const attempt = msg.info.deliveryCount;
      this.log.warn({ err: (err as Error).message, subject: envelope.subject, event_id: envelope.id, attempt }, 'event handler failed');
      if (attempt >= maxDeliver) return this.deadLetter(msg, `HANDLER_FAILED: ${(err as Error).message}`.slice(0, 500));
      settle(() => msg.nak(Math.min(30_000, 200 * 2 ** attempt)));
    }
  }

  private async deadLetter(msg: JsMsg, reason: string): Promise<void> {
    const { nc, ns, name } = this.options;
    const h = headers();
    h.set('Imagy-Dlq-Reason', reason);
    h.set('Imagy-Dlq-Consumer', name);
    h.set('Imagy-Original-Subject', msg.subject);
    h.set('Nats-Msg-Id', `dlq:${name}:${msg.info.stream}:${msg.seq}`);
    try {
      await jetstream(nc).publish(wireSubject(ns, `dlq.${name}.${logicalSubject(ns, msg.subject)}`), msg.data, { headers: h });
      settle(() => msg.term(reason));
      this.log.error({ reason, subject: msg.subject, seq: msg.seq }, 'event parked in dead-letter stream');
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'could not park message in DLQ; will retry');
      settle(() => msg.nak(1_000));
    }
  }
}

/**
 * Acks, naks and progress notes are best effort: on a closed or reconnecting connection they throw,
 * and JetStream's ack wait then redelivers the message, which the inbox makes harmless.
 */
function settle(reply: () => void): void {
  try {
    reply();
  } catch { /* redelivered after the ack wait */ }
}

export type { EventSubject };

/** NATS wildcard match: `*` is one token, `>` the rest. */
export function subjectMatches(pattern: string, subject: string): boolean {
  const p = pattern.split('.');
  const s = subject.split('.');
  for (let i = 0; i < p.length; i++) {
    if (p[i] === '>') return s.length > i;
    if (i >= s.length || (p[i] !== '*' && p[i] !== s[i])) return false;
  }
  return p.length === s.length;
}
