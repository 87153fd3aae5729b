/**
 * E-mail over SMTP with nodemailer. Settings: `host`, `port` (587), `secure` (implicit TLS, 465),
 * `from`; credentials: `user`, `pass` (optional). The host is tenant-supplied: it is resolved and
 * checked like any outbound URL, and nodemailer connects to the checked address (TLS still checks
 * the host name). SMTP 4xx answers and connection failures retry; 5xx answers fail over.
 */
import nodemailer from 'nodemailer';
import { resolveAllowed } from '../../common/outbound';
import { ProviderError, str, type ProviderAdapter } from './provider';

const htmlToText = (html: string) => html.replace(/<br\s*\/?>/gi, '\n').replace(/<\/p>/gi, '\n').replace(/<[^>]*>/g, '').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&').trim();

export const smtpProvider: ProviderAdapter = {
  name: 'smtp',
  channels: ['EMAIL'],
  check(settings, credentials) {
    if (!str(settings.host)) return 'settings.host is required';
    if (!str(settings.from)) return 'settings.from is required';
    if (settings.port !== undefined && (!Number.isInteger(settings.port) || Number(settings.port) < 1 || Number(settings.port) > 65535)) return 'settings.port must be a port number';
    if ((credentials.user === undefined) !== (credentials.pass === undefined)) return 'credentials.user and credentials.pass go together';
    return null;
  },
  async send(message, { settings, credentials, outbound }) {
    const host = str(settings.host);
    const from = str(settings.from);
    if (!host || !from) throw new ProviderError('settings incomplete', false);
    let address: string;
    try {
      address = await resolveAllowed(outbound, host);
    } catch (e) {
      throw new ProviderError((e as Error).message, false);
    }
    const user = str(credentials.user);
    const pass = str(credentials.pass);
    const transport = nodemailer.createTransport({
      host: address,
      port: typeof settings.port === 'number' ? settings.port : 587,
      secure: settings.secure === true,
      auth: user && pass ? { user, pass } : undefined,
      name: 'imagy-notifications',
      tls: { servername: host, rejectUnauthorized: settings.allowSelfSigned !== true },
      connectionTimeout: outbound.timeoutMs,
      greetingTimeout: outbound.timeoutMs,
      socketTimeout: outbound.timeoutMs,
    });
    try {
      const info = await transport.sendMail({ from, to: message.recipient, subject: message.subject ?? '', html: message.body, text: htmlToText(message.body), headers: { 'X-Imagy-Request-Id': message.requestId } });
      return { providerMessageId: info.messageId ?? null };
    } catch (e) {
      const err = e as { responseCode?: number; code?: string; message?: string };
      if (typeof err.responseCode === 'number') throw new ProviderError(`SMTP ${err.responseCode}`, err.responseCode < 500, err.responseCode);
      throw new ProviderError(`SMTP ${err.code ?? 'connection failed'}`, true);
    } finally {
      transport.close();
    }
  },
};
