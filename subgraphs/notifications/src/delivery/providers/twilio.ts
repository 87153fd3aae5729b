/**
 * Twilio Programmable Messaging (SMS): `POST {baseUrl}/2010-04-01/Accounts/{AccountSid}/Messages.json`
 * with HTTP basic auth (Account SID : Auth Token) and a form body `To`, `From` (or
 * `MessagingServiceSid`), `Body`; 201 answers `{ sid, status }`. Errors are JSON `{ code, message }`;
 * 429 and 5xx are retried.
 */
import { postProvider } from './http-json';
import { httpError, ProviderError, str, type ProviderAdapter } from './provider';

export const TWILIO_API = 'https://api.twilio.com';

export const twilioProvider: ProviderAdapter = {
  name: 'twilio',
  channels: ['SMS'],
  check(settings, credentials) {
    if (!str(settings.from) && !str(settings.messagingServiceSid)) return 'settings.from or settings.messagingServiceSid is required';
    if (!str(credentials.accountSid) || !str(credentials.authToken)) return 'credentials.accountSid and credentials.authToken are required';
    return null;
  },
  async send(message, { settings, credentials, outbound }) {
    const accountSid = str(credentials.accountSid);
    const authToken = str(credentials.authToken);
    if (!accountSid || !authToken) throw new ProviderError('credentials missing', false);
    const form = new URLSearchParams({ To: message.recipient, Body: message.body });
    const service = str(settings.messagingServiceSid);
    if (service) form.set('MessagingServiceSid', service); else form.set('From', str(settings.from) ?? '');
    const statusCallback = str(settings.statusCallback);
    if (statusCallback) form.set('StatusCallback', statusCallback);
    const base = (str(settings.baseUrl) ?? TWILIO_API).replace(/\/+$/, '');
    const res = await postProvider(outbound, `${base}/2010-04-01/Accounts/${encodeURIComponent(accountSid)}/Messages.json`, {
      authorization: `Basic ${Buffer.from(`${accountSid}:${authToken}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded',
    }, form.toString());
    const json = res.json;
    if (res.status === 201 || res.status === 200) {
      const sid = str(json?.sid);
      if (!sid) throw new ProviderError('answered without a message sid', true);
      return { providerMessageId: sid };
    }
    throw httpError(res.status, res.headers['retry-after'], json ? `${String(json.code ?? '')} ${String(json.message ?? '')}`.trim() : '');
  },
};

