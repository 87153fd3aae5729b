/**
 * The local token issuer's signing key: an Ed25519 pair generated at first start into the
 * git-ignored state folder. Never committed; a new clone gets its own key.
 */
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import { exportJWK, generateKeyPair, importJWK, type JWK, type CryptoKey } from 'jose';
import { localStateDir } from '../config';

export interface SigningKey {
  kid: string;
  alg: 'EdDSA';
  privateKey: CryptoKey;
  publicJwk: JWK;
}

export async function loadOrCreateSigningKey(dir = path.join(localStateDir(), 'keys')): Promise<SigningKey> {
  const file = path.join(dir, 'issuer-ed25519.json');
  if (!fs.existsSync(file)) {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const { privateKey, publicKey } = await generateKeyPair('EdDSA', { extractable: true, crv: 'Ed25519' });
    const kid = crypto.randomBytes(8).toString('hex');
    const body = JSON.stringify({ kid, privateJwk: await exportJWK(privateKey), publicJwk: await exportJWK(publicKey) });
    try {
      // 'wx' fails if another process created it meanwhile; then we read theirs.
      fs.writeFileSync(file, body, { mode: 0o600, flag: 'wx' });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
  const stored = JSON.parse(fs.readFileSync(file, 'utf8')) as { kid: string; privateJwk: JWK; publicJwk: JWK };
  const privateKey = (await importJWK(stored.privateJwk, 'EdDSA')) as CryptoKey;
  return { kid: stored.kid, alg: 'EdDSA', privateKey, publicJwk: { ...stored.publicJwk, kid: stored.kid, alg: 'EdDSA', use: 'sig' } };
}

export function jwksOf(...keys: SigningKey[]): { keys: JWK[] } {
  return { keys: keys.map((k) => k.publicJwk) };
}
