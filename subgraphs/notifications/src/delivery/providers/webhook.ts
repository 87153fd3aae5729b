/**
 * Webhook channel: a signed POST per Standard Webhooks (https://www.standardwebhooks.com):
 * `webhook-id`, `webhook-timestamp` (unix seconds) and `webhook-signature: v1,<base64 HMAC-SHA256
 * of "{id}.{timestamp}.{body}">`, keyed by the secret's bytes (`whsec_` + base64). The recipient is
 * the URL; outbound rules (no private or loopback address unless allowed) apply. 2xx is success,
 * 429/5xx retry (Retry-After honoured by the dispatcher), other answers fail over.
 */
import crypto from 'node:crypto';
import { postProvider } from './http-json';
import { httpError, ProviderError, str, type ProviderAdapter } from './provider';

export function webhookSecretBytes(secret: string): Buffer {
  return Buffer.from(secret.startsWith('whsec_') ? secret.slice('whsec_'.length) : secret, 'base64');
}

export function signWebhook(secret: string, id: string, timestamp: number, body: string): string {
  return `v1,${crypto.createHmac('sha256', webhookSecretBytes(secret)).update(`${id}.${timestamp}.${body}`).digest('base64')}`;
}

export const webhookProvider: ProviderAdapter = {
  name: 'webhook',
  channels: ['WEBHOOK'],
  check(_settings, credentials) {
    const secret = str(credentials.signingSecret);
    if (!secret) return 'credentials.signingSecret is required (whsec_ + base64 of 24 to 64 bytes)';
    const bytes = webhookSecretBytes(secret).length;
    return bytes >= 24 && bytes <= 64 ? null : 'credentials.signingSecret must be whsec_ + base64 of 24 to 64 bytes';
  },
  async send(message, { credentials, outbound }) {
    const secret = str(credentials.signingSecret);
    if (!secret) throw new ProviderError('signing secret missing', false);
    const id = `msg_${message.requestId}`;
    const timestamp = Math.floor(Date.now() / 1000);
    const body = JSON.stringify({ type: message.templateKey, timestamp: new Date(timestamp * 1000).toISOString(), data: { requestId: message.requestId, locale: message.locale, subject: message.subject, body: message.body, variables: message.variables } });
    const res = await postProvider(outbound, message.recipient, {
      'content-type': 'application/json', 'webhook-id': id, 'webhook-timestamp': String(timestamp), 'webhook-signature': signWebhook(secret, id, timestamp, body), 'user-agent': 'imagy-notifications/1',
    }, body);
    if (res.status >= 200 && res.status < 300) return { providerMessageId: id };
    throw httpError(res.status, res.headers['retry-after']);
  },
};
