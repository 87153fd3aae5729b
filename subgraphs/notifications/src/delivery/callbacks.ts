/**
 * Provider status callbacks: a provider reports that a message was delivered or bounced, the
 * signature is verified with the tenant's stored credentials, and the log moves SENT -> DELIVERED or
 * BOUNCED once (a repeated report changes nothing), with notifications.message.delivered.
 *
 * Twilio: `POST /callbacks/twilio/<tenantId>/<configId>` (the URL set as the config's
 * `settings.statusCallback`), form fields `MessageSid`, `MessageStatus`, `ErrorCode`; header
 * `X-Twilio-Signature` = base64 HMAC-SHA1(auth token, URL + each POST field name and value sorted
 * by name), per Twilio's webhook security documentation.
 *
 * WhatsApp Cloud API: `POST /callbacks/whatsapp/<tenantId>/<configId>` (the app's webhook URL), JSON
 * `entry[].changes[].value.statuses[] { id: wamid, status }`; header `X-Hub-Signature-256:
 * sha256=<hex HMAC-SHA256(app secret, raw body)>` with `credentials.appSecret`. `GET` on the same URL
 * answers Meta's subscription check (`hub.verify_token` = `settings.verifyToken`).
 *
 * Amazon SES (through SNS): `POST /callbacks/ses/<tenantId>/<configId>`, the HTTPS endpoint
 * subscribed to the SNS topic the SES configuration set (or identity) publishes delivery and bounce
 * events to. The message must come from the config's `settings.snsTopicArn` and its signature must
 * verify (delivery/sns.ts); a SubscriptionConfirmation is confirmed by visiting its SubscribeURL.
 */
import crypto from 'node:crypto';
import { inTenantTx, isUuid, type Em, type Orm } from '@imagy/platform/db';
import type { Outbox } from '@imagy/platform/events';
import { SYSTEM_ACTOR } from '@imagy/platform/server';
import type { ChannelsService } from '../channels/channels.service';
import { requestsStore } from '../requests/requests.store';
import { str } from './providers/provider';
import { parseSnsMessage, sesReportOf, type SnsVerifier } from './sns';

export function twilioSignature(authToken: string, url: string, params: Record<string, string>): string {
  const data = url + Object.keys(params).sort().map((k) => `${k}${params[k]}`).join('');
  return crypto.createHmac('sha1', authToken).update(data, 'utf8').digest('base64');
}

export type CallbackOutcome = 'ACCEPTED' | 'NOT_FOUND' | 'BAD_SIGNATURE';

const TWILIO_FINAL: Record<string, 'DELIVERED' | 'BOUNCED'> = { delivered: 'DELIVERED', undelivered: 'BOUNCED', failed: 'BOUNCED' };

const WHATSAPP_FINAL: Record<string, 'DELIVERED' | 'BOUNCED'> = { delivered: 'DELIVERED', read: 'DELIVERED', failed: 'BOUNCED' };

export function metaSignature(appSecret: string, rawBody: Buffer): string {
  return `sha256=${crypto.createHmac('sha256', appSecret).update(rawBody).digest('hex')}`;
}

const sameText = (a: string, b: string | undefined) => {
  const x = Buffer.from(a);
  const y = Buffer.from(b ?? '');
  return x.length === y.length && crypto.timingSafeEqual(x, y);
};

export class StatusCallbacks {
  constructor(private readonly orm: Orm, private readonly outbox: Outbox, private readonly channels: ChannelsService, private readonly sns: SnsVerifier) {}

  /** An SNS message for an SES config: topic checked, signature verified (outside any transaction), then recorded. */
  async ses(tenantId: string, configId: string, rawBody: string): Promise<CallbackOutcome> {
    if (!isUuid(tenantId)) return 'NOT_FOUND';
    const message = parseSnsMessage(rawBody);
    const topic = await inTenantTx(this.orm, { tenantId }, async (em) => {
      const found = await this.channels.withCredentialsIn(em, tenantId, configId);
      return found && found.config.provider === 'ses' ? str(found.config.settings.snsTopicArn) : null;
    });
    if (!topic) return 'NOT_FOUND';
    if (!message || !sameText(topic, message.TopicArn) || !(await this.sns.verify(message))) return 'BAD_SIGNATURE';
    if (message.Type === 'SubscriptionConfirmation') return (await this.sns.confirm(message)) ? 'ACCEPTED' : 'BAD_SIGNATURE';
    const report = message.Type === 'Notification' ? sesReportOf(message.Message) : null;
    if (report) await inTenantTx(this.orm, { tenantId }, (em) => this.record(em, tenantId, 'ses', report.messageId, report.status, report.detail));
    return 'ACCEPTED';
  }

  async twilio(tenantId: string, configId: string, signature: string | undefined, params: Record<string, string>): Promise<CallbackOutcome> {
    if (!isUuid(tenantId)) return 'NOT_FOUND';
    return inTenantTx(this.orm, { tenantId }, async (em) => {
      const found = await this.channels.withCredentialsIn(em, tenantId, configId);
      const url = found && found.config.provider === 'twilio' ? str(found.config.settings.statusCallback) : null;
      const token = found ? str(found.credentials.authToken) : null;
      if (!found || !url || !token) return 'NOT_FOUND';
      if (!sameText(twilioSignature(token, url, params), signature)) return 'BAD_SIGNATURE';
      const status = TWILIO_FINAL[params.MessageStatus ?? ''];
      const sid = params.MessageSid;
      if (!status || !sid) return 'ACCEPTED'; // queued/sent/...: nothing final to record
      await this.record(em, tenantId, 'twilio', sid, status, status === 'BOUNCED' ? `twilio: ${params.MessageStatus} ${params.ErrorCode ?? ''}`.trim() : null);
      return 'ACCEPTED';
    });
  }

  /** Meta's GET subscription check: the challenge when the verify token matches, else null. */
  async whatsappChallenge(tenantId: string, configId: string, verifyToken: string | undefined, challenge: string | undefined): Promise<string | null> {
    if (!isUuid(tenantId) || !challenge) return null;
    return inTenantTx(this.orm, { tenantId }, async (em) => {
      const found = await this.channels.withCredentialsIn(em, tenantId, configId);
      const expected = found && found.config.provider === 'whatsapp' ? str(found.config.settings.verifyToken) : null;
      return expected && sameText(expected, verifyToken) ? challenge : null;
    });
  }

  async whatsapp(tenantId: string, configId: string, signature: string | undefined, rawBody: Buffer): Promise<CallbackOutcome> {
    if (!isUuid(tenantId)) return 'NOT_FOUND';
    return inTenantTx(this.orm, { tenantId }, async (em) => {
      const found = await this.channels.withCredentialsIn(em, tenantId, configId);
      const secret = found && found.config.provider === 'whatsapp' ? str(found.credentials.appSecret) : null;
      if (!found || !secret) return 'NOT_FOUND';
      if (!sameText(metaSignature(secret, rawBody), signature)) return 'BAD_SIGNATURE';
      let payload: unknown;
      try { payload = JSON.parse(rawBody.toString('utf8')); } catch { return 'ACCEPTED'; }
      for (const s of whatsappStatuses(payload)) {
        const status = WHATSAPP_FINAL[s.status];
        if (status) await this.record(em, tenantId, 'whatsapp', s.id, status, status === 'BOUNCED' ? `whatsapp: ${s.status}${s.error ? ` ${s.error}` : ''}` : null);
      }
      return 'ACCEPTED';
    });
  }

  private async record(em: Em, tenantId: string, provider: string, providerMessageId: string, status: 'DELIVERED' | 'BOUNCED', error: string | null): Promise<void> {
    const request = await requestsStore.report(em, provider, providerMessageId, status, error);
    if (request) {
      await this.outbox.publish(em, 'notifications.message.delivered', { requestId: request.id, templateKey: request.templateKey, channel: request.channel, recipient: request.recipient, provider, status }, { tenantId, actor: SYSTEM_ACTOR });
    }
  }
}

/** `entry[].changes[].value.statuses[]` of a WhatsApp webhook, shape-checked. */
function whatsappStatuses(payload: unknown): { id: string; status: string; error: string | null }[] {
  const out: { id: string; status: string; error: string | null }[] = [];
  const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
  const obj = (v: unknown): Record<string, unknown> => (v && typeof v === 'object' ? (v as Record<string, unknown>) : {});
  for (const entry of arr(obj(payload).entry)) {
    for (const change of arr(obj(entry).changes)) {
      for (const s of arr(obj(obj(change).value).statuses)) {
        const id = str(obj(s).id);
        const status = str(obj(s).status);
        const firstError = obj(arr(obj(s).errors)[0]);
        if (id && status) out.push({ id, status, error: firstError.code !== undefined ? String(firstError.code).slice(0, 20) : null });
      }
    }
  }
  return out.slice(0, 100);
}

