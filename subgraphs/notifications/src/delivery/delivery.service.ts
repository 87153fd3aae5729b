/**
 * Queue-then-deliver. A send commits its request as QUEUED (with the rendered message sealed at
 * rest) in one short transaction; delivery rounds run outside any transaction, and each round's
 * attempts and outcome are recorded in one short transaction of their own:
 *
 *   - the first round: the caller (sendNotification, requestOtp) claims it at insert time (a lease
 *     token and `next_attempt_at` = now + lease) and runs it right after the commit, so the mutation
 *     answers with the first round's result;
 *   - later rounds: the sweeper (a job, every `sweepMs`, or sooner after `kick()`) visits each tenant
 *     that queued messages, under that tenant's RLS, and claims its due QUEUED rows with
 *     FOR UPDATE SKIP LOCKED (new lease token, one more round). A process killed between commit and
 *     delivery leaves a row whose lease ends: the sweeper of any instance delivers it then.
 *
 * A round's outcome: SENT (event notifications.message.sent, sealed message erased); a failure with
 * rounds left in the schedule and some transient cause: QUEUED again, due after `retryDelay`; else
 * FAILED (event notifications.message.failed). Only the holder of the current lease token changes
 * the status; a stale round only adds its attempts to the log.
 */
import crypto from 'node:crypto';
import { inPlatformTx, inTenantTx, type Em, type Orm } from '@imagy/platform/db';
import type { EventActor, Outbox } from '@imagy/platform/events';
import type { Logger } from '@imagy/platform/logger';
import { SYSTEM_ACTOR } from '@imagy/platform/server';
import type { ChannelsService } from '../channels/channels.service';
import { decryptJson, encryptJson } from '../common/secrets';
import { requestsStore, type ClaimedRow, type NotificationRequest } from '../requests/requests.store';
import type { Channel } from '../templates/render';
import { retryDelay, type DeliveryResult, type Dispatcher, type DispatchPolicy, type Route } from './dispatcher';
import type { OutboundMessage } from './providers/provider';

/** What is sealed in `requests.payload_enc` until the request's final status. */
export interface SealedMessage {
  recipient: string;
  subject: string | null;
  body: string;
  variables: Record<string, string>;
  /** Whose send it was: the events of later rounds name the same actor and request id. */
  actor: EventActor;
  requestId: string | null;
  /** ISO time after which the message is pointless (an OTP code's expiry): no round starts later. */
  deliverBy?: string | null;
}

/** A round ready to run: the claimed request, its message and its channel's routes. */
export interface PendingRound {
  tenantId: string;
  id: string;
  leaseToken: string;
  channel: Channel;
  templateKey: string;
  locale: string;
  message: SealedMessage;
  routes: Route[];
}

const aadOf = (tenantId: string, requestId: string) => `request:${tenantId}/${requestId}`;

export class DeliveryService {
  private readonly tenantsSeen = new Set<string>();
  private sweeping: Promise<void> | null = null;
  private again = false;
  private kickTimer: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(
    private readonly orm: Orm,
    private readonly outbox: Outbox,
    private readonly dispatcher: Dispatcher,
    private readonly channels: ChannelsService,
    private readonly sealKey: Buffer,
    readonly policy: DispatchPolicy,
    private readonly log: Logger,
  ) {}

  seal(tenantId: string, requestId: string, message: SealedMessage): string {
    return encryptJson(this.sealKey, message, aadOf(tenantId, requestId));
  }

  private unseal(tenantId: string, requestId: string, sealed: string): SealedMessage {
    return decryptJson<SealedMessage>(this.sealKey, sealed, aadOf(tenantId, requestId));
  }

  /**
   * Puts the tenant on the sweeper's list inside the transaction that queues its message, so both
   * commit together (and nothing is written when that transaction rolls back). Skipped once a
   * committed registration was seen by this process.
   */
  async registerIn(em: Em, tenantId: string): Promise<void> {
    if (!this.tenantsSeen.has(tenantId)) await requestsStore.registerDeliveryTenant(em, tenantId);
  }

  /** Runs one claimed round (providers called with no transaction open) and records it; answers the request as recorded. */
  async run(round: PendingRound): Promise<NotificationRequest> {
    // A round runs after its request committed, and the tenant's registration with it.
    this.tenantsSeen.add(round.tenantId);
    const message: OutboundMessage = {
      requestId: round.id, tenantId: round.tenantId, channel: round.channel, recipient: round.message.recipient, subject: round.message.subject, body: round.message.body,
      templateKey: round.templateKey, locale: round.locale, variables: round.message.variables,
    };
    if (round.routes.every((r) => r.provider.name === 'local')) {
      // Only the built-in provider, which calls nothing outside the database: its mailbox row and the
      // round's record commit in one short transaction (one commit less, and no window between them).
      return inTenantTx(this.orm, { tenantId: round.tenantId }, async (em) => this.recordIn(em, round, await this.dispatcher.deliver(message, round.routes, (work) => work(em))));
    }
    const result = await this.dispatcher.deliver(message, round.routes);
    return this.record(round, result);
  }

  private record(round: PendingRound, result: DeliveryResult): Promise<NotificationRequest> {
    return inTenantTx(this.orm, { tenantId: round.tenantId }, (em) => this.recordIn(em, round, result));
  }

  private async recordIn(em: Em, round: PendingRound, result: DeliveryResult): Promise<NotificationRequest> {
    const held = await requestsStore.lockForRecord(em, round.id);
    const total = await requestsStore.insertAttempts(em, round.tenantId, round.id, result.attempts);
    if (!held || held.status !== 'QUEUED' || held.leaseToken !== round.leaseToken) {
      this.log.warn({ request: round.id }, 'delivery round finished after losing its lease: attempts logged, status left to the current round');
      return (await requestsStore.byId(em, round.id))!;
    }
    const meta = { tenantId: round.tenantId, actor: round.message.actor, requestId: round.message.requestId };
    if (result.status === 'SENT') {
      const request = await requestsStore.finish(em, round.id, result);
      await this.outbox.publish(em, 'notifications.message.sent', { requestId: round.id, templateKey: request.templateKey, channel: round.channel, recipient: request.recipient, provider: result.provider!, providerMessageId: result.providerMessageId, attempts: total }, meta);
      return request;
    }
    const delay = result.retryable ? retryDelay(this.policy, held.rounds) : null;
    const deliverBy = round.message.deliverBy ? Date.parse(round.message.deliverBy) : null;
    if (delay !== null && (deliverBy === null || Date.now() + delay < deliverBy)) {
      const request = await requestsStore.reschedule(em, round.id, delay, result.error);
      this.scheduleKick(delay);
      return request;
    }
    const request = await requestsStore.finish(em, round.id, result);
    await this.outbox.publish(em, 'notifications.message.failed', { requestId: round.id, templateKey: request.templateKey, channel: round.channel, recipient: request.recipient, error: result.error ?? 'failed', attempts: total }, meta);
    return request;
  }

  /** A claimed row whose message cannot be read any more (schedule spent by crashed rounds, key changed): FAILED without a send. */
  private async abandon(row: ClaimedRow, error: string): Promise<void> {
    const round: PendingRound = {
      tenantId: row.tenantId, id: row.id, leaseToken: row.leaseToken, channel: row.channel, templateKey: row.templateKey, locale: row.locale ?? 'en',
      message: { recipient: '', subject: null, body: '', variables: {}, actor: SYSTEM_ACTOR, requestId: null }, routes: [],
    };
    await this.record(round, { status: 'FAILED', provider: null, providerMessageId: null, error, attempts: [], retryable: false });
  }

  /** One pass: every registered tenant's due requests, claimed under its RLS, then delivered. */
  sweep(): Promise<void> {
    if (this.sweeping) {
      this.again = true;
      return this.sweeping;
    }
    this.sweeping = (async () => {
      do {
        this.again = false;
        const tenants = await inPlatformTx(this.orm, (em) => requestsStore.deliveryTenants(em));
        for (const tenantId of tenants) {
          if (this.stopped) return;
          // One tenant's failure (e.g. a database error) does not hold up the others.
          await this.sweepTenant(tenantId).catch((err) => this.log.warn({ err: (err as Error).message, tenant: tenantId }, 'delivery sweep of a tenant failed'));
        }
      } while (this.again && !this.stopped);
    })().finally(() => { this.sweeping = null; });
    return this.sweeping;
  }

  private async sweepTenant(tenantId: string): Promise<void> {
    const maxRounds = this.policy.retryScheduleMs.length + 1;
    const { rounds, spent } = await inTenantTx(this.orm, { tenantId }, async (em) => {
      const claimed = await requestsStore.claimDue(em, this.policy.leaseMs, this.policy.sweepBatch);
      const routesOf = new Map<Channel, Route[]>();
      const ready: PendingRound[] = [];
      const bad: { row: ClaimedRow; error: string }[] = [];
      for (const row of claimed) {
        if (row.rounds > maxRounds || !row.payloadEnc) { bad.push({ row, error: 'delivery interrupted: no rounds left' }); continue; }
        let message: SealedMessage;
        try {
          message = this.unseal(tenantId, row.id, row.payloadEnc);
        } catch {
          bad.push({ row, error: 'queued message unreadable (secret key changed?)' });
          continue;
        }
        if (message.deliverBy && Date.parse(message.deliverBy) <= Date.now()) { bad.push({ row, error: 'expired before it could be delivered' }); continue; }
        if (!routesOf.has(row.channel)) routesOf.set(row.channel, await this.channels.routesIn(em, tenantId, row.channel));
        ready.push({ tenantId, id: row.id, leaseToken: row.leaseToken, channel: row.channel, templateKey: row.templateKey, locale: row.locale ?? 'en', message, routes: routesOf.get(row.channel)! });
      }
      return { rounds: ready, spent: bad };
    });
    for (const { row, error } of spent) await this.abandon(row, error);
    // A few rounds at a time: each may wait on a provider.
    const queue = [...rounds];
    const worker = async () => {
      for (let r = queue.shift(); r; r = queue.shift()) {
        await this.run(r).catch((err) => this.log.warn({ err: (err as Error).message, request: r.id }, 'delivery round failed to record; its lease will expire and it runs again'));
      }
    };
    await Promise.all(Array.from({ length: Math.min(4, queue.length) }, worker));
  }

  /** Sweeps soon (a rule queued a message due now, or a retry falls due before the next periodic pass). */
  kick(): void {
    this.scheduleKick(20);
  }

  private scheduleKick(delayMs: number): void {
    if (this.stopped || this.policy.sweepMs <= 0 || delayMs >= this.policy.sweepMs) return;
    if (this.kickTimer) return;
    this.kickTimer = setTimeout(() => {
      this.kickTimer = null;
      this.sweep().catch((err) => this.log.warn({ err: (err as Error).message }, 'delivery sweep failed'));
    }, delayMs);
    this.kickTimer.unref();
  }

  /** The periodic sweeper (a job of the definition); stopping waits for a running pass. */
  start(): (() => Promise<void>) | null {
    if (this.policy.sweepMs <= 0) return null;
    const timer = setInterval(() => { this.sweep().catch((err) => this.log.warn({ err: (err as Error).message }, 'delivery sweep failed')); }, this.policy.sweepMs);
    timer.unref();
    void this.sweep().catch((err) => this.log.warn({ err: (err as Error).message }, 'delivery sweep failed'));
    return async () => {
      clearInterval(timer);
      if (this.kickTimer) clearTimeout(this.kickTimer);
      this.kickTimer = null;
      this.stopped = true;
      await this.sweeping?.catch(() => undefined);
    };
  }

  /** A new lease token for a round the caller runs itself right after its commit. */
  static newLease(): string {
    return crypto.randomUUID();
  }
}
