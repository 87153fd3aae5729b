/**
 * The notifications secret key (32 bytes): encrypts provider credentials at rest (AES-256-GCM) and
 * keys the recipient hashes. From NOTIFICATIONS_SECRET_KEY (base64), else generated at first start
 * into the git-ignored state folder (`.imagy/keys/notifications-secret.key`), like identity's dev
 * signing key. Never committed, never logged.
 */
import crypto from 'node:crypto';
import path from 'node:path';
import { localStateDir, installationSecret } from '@imagy/platform/config';

export function loadOrCreateSecretKey(dir = path.join(localStateDir(), 'keys')): Buffer {
  return keyOf(installationSecret('NOTIFICATIONS_SECRET_KEY', 'notifications-secret.key', dir));
}

function keyOf(key: Buffer): Buffer {
  if (key.length !== 32) throw new Error('NOTIFICATIONS_SECRET_KEY must be 32 bytes, base64-encoded');
  return key;
}

/** Two keys derived from the one secret: one encrypts, one hashes recipients. */
export interface SecretKeys { encryption: Buffer; recipients: Buffer }

export function deriveKeys(secret: Buffer): SecretKeys {
  const derive = (info: string) => Buffer.from(crypto.hkdfSync('sha256', secret, Buffer.alloc(0), info, 32));
  return { encryption: derive('imagy notifications credentials'), recipients: derive('imagy notifications recipients') };
}

/** `v1.<iv>.<tag>.<ciphertext>` (base64url), bound to the row's tenant and channel as associated data. */
export function encryptJson(key: Buffer, value: unknown, aad: string): string {
  const iv = crypto.randomBytes(12);
  const cipher = crypto.createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(aad));
  const data = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
  return ['v1', iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), data.toString('base64url')].join('.');
}

export function decryptJson<T>(key: Buffer, sealed: string, aad: string): T {
  const [v, iv, tag, data] = sealed.split('.');
  if (v !== 'v1' || !iv || !tag || data === undefined) throw new Error('unknown credentials format');
  const decipher = crypto.createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
  decipher.setAAD(Buffer.from(aad));
  decipher.setAuthTag(Buffer.from(tag, 'base64url'));
  return JSON.parse(Buffer.concat([decipher.update(Buffer.from(data, 'base64url')), decipher.final()]).toString('utf8')) as T;
}
