/**
 * The notifications secret key (32 bytes): encrypts provider credentials at rest (AES-256-GCM) and
 * keys the recipient hashes. From NOTIFICATIONS_SECRET_KEY (base64), else generated at first start
 * into the git-ignored state folder (`.imagy/keys/notifications-secret.key`), like identity's dev
 * signing key. Never committed, never logged.
 */
import path from 'node:path';
import { deriveKey } from '@imagy/platform/crypto';
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
  return { encryption: deriveKey(secret, 'imagy notifications credentials'), recipients: deriveKey(secret, 'imagy notifications recipients') };
}

/** `v1.<iv>.<tag>.<ciphertext>` (base64url), bound to the row's tenant and channel as associated data (platform crypto). */
export { sealJson as encryptJson, openJson as decryptJson } from '@imagy/platform/crypto';
