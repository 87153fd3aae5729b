/**
 * Amazon SNS HTTP(S) notifications, verified per AWS's documented algorithm ("Verifying the
 * signatures of Amazon SNS messages"):
 *
 *   - the string to sign is `Name\nvalue\n` for each field in byte order of the names:
 *     Notification: Message, MessageId, Subject (only when present), Timestamp, TopicArn, Type;
 *     SubscriptionConfirmation / UnsubscribeConfirmation: Message, MessageId, SubscribeURL,
 *     Timestamp, Token, TopicArn, Type;
 *   - `Signature` is base64 RSA over it, SHA1 for SignatureVersion 1, SHA256 for 2;
 *   - the public key is the X.509 certificate at `SigningCertURL`, which must be HTTPS on an
 *     Amazon SNS host (`sns.<region>.amazonaws.com`, `.com.cn` in China) — anything else is refused
 *     before any fetch, since the URL comes from the (untrusted) message — or start with one of the
 *     configured extra prefixes (tests serve their own certificate). Certificates are cached by URL
 *     and must be within their validity period.
 *
 * SES publishes delivery, bounce and complaint events to an SNS topic; `sesReportOf` reads one.
 */
import crypto from 'node:crypto';

export type SnsType = 'Notification' | 'SubscriptionConfirmation' | 'UnsubscribeConfirmation';

export interface SnsMessage {
  Type: SnsType;
  MessageId: string;
  TopicArn: string;
  Message: string;
  Timestamp: string;
  SignatureVersion: string;
  Signature: string;
  SigningCertURL: string;
  Subject?: string;
  SubscribeURL?: string;
  Token?: string;
}

const TYPES: readonly SnsType[] = ['Notification', 'SubscriptionConfirmation', 'UnsubscribeConfirmation'];
const AWS_SNS_HOST = /^sns\.[a-z0-9-]+\.amazonaws\.com(\.cn)?$/;

/** The message's fields when it has the shape of an SNS message, else null. */
export function parseSnsMessage(raw: string): SnsMessage | null {
  let value: unknown;
  try { value = JSON.parse(raw); } catch { return null; }
  if (!value || typeof value !== 'object' || Array.isArray(value)) return null;
  const v = value as Record<string, unknown>;
  const s = (k: string) => (typeof v[k] === 'string' ? (v[k] as string) : undefined);
  const type = s('Type');
  if (!type || !TYPES.includes(type as SnsType)) return null;
  const required = ['MessageId', 'TopicArn', 'Message', 'Timestamp', 'SignatureVersion', 'Signature', 'SigningCertURL'];
  if (required.some((k) => s(k) === undefined)) return null;
  if (type !== 'Notification' && (s('SubscribeURL') === undefined || s('Token') === undefined)) return null;
  return {
    Type: type as SnsType, MessageId: s('MessageId')!, TopicArn: s('TopicArn')!, Message: s('Message')!, Timestamp: s('Timestamp')!,
    SignatureVersion: s('SignatureVersion')!, Signature: s('Signature')!, SigningCertURL: s('SigningCertURL')!,
    Subject: s('Subject'), SubscribeURL: s('SubscribeURL'), Token: s('Token'),
  };
}

export function snsStringToSign(m: SnsMessage): string {
  const fields: [string, string | undefined][] = m.Type === 'Notification'
    ? [['Message', m.Message], ['MessageId', m.MessageId], ['Subject', m.Subject], ['Timestamp', m.Timestamp], ['TopicArn', m.TopicArn], ['Type', m.Type]]
    : [['Message', m.Message], ['MessageId', m.MessageId], ['SubscribeURL', m.SubscribeURL], ['Timestamp', m.Timestamp], ['Token', m.Token], ['TopicArn', m.TopicArn], ['Type', m.Type]];
  return fields.filter(([, value]) => value !== undefined).map(([name, value]) => `${name}\n${value}\n`).join('');
}

/** Whether a URL named by an SNS message (certificate, subscribe URL) may be fetched. */
export function snsUrlAllowed(url: string, extraPrefixes: readonly string[]): boolean {
  if (extraPrefixes.some((p) => p.length > 0 && url.startsWith(p))) return true;
  let parsed: URL;
  try { parsed = new URL(url); } catch { return false; }
  return parsed.protocol === 'https:' && parsed.port === '' && !parsed.username && !parsed.password && AWS_SNS_HOST.test(parsed.hostname);
}

export class SnsVerifier {
  private readonly certs = new Map<string, crypto.X509Certificate>();

  constructor(private readonly extraPrefixes: readonly string[], private readonly timeoutMs: number) {}

  /** True when the message's signature verifies with its allowed, valid SNS certificate. */
  async verify(m: SnsMessage): Promise<boolean> {
    const algorithm = m.SignatureVersion === '1' ? 'RSA-SHA1' : m.SignatureVersion === '2' ? 'RSA-SHA256' : null;
    if (!algorithm || !snsUrlAllowed(m.SigningCertURL, this.extraPrefixes)) return false;
    const cert = await this.certificate(m.SigningCertURL);
    if (!cert) return false;
    const now = Date.now();
    if (now < Date.parse(cert.validFrom) || now > Date.parse(cert.validTo)) return false;
    try {
      return crypto.verify(algorithm, Buffer.from(snsStringToSign(m), 'utf8'), cert.publicKey, Buffer.from(m.Signature, 'base64'));
    } catch {
      return false;
    }
  }

  /** Visits the SubscribeURL of a verified SubscriptionConfirmation (only an allowed SNS URL). */
  async confirm(m: SnsMessage): Promise<boolean> {
    if (!m.SubscribeURL || !snsUrlAllowed(m.SubscribeURL, this.extraPrefixes)) return false;
    const res = await fetch(m.SubscribeURL, { signal: AbortSignal.timeout(this.timeoutMs), redirect: 'error' }).catch(() => null);
    return !!res?.ok;
  }

  private async certificate(url: string): Promise<crypto.X509Certificate | null> {
    const cached = this.certs.get(url);
    if (cached) return cached;
    const res = await fetch(url, { signal: AbortSignal.timeout(this.timeoutMs), redirect: 'error' }).catch(() => null);
    if (!res?.ok) return null;
    const pem = await res.text();
    if (pem.length > 16_384) return null;
    let cert: crypto.X509Certificate;
    try { cert = new crypto.X509Certificate(pem); } catch { return null; }
    if (this.certs.size > 100) this.certs.clear();
    this.certs.set(url, cert);
    return cert;
  }
}

/** An SES event (identity notification or configuration-set event) carried in an SNS Notification. */
export interface SesReport { messageId: string; status: 'DELIVERED' | 'BOUNCED'; detail: string | null }

export function sesReportOf(message: string): SesReport | null {
  let value: unknown;
  try { value = JSON.parse(message); } catch { return null; }
  const obj = (v: unknown): Record<string, unknown> => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {});
  const event = obj(value);
  const kind = typeof event.notificationType === 'string' ? event.notificationType : event.eventType;
  const messageId = obj(event.mail).messageId;
  if (typeof messageId !== 'string' || messageId.length === 0 || messageId.length > 200) return null;
  if (kind === 'Delivery') return { messageId, status: 'DELIVERED', detail: null };
  if (kind === 'Bounce') {
    const bounce = obj(event.bounce);
    const type = [bounce.bounceType, bounce.bounceSubType].filter((x): x is string => typeof x === 'string').join('/').slice(0, 60);
    return { messageId, status: 'BOUNCED', detail: `ses: bounce${type ? ` ${type}` : ''}` };
  }
  return null;
}
