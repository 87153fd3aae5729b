/**
 * Sending and the delivery log. One send is one tenant transaction: validate (nothing is written
 * or sent when a check fails), write the request, deliver through the channel's routes (failover,
 * retries: delivery/dispatcher.ts), write every attempt, publish notifications.message.sent|failed
 * through the outbox. A replayed idempotency key returns the first request and sends nothing.
 */
import crypto from 'node:crypto';
import type { AuthContext } from '@imagy/platform/auth';
import { inTenantTx, isUuid, type Em, type Orm } from '@imagy/platform/db';
import type { EventActor, Outbox } from '@imagy/platform/events';
import { notPlainText, payload } from '@imagy/platform/graphql';
import { actorOf, BadInputError, pageSize, requireRole, toConnection, type Caller, type Connection } from '@imagy/platform/server';
import type { ChannelsService } from '../channels/channels.service';
import { keysetAfter, keysetOf } from '../common/cursor';
import { maskRecipient, normaliseRecipient, recipientHash } from '../common/recipients';
import { LOG_READERS, SENDERS } from '../common/roles';
import type { Dispatcher } from '../delivery/dispatcher';
import { reject } from '../i18n/messages';
import { preferencesStore } from '../preferences/preferences.store';
import { TEMPLATE_KEY, type Channel } from '../templates/render';
import type { TemplatesService } from '../templates/templates.service';
import { templatesStore } from '../templates/templates.store';
import { requestsStore, type AttemptRecord, type NotificationRequest, type RequestFilter, type RequestSource, type RequestStatus } from './requests.store';

export type { AttemptRecord, NotificationRequest };

export const MAX_IDEMPOTENCY_KEY = 200;

/**
 * Content rendered by the caller (OTP): never stored, and its hash is left out of the log.
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
}

export interface SendInput { templateKey: string; channel?: Channel | null; recipient: string; locale?: string | null; variables: unknown; idempotencyKey: string; recipientUserId?: string | null }

export class RequestsService {
  constructor(
    private readonly orm: Orm,
    private readonly outbox: Outbox,
    private readonly templates: TemplatesService,
    private readonly channels: ChannelsService,
    private readonly dispatcher: Dispatcher,
    private readonly recipientKey: Buffer,
  ) {}

  hashOf(tenantId: string, channel: Channel, recipient: string): string {
    return recipientHash(this.recipientKey, tenantId, channel, recipient);
  }

  async send(caller: Caller, input: SendInput) {
    const auth = requireRole(caller.auth, ...SENDERS);
    return payload(() => inTenantTx(this.orm, { tenantId: auth.tenantId }, async (em) => {
      const key = input.idempotencyKey.trim();
      if (!key || key.length > MAX_IDEMPOTENCY_KEY || notPlainText(key)) reject('IDEMPOTENCY_KEY_INVALID', { field: 'idempotencyKey' });
      if (input.recipientUserId != null && !isUuid(input.recipientUserId)) reject('RECIPIENT_USER_INVALID', { field: 'recipientUserId' });
      const channel = input.channel ?? (await this.onlyChannelOf(em, input.templateKey));
      const recipient = normaliseRecipient(channel, input.recipient);
      if ('problem' in recipient) return reject(recipient.problem, { field: 'recipient' });
      const result = await this.sendIn(em, {
        tenantId: auth.tenantId, actor: actorOf(caller), requestId: caller.requestId, createdBy: auth.userId, source: 'API', idempotencyKey: `api:${key}`,
        channel, recipient: recipient.value, templateKey: input.templateKey, locale: input.locale ?? null, variables: input.variables, recipientUserId: input.recipientUserId ?? null,
      });
      if (result.replayed) {
        const same = result.request.templateKey === input.templateKey && result.request.channel === channel && result.request.recipientHash === this.hashOf(auth.tenantId, channel, recipient.value);
        if (!same) reject('IDEMPOTENCY_KEY_REUSED', { field: 'idempotencyKey' });
      }
      return result;
    }), { request: null, replayed: false }, { onUniqueViolation: 'retry' });
  }

  /** The channel of a key sent without one: its only live template's, else a userError. */
  private async onlyChannelOf(em: Em, templateKey: string): Promise<Channel> {
    if (!TEMPLATE_KEY.test(templateKey) || templateKey.length > 120) reject('TEMPLATE_KEY_INVALID', { field: 'templateKey' });
    const channels = await templatesStore.channelsOfKey(em, templateKey);
    if (channels.length === 0) return reject('TEMPLATE_NOT_FOUND', { field: 'templateKey', params: { key: templateKey.slice(0, 120) } });
    if (channels.length > 1) return reject('CHANNEL_REQUIRED', { field: 'channel', params: { channels: channels.join(', ') } });
    return channels[0]!;
  }

  /** The send inside an open tenant transaction (API, rules and OTP); rejects with a userError on bad input. */
  async sendIn(em: Em, spec: SendSpec): Promise<{ request: NotificationRequest; replayed: boolean }> {
    const existing = await requestsStore.byIdempotencyKey(em, spec.idempotencyKey);
    if (existing) return { request: existing, replayed: true };
    const rendered = spec.preRendered
      ? { templateId: null, version: null, contentHash: null, templateKey: spec.preRendered.templateKey, locale: spec.preRendered.locale, subject: spec.preRendered.subject, body: spec.preRendered.body, values: spec.preRendered.variables }
      : await this.templates.renderIn(em, { templateKey: spec.templateKey, channel: spec.channel, locale: spec.locale, variables: spec.variables })
        .then((r) => ({ templateId: r.template.id, templateKey: r.template.key, version: r.version, locale: r.locale, subject: r.subject, body: r.body, contentHash: r.contentHash, values: r.values }));
    const hash = this.hashOf(spec.tenantId, spec.channel, spec.recipient);
    const suppressed = !spec.critical && (await preferencesStore.optedOut(em, hash, spec.channel));
    const id = crypto.randomUUID();
    const masked = maskRecipient(spec.channel, spec.recipient);
    await requestsStore.insert(em, {
      id, tenantId: spec.tenantId, idempotencyKey: spec.idempotencyKey, source: spec.source, templateId: rendered.templateId, templateKey: rendered.templateKey,
      templateVersion: rendered.version, locale: rendered.locale, channel: spec.channel, recipientMasked: masked, recipientHash: hash, contentHash: rendered.contentHash,
      status: suppressed ? 'SUPPRESSED' : 'QUEUED', createdBy: spec.createdBy, recipientUserId: spec.recipientUserId ?? null,
    });
    if (suppressed) return { request: (await requestsStore.byId(em, id))!, replayed: false };
    const routes = await this.channels.routesIn(em, spec.tenantId, spec.channel);
    const result = await this.dispatcher.deliver(em, {
      requestId: id, tenantId: spec.tenantId, channel: spec.channel, recipient: spec.recipient, subject: rendered.subject, body: rendered.body,
      templateKey: rendered.templateKey, locale: rendered.locale, variables: rendered.values,
    }, routes);
    await requestsStore.insertAttempts(em, spec.tenantId, id, result.attempts);
    const request = await requestsStore.finish(em, id, result);
    const meta = { tenantId: spec.tenantId, actor: spec.actor, requestId: spec.requestId };
    if (result.status === 'SENT') {
      await this.outbox.publish(em, 'notifications.message.sent', { requestId: id, templateKey: request.templateKey, channel: spec.channel, recipient: masked, provider: result.provider!, providerMessageId: result.providerMessageId, attempts: result.attempts.length }, meta);
    } else {
      await this.outbox.publish(em, 'notifications.message.failed', { requestId: id, templateKey: request.templateKey, channel: spec.channel, recipient: masked, error: result.error ?? 'failed', attempts: result.attempts.length }, meta);
    }
    return { request, replayed: false };
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
