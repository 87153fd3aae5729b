/**
 * Meta WhatsApp Cloud API, template messages: `POST {baseUrl}/{version}/{phoneNumberId}/messages`
 * with `Authorization: Bearer <access token>` and
 * `{ messaging_product: "whatsapp", to, type: "template", template: { name, language: { code }, components: [{ type: "body", parameters }] } }`.
 * The Meta template's name is `settings.templates[<our key>]`, else our key with dots as underscores;
 * its body parameters are our template's declared variables, in declaration order. Success answers
 * `{ messages: [{ id: "wamid…" }] }`; errors `{ error: { code, message } }`, where throughput and
 * rate-limit codes (4, 80007, 130429, 131056) and 5xx retry.
 */
import { postProvider } from './http-json';
import { httpError, ProviderError, str, type ProviderAdapter } from './provider';

export const META_GRAPH_API = 'https://graph.facebook.com';
export const META_API_VERSION = 'v21.0';
const RATE_LIMIT_CODES = new Set([4, 80007, 130429, 131056]);

export function metaTemplateName(settings: Record<string, unknown>, templateKey: string): string {
  const map = settings.templates && typeof settings.templates === 'object' ? (settings.templates as Record<string, unknown>) : {};
  return str(map[templateKey]) ?? templateKey.replace(/\./g, '_');
}

export const whatsappProvider: ProviderAdapter = {
  name: 'whatsapp',
  channels: ['WHATSAPP'],
  check(settings, credentials) {
    if (!str(settings.phoneNumberId)) return 'settings.phoneNumberId is required';
    if (!str(credentials.accessToken)) return 'credentials.accessToken is required';
    return null;
  },
  async send(message, { settings, credentials, outbound }) {
    const token = str(credentials.accessToken);
    const phoneNumberId = str(settings.phoneNumberId);
    if (!token || !phoneNumberId) throw new ProviderError('settings incomplete', false);
    const base = (str(settings.baseUrl) ?? META_GRAPH_API).replace(/\/+$/, '');
    const version = str(settings.apiVersion) ?? META_API_VERSION;
    const parameters = Object.values(message.variables).map((text) => ({ type: 'text', text }));
    const body = JSON.stringify({
      messaging_product: 'whatsapp',
      recipient_type: 'individual',
      to: message.recipient.replace(/^\+/, ''),
      type: 'template',
      template: { name: metaTemplateName(settings, message.templateKey), language: { code: message.locale.replace('-', '_') }, components: parameters.length ? [{ type: 'body', parameters }] : [] },
    });
    const res = await postProvider(outbound, `${base}/${encodeURIComponent(version)}/${encodeURIComponent(phoneNumberId)}/messages`, { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body);
    if (res.status >= 200 && res.status < 300) {
      const messages = Array.isArray(res.json?.messages) ? (res.json.messages as { id?: unknown }[]) : [];
      const id = str(messages[0]?.id);
      if (!id) throw new ProviderError('answered without a message id', true);
      return { providerMessageId: id };
    }
    const error = res.json?.error && typeof res.json.error === 'object' ? (res.json.error as { code?: unknown; message?: unknown }) : null;
    const code = typeof error?.code === 'number' ? error.code : null;
    const detail = error ? `${String(error.code ?? '')} ${String(error.message ?? '')}`.trim() : '';
    if (code !== null && RATE_LIMIT_CODES.has(code)) throw new ProviderError(`answered HTTP ${res.status}: ${detail}`.slice(0, 300), true, res.status);
    throw httpError(res.status, res.headers['retry-after'], detail);
  },
};
