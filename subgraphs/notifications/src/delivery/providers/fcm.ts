/**
 * Firebase Cloud Messaging HTTP v1: `POST {baseUrl}/v1/projects/{projectId}/messages:send` with
 * `{ message: { token, notification: { title, body }, data } }` and an OAuth2 access token from
 * the service account: a JWT (RS256, `iss` = client_email, `scope` firebase.messaging, `aud` = token
 * URI) exchanged at the token endpoint (`grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer`),
 * cached until a minute before it expires. Both URLs can be pointed elsewhere (settings.baseUrl,
 * settings.tokenUri or the service account's token_uri) and obey the outbound rules. 404/400
 * (UNREGISTERED, INVALID_ARGUMENT) fail over; 429 and 5xx retry.
 */
import crypto from 'node:crypto';
import { postProvider } from './http-json';
import { httpError, ProviderError, str, type ProviderAdapter } from './provider';
import type { OutboundPolicy } from '../../common/outbound';

export const FCM_API = 'https://fcm.googleapis.com';
export const GOOGLE_TOKEN_URI = 'https://oauth2.googleapis.com/token';
export const FCM_SCOPE = 'https://www.googleapis.com/auth/firebase.messaging';

interface ServiceAccount { client_email: string; private_key: string; token_uri?: string }

const b64url = (v: string | Buffer) => Buffer.from(v).toString('base64url');

export function serviceAccountJwt(account: ServiceAccount, tokenUri: string, now = Math.floor(Date.now() / 1000)): string {
  const header = b64url(JSON.stringify({ alg: 'RS256', typ: 'JWT' }));
  const claims = b64url(JSON.stringify({ iss: account.client_email, scope: FCM_SCOPE, aud: tokenUri, iat: now, exp: now + 3600 }));
  const signature = crypto.sign('RSA-SHA256', Buffer.from(`${header}.${claims}`), account.private_key);
  return `${header}.${claims}.${b64url(signature)}`;
}

const tokens = new Map<string, { token: string; until: number }>();

async function accessToken(policy: OutboundPolicy, account: ServiceAccount, tokenUri: string): Promise<string> {
  const key = `${account.client_email}|${tokenUri}|${crypto.createHash('sha256').update(account.private_key).digest('hex')}`;
  const cached = tokens.get(key);
  if (cached && cached.until > Date.now()) return cached.token;
  const form = new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion: serviceAccountJwt(account, tokenUri) });
  const res = await postProvider(policy, tokenUri, { 'content-type': 'application/x-www-form-urlencoded' }, form.toString());
  const token = str(res.json?.access_token);
  if (res.status !== 200 || !token) throw httpError(res.status === 200 ? 502 : res.status, res.headers['retry-after'], `token endpoint: ${String(res.json?.error ?? '')}`);
  const seconds = typeof res.json?.expires_in === 'number' ? res.json.expires_in : 3600;
  tokens.set(key, { token, until: Date.now() + Math.max(0, seconds - 60) * 1000 });
  return token;
}

function accountOf(credentials: Record<string, unknown>): ServiceAccount | null {
  const raw = credentials.serviceAccount;
  const a = typeof raw === 'string' ? (() => { try { return JSON.parse(raw) as unknown; } catch { return null; } })() : raw;
  if (!a || typeof a !== 'object') return null;
  const o = a as Record<string, unknown>;
  const email = str(o.client_email);
  const key = str(o.private_key);
  return email && key ? { client_email: email, private_key: key, token_uri: str(o.token_uri) ?? undefined } : null;
}

export const fcmProvider: ProviderAdapter = {
  name: 'fcm',
  channels: ['PUSH'],
  check(settings, credentials) {
    if (!str(settings.projectId)) return 'settings.projectId is required';
    const account = accountOf(credentials);
    if (!account) return 'credentials.serviceAccount must be the service account JSON (client_email, private_key)';
    try { crypto.createPrivateKey(account.private_key); } catch { return 'credentials.serviceAccount.private_key is not a PEM private key'; }
    return null;
  },
  async send(message, { settings, credentials, outbound }) {
    const account = accountOf(credentials);
    const projectId = str(settings.projectId);
    if (!account || !projectId) throw new ProviderError('settings incomplete', false);
    const tokenUri = str(settings.tokenUri) ?? account.token_uri ?? GOOGLE_TOKEN_URI;
    const token = await accessToken(outbound, account, tokenUri);
    const base = (str(settings.baseUrl) ?? FCM_API).replace(/\/+$/, '');
    const body = JSON.stringify({ message: { token: message.recipient, notification: { title: message.subject ?? str(settings.title) ?? '', body: message.body }, data: { requestId: message.requestId, templateKey: message.templateKey } } });
    const res = await postProvider(outbound, `${base}/v1/projects/${encodeURIComponent(projectId)}/messages:send`, { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body);
    if (res.status === 200) {
      const name = str(res.json?.name);
      if (!name) throw new ProviderError('answered without a message name', true);
      return { providerMessageId: name };
    }
    const error = res.json?.error && typeof res.json.error === 'object' ? (res.json.error as { status?: unknown; message?: unknown }) : null;
    throw httpError(res.status, res.headers['retry-after'], error ? `${String(error.status ?? '')} ${String(error.message ?? '')}`.trim() : '');
  },
};
