/**
 * Sending and the delivery log. A send is one short tenant transaction: validate (nothing is written
 * or sent when a check fails), render, write the request as QUEUED with its message sealed, commit.
 * Delivery (routes, failover, breakers, retries: delivery/dispatcher.ts and delivery.service.ts)
 * runs after the commit with no transaction open: sendNotification runs the first round itself and
 * answers its result; rules leave it to the sweeper. A replayed idempotency key returns the first
 * request and sends nothing.
 */
import crypto from 'node:crypto';
import type { AuthContext } from '@imagy/platform/auth';
import { inTenantTx, isUuid, type Em, type Orm } from '@imagy/platform/db';
import type { EventActor } from '@imagy/platform/events';
import { notPlainText, payload } from '@imagy/platform/graphql';
import { logger } from '@imagy/platform/logger';
import { actorOf, BadInputError, pageSize, requireRole, toConnection, type Caller, type Connection } from '@imagy/platform/server';
import type { ChannelsService } from '../channels/channels.service';
import { keysetAfter, keysetOf } from '../common/cursor';
import { maskRecipient, normaliseRecipient, recipientHash } from '../common/recipients';
import { LOG_READERS, SENDERS } from '../common/roles';
import { DeliveryService, type PendingRound } from '../delivery/delivery.service';
import { reject } from '../i18n/messages';
import { preferencesStore } from '../preferences/preferences.store';
import { TEMPLATE_KEY, type Channel } from '../templates/render';
import type { TemplatesService } from '../templates/templates.service';
import { templatesStore } from '../templates/templates.store';
import { requestsStore, type AttemptRecord, type NotificationRequest, type RequestFilter, type RequestSource, type RequestStatus } from './requests.store';

export type { AttemptRecord, NotificationRequest };

export const MAX_IDEMPOTENCY_KEY = 200;

const log = logger.child({ component: 'notification-requests' });

/**
 * Content rendered by the caller (OTP): never stored in clear (sealed in the queued request until its
 * final status, like every message), and its hash is left out of the log.
 * `variables` reach adapters that send parameters rather than text (WhatsApp template messages).
 */
export interface PreRendered { templateKey: string; locale: string; subject: string | null; body: string; variables: Record<string, string> }

export interface SendSpec {
  tenantId: string;
  actor: EventActor;
  requestId: string | null;
  createdBy: string | null;
  source: RequestSource;
  idempotencyKey: string;
  channel: Channel;
  /** Already normalised (normaliseRecipient). */
  recipient: string;
  templateKey: string;
  locale: string | null;
  variables: unknown;
  /** The Imagy user the message is for (User.notifications), when known. */
  recipientUserId?: string | null;
  /** Critical messages (OTP) ignore opt-outs. */
  critical?: boolean;
  preRendered?: PreRendered;
  /**
   * The caller runs the first delivery round right after its commit (`deliverQueued`); otherwise
   * the request is due at once and the sweeper delivers it.
   */
  deliverAfterCommit?: boolean;
  /** No delivery round starts after this time (an OTP code's expiry). */
  deliverBy?: Date | null;
}

/** What sendIn wrote: `pending` is the first round, to run after the transaction commits. */
export interface Queued { request: NotificationRequest; replayed: boolean; pending: PendingRound | null }

export interface SendInput { templateKey: string; channel?: Channel | null; recipient: string; locale?: string | null; variables: unknown; idempotencyKey: string; recipientUserId?: string | null }

export class RequestsService {
  constructor(
    private readonly orm: Orm,
    private readonly templates: TemplatesService,
    private readonly channels: ChannelsService,
    private readonly delivery: DeliveryService,
    private readonly recipientKey: Buffer,
  ) {}

  hashOf(tenantId: string, channel: Channel, recipient: string): string {
    return recipientHash(this.recipientKey, tenantId, channel, recipient);
  }

  /**
   * sendNotification: commits the request QUEUED, then runs the first delivery round outside the
   * transaction and answers the request as that round left it (SENT, FAILED, or QUEUED with
   * `nextAttemptAt` when a transient failure scheduled a retry).
   */
  async send(caller: Caller, input: SendInput) {
    const auth = requireRole(caller.auth, ...SENDERS);
    const out = await payload(() => inTenantTx(this.orm, { tenantId: auth.tenantId }, async (em) => {
      const key = input.idempotencyKey.trim();
      if (!key || key.length > MAX_IDEMPOTENCY_KEY || notPlainText(key)) reject('IDEMPOTENCY_KEY_INVALID', { field: 'idempotencyKey' });
      if (input.recipientUserId != null && !isUuid(input.recipientUserId)) reject('RECIPIENT_USER_INVALID', { field: 'recipientUserId' });
      const channel = input.channel ?? (await this.onlyChannelOf(em, input.templateKey));
      const recipient = normaliseRecipient(channel, input.recipient);
      if ('problem' in recipient) return reject(recipient.problem, { field: 'recipient' });
      const result = await this.sendIn(em, {
        tenantId: auth.tenantId, actor: actorOf(caller), requestId: caller.requestId, createdBy: auth.userId, source: 'API', idempotencyKey: `api:${key}`,
        channel, recipient: recipient.value, templateKey: input.templateKey, locale: input.locale ?? null, variables: input.variables, recipientUserId: input.recipientUserId ?? null,
        deliverAfterCommit: true,
      });
      if (result.replayed) {
        const same = result.request.templateKey === input.templateKey && result.request.channel === channel && result.request.recipientHash === this.hashOf(auth.tenantId, channel, recipient.value);
        if (!same) reject('IDEMPOTENCY_KEY_REUSED', { field: 'idempotencyKey' });
      }
      return result;
    }), { request: null, replayed: false, pending: null }, { onUniqueViolation: 'retry' });
    const { pending, ...answer } = out;
    if (!pending) return answer;
    return { ...answer, request: (await this.deliverQueued(pending)) ?? answer.request };
  }

  /**
   * The first round of a request queued with `deliverAfterCommit`, once its transaction has
   * committed: the request as the round left it, or null when the round could not be recorded (the
   * request stays QUEUED and the sweeper runs it again when the lease ends).
   */
  async deliverQueued(pending: PendingRound): Promise<NotificationRequest | null> {
    try {
      return await this.delivery.run(pending);
    } catch (err) {
      log.warn({ err: (err as Error).message, request: pending.id }, 'first delivery round not recorded; the sweeper will run it again');
      return null;
    }
  }

  /** The channel of a key sent without one: its only live template's, else a userError. */
  private async onlyChannelOf(em: Em, templateKey: string): Promise<Channel> {
    if (!TEMPLATE_KEY.test(templateKey) || templateKey.length > 120) reject('TEMPLATE_KEY_INVALID', { field: 'templateKey' });
    const channels = await templatesStore.channelsOfKey(em, templateKey);
    if (channels.length === 0) return reject('TEMPLATE_NOT_FOUND', { field: 'templateKey', params: { key: templateKey.slice(0, 120) } });
    if (channels.length > 1) return reject('CHANNEL_REQUIRED', { field: 'channel', params: { channels: channels.join(', ') } });
    return channels[0]!;
  }

  /** Queues a send inside an open tenant transaction (API, rules and OTP); rejects with a userError on bad input. */
  async sendIn(em: Em, spec: SendSpec): Promise<Queued> {
    const existing = await requestsStore.byIdempotencyKey(em, spec.idempotencyKey);
    if (existing) return { request: existing, replayed: true, pending: null };
    const rendered = spec.preRendered
      ? { templateId: null, version: null, contentHash: null, templateKey: spec.preRendered.templateKey, locale: spec.preRendered.locale, subject: spec.preRendered.subject, body: spec.preRendered.body, values: spec.preRendered.variables }
      : await this.templates.renderIn(em, { templateKey: spec.templateKey, channel: spec.channel, locale: spec.locale, variables: spec.variables })
        .then((r) => ({ templateId: r.template.id, templateKey: r.template.key, version: r.version, locale: r.locale, subject: r.subject, body: r.body, contentHash: r.contentHash, values: r.values }));
    const hash = this.hashOf(spec.tenantId, spec.channel, spec.recipient);
    const suppressed = !spec.critical && (await preferencesStore.optedOut(em, hash, spec.channel));
    const id = crypto.randomUUID();
    const masked = maskRecipient(spec.channel, spec.recipient);
    const message = { recipient: spec.recipient, subject: rendered.subject, body: rendered.body, variables: rendered.values, actor: spec.actor, requestId: spec.requestId, deliverBy: spec.deliverBy?.toISOString() ?? null };
    const leaseToken = spec.deliverAfterCommit ? DeliveryService.newLease() : null;
    const request = await requestsStore.insert(em, {
      id, tenantId: spec.tenantId, idempotencyKey: spec.idempotencyKey, source: spec.source, templateId: rendered.templateId, templateKey: rendered.templateKey,
      templateVersion: rendered.version, locale: rendered.locale, channel: spec.channel, recipientMasked: masked, recipientHash: hash, contentHash: rendered.contentHash,
      status: suppressed ? 'SUPPRESSED' : 'QUEUED', createdBy: spec.createdBy, recipientUserId: spec.recipientUserId ?? null,
      delivery: suppressed ? null : { payloadEnc: this.delivery.seal(spec.tenantId, id, message), leaseToken, leaseMs: this.delivery.policy.leaseMs },
    });
    if (!suppressed) await this.delivery.registerIn(em, spec.tenantId);
    if (suppressed || !leaseToken) return { request, replayed: false, pending: null };
    const routes = await this.channels.routesIn(em, spec.tenantId, spec.channel);
    return {
      request, replayed: false,
      pending: { tenantId: spec.tenantId, id, leaseToken, channel: spec.channel, templateKey: rendered.templateKey, locale: rendered.locale, message, routes },
    };
  }

  /** Wakes the sweeper for requests queued without a first round of their own (rules). */
  kickDelivery(): void {
    this.delivery.kick();
  }

  async list(auth: AuthContext, args: { first?: number | null; after?: string | null; filter?: { status?: RequestStatus | null; channel?: Channel | null; templateKey?: string | null; recipient?: string | null } | null }): Promise<Connection<NotificationRequest>> {
    const user = requireRole(auth, ...LOG_READERS);
    const limit = pageSize(args.first);
    const after = keysetAfter(args.after);
    const f = args.filter ?? {};
    const templateKey = f.templateKey?.trim() || null;
    if (templateKey !== null && !TEMPLATE_KEY.test(templateKey)) throw new BadInputError('filter.templateKey must be a template key such as lending.application.approved', 'filter.templateKey');
    const filter: RequestFilter = { status: f.status, channel: f.channel, templateKey, recipientHash: null };
    if (f.recipient) {
      // A recipient is found by its keyed hash: the channel tells how to normalise it (e-mail unless it looks like a phone or URL).
      const channel: Channel = f.channel ?? (f.recipient.trim().startsWith('+') ? 'SMS' : /^https?:/.test(f.recipient.trim()) ? 'WEBHOOK' : 'EMAIL');
      const normal = normaliseRecipient(channel, f.recipient);
      filter.recipientHash = this.hashOf(user.tenantId, channel, 'value' in normal ? normal.value : f.recipient.trim());
    }
    const rows = await inTenantTx(this.orm, { tenantId: user.tenantId }, (em) => requestsStore.page(em, limit, after, filter));
    return toConnection(rows, limit, keysetOf);
  }

  /** A user's messages: the user themself, or log readers of the tenant (RLS keeps it to the caller's tenant). */
  async ofUser(auth: AuthContext, userId: string, args: { first?: number | null; after?: string | null }): Promise<Connection<NotificationRequest>> {
    const empty: Connection<NotificationRequest> = { edges: [], pageInfo: { hasNextPage: false, hasPreviousPage: false, startCursor: null, endCursor: null } };
    if (auth.kind === 'anonymous' || !auth.tenantId || !isUuid(userId)) return empty;
    if (auth.userId !== userId && !LOG_READERS.some((r) => auth.roles.includes(r))) return empty;
    const limit = pageSize(args.first);
    const after = keysetAfter(args.after);
    const rows = await inTenantTx(this.orm, { tenantId: auth.tenantId }, (em) => requestsStore.page(em, limit, after, { recipientUserId: userId }));
    return toConnection(rows, limit, keysetOf);
  }

  async byIds(auth: AuthContext, ids: readonly string[]): Promise<(NotificationRequest | null)[]> {
    const user = requireRole(auth, ...LOG_READERS);
    const valid = ids.filter(isUuid);
    const found = await inTenantTx(this.orm, { tenantId: user.tenantId }, (em) => requestsStore.byIds(em, valid));
    const byId = new Map(found.map((r) => [r.id, r]));
    return ids.map((id) => byId.get(id) ?? null);
  }

  async attemptsOf(auth: AuthContext, requestIds: readonly string[]): Promise<AttemptRecord[][]> {
    const rows = await inTenantTx(this.orm, { tenantId: auth.tenantId }, (em) => requestsStore.attemptsOf(em, requestIds));
    return requestIds.map((id) => rows.filter((a) => a.requestId === id));
  }
}
