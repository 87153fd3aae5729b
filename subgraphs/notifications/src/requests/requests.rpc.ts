/**
 * Sending for other subgraphs (platform events/rpc.ts): a message the caller rendered itself, sent
 * as critical (opt-outs do not apply) through the usual delivery, log and events. Sign sends its
 * signing links this way, since a link must never travel on the stored, audited event bus.
 */
import { inTenantTx, isUuid, type Orm } from '@imagy/platform/db';
import { rpcMethod, type RpcServerSpec } from '@imagy/platform/events';
import { notPlainText, payload } from '@imagy/platform/graphql';
import { normaliseRecipient } from '../common/recipients';
import { reject } from '../i18n/messages';
import { TEMPLATE_KEY } from '../templates/render';
import { MAX_IDEMPOTENCY_KEY, type RequestsService } from './requests.service';

type SendData = { templateKey: string; channel: 'SMS' | 'EMAIL' | 'WHATSAPP'; recipient: string; subject: string | null; body: string; locale: string | null; idempotencyKey: string; recipientUserId: string | null };

const isObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);
const optionalString = (v: unknown) => v === null || typeof v === 'string';
const CHANNELS = new Set(['SMS', 'EMAIL', 'WHATSAPP']);
const MAX_BODY = 4000;
const MAX_SUBJECT = 200;

export function requestsRpc(orm: Orm, requests: RequestsService): RpcServerSpec[] {
  return [
    rpcMethod({
      method: 'notifications.message.send',
      accepts: (d): d is SendData => isObject(d) && typeof d.templateKey === 'string' && typeof d.channel === 'string' && CHANNELS.has(d.channel)
        && typeof d.recipient === 'string' && optionalString(d.subject) && typeof d.body === 'string' && optionalString(d.locale)
        && typeof d.idempotencyKey === 'string' && optionalString(d.recipientUserId),
      handler: async (d, call) => {
        const result = await payload(() => inTenantTx(orm, { tenantId: call.tenantId }, async (em) => {
          const key = d.idempotencyKey.trim();
          if (!key || key.length > MAX_IDEMPOTENCY_KEY || notPlainText(key)) reject('IDEMPOTENCY_KEY_INVALID', { field: 'idempotencyKey' });
          if (!TEMPLATE_KEY.test(d.templateKey) || d.templateKey.length > 120) reject('TEMPLATE_KEY_INVALID', { field: 'templateKey' });
          if (d.recipientUserId !== null && !isUuid(d.recipientUserId)) reject('RECIPIENT_USER_INVALID', { field: 'recipientUserId' });
          if (!d.body.trim() || d.body.length > MAX_BODY) reject('TEXT_TOO_LONG', { field: 'body', params: { max: MAX_BODY } });
          if (d.subject !== null && d.subject.length > MAX_SUBJECT) reject('TEXT_TOO_LONG', { field: 'subject', params: { max: MAX_SUBJECT } });
          const recipient = normaliseRecipient(d.channel, d.recipient);
          if ('problem' in recipient) return reject(recipient.problem, { field: 'recipient' });
          return requests.sendIn(em, {
            tenantId: call.tenantId, actor: call.actor, requestId: call.requestId, createdBy: null, source: 'API', idempotencyKey: `call:${key}`,
            channel: d.channel, recipient: recipient.value, templateKey: d.templateKey, locale: d.locale, variables: {}, critical: true, recipientUserId: d.recipientUserId,
            preRendered: { templateKey: d.templateKey, locale: d.locale ?? 'es', subject: d.subject, body: d.body, variables: {} },
            deliverAfterCommit: true,
          });
        }), { request: null, replayed: false, pending: null }, { onUniqueViolation: 'retry' });
        const [error] = result.userErrors;
        if (error || !result.request) return { ok: false, code: error?.code ?? 'INTERNAL', field: error?.field ?? null };
        // The first round runs now, outside the transaction, as for sendNotification; the sweeper retries it.
        const delivered = result.pending ? (await requests.deliverQueued(result.pending)) ?? result.request : result.request;
        return { ok: true, data: { requestId: delivered.id, status: delivered.status, replayed: result.replayed } };
      },
    }),
  ];
}
