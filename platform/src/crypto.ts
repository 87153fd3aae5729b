/**
 * Secrets at rest: AES-256-GCM sealing of a JSON value bound to associated data (e.g. the row's
 * tenant and key, so a sealed value copied to another row does not open), and HKDF derivation of
 * purpose keys from one installation secret (`installationSecret`, config.ts). Subgraphs keep
 * provider credentials with it (notifications' channel configs, flow's provider secrets).
 */
import crypto from 'node:crypto';

/** A 32-byte key for one purpose (`info`), derived from the installation secret. */
export function deriveKey(secret: Buffer, info: string): Buffer {
  if (secret.length < 32) throw new Error('the secret must have at least 32 bytes');
  return Buffer.from(crypto.hkdfSync('sha256', secret, Buffer.alloc(0), info, 32));
}

/** `v1.<iv>.<tag>.<ciphertext>` (base64url), bound to `aad`. */
export function sealJson(key: Buffer, value: unknown, aad: string): string {
  const iv = crypto.randomBytes(12);
  const cipher = crypto.createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(aad));
  const data = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
  return ['v1', iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), data.toString('base64url')].join('.');
}

/** Opens what sealJson sealed with the same key and `aad`; throws on any other key, aad or a changed byte. */
export function openJson<T>(key: Buffer, sealed: string, aad: string): T {
  const [v, iv, tag, data] = sealed.split('.');
  if (v !== 'v1' || !iv || !tag || data === undefined) throw new Error('unknown sealed format');
  const decipher = crypto.createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
  decipher.setAAD(Buffer.from(aad));
  decipher.setAuthTag(Buffer.from(tag, 'base64url'));
  return JSON.parse(Buffer.concat([decipher.update(Buffer.from(data, 'base64url')), decipher.final()]).toString('utf8')) as T;
}
