/**
 * Provider status callbacks: a provider reports that a message was delivered or bounced, the
 * signature is verified with the tenant's stored credentials, and the log moves SENT -> DELIVERED or
 * BOUNCED once (a repeated report changes nothing), with notifications.message.delivered.
 *
 * Twilio: `POST /callbacks/twilio/<tenantId>/<configId>` (the URL set as the config's
 * `settings.statusCallback`), form fields `MessageSid`, `MessageStatus`, `ErrorCode`; header
 * `X-Twilio-Signature` = base64 HMAC-SHA1(auth token, URL + each POST field name and value sorted
 * by name), per Twilio's webhook security documentation.
 */
import crypto from 'node:crypto';
import { inTenantTx, isUuid, type Orm } from '@imagy/platform/db';
import type { Outbox } from '@imagy/platform/events';
import { SYSTEM_ACTOR } from '@imagy/platform/server';
import type { ChannelsService } from '../channels/channels.service';
import { requestsStore } from '../requests/requests.store';
import { str } from './providers/provider';

export function twilioSignature(authToken: string, url: string, params: Record<string, string>): string {
  const data = url + Object.keys(params).sort().map((k) => `${k}${params[k]}`).join('');
  return crypto.createHmac('sha1', authToken).update(data, 'utf8').digest('base64');
}

export type CallbackOutcome = 'ACCEPTED' | 'NOT_FOUND' | 'BAD_SIGNATURE';

const TWILIO_FINAL: Record<string, 'DELIVERED' | 'BOUNCED'> = { delivered: 'DELIVERED', undelivered: 'BOUNCED', failed: 'BOUNCED' };

export class StatusCallbacks {
  constructor(private readonly orm: Orm, private readonly outbox: Outbox, private readonly channels: ChannelsService) {}

  async twilio(tenantId: string, configId: string, signature: string | undefined, params: Record<string, string>): Promise<CallbackOutcome> {
    if (!isUuid(tenantId)) return 'NOT_FOUND';
    return inTenantTx(this.orm, { tenantId }, async (em) => {
      const found = await this.channels.withCredentialsIn(em, tenantId, configId);
      const url = found && found.config.provider === 'twilio' ? str(found.config.settings.statusCallback) : null;
      const token = found ? str(found.credentials.authToken) : null;
      if (!found || !url || !token) return 'NOT_FOUND';
      const expected = Buffer.from(twilioSignature(token, url, params));
      const given = Buffer.from(signature ?? '');
      if (expected.length !== given.length || !crypto.timingSafeEqual(expected, given)) return 'BAD_SIGNATURE';
      const status = TWILIO_FINAL[params.MessageStatus ?? ''];
      const sid = params.MessageSid;
      if (!status || !sid) return 'ACCEPTED'; // queued/sent/...: nothing final to record
      const request = await requestsStore.report(em, 'twilio', sid, status, status === 'BOUNCED' ? `twilio: ${params.MessageStatus} ${params.ErrorCode ?? ''}`.trim() : null);
      if (request) {
        await this.outbox.publish(em, 'notifications.message.delivered', { requestId: request.id, templateKey: request.templateKey, channel: request.channel, recipient: request.recipient, provider: 'twilio', status }, { tenantId, actor: SYSTEM_ACTOR });
      }
      return 'ACCEPTED';
    });
  }
}
