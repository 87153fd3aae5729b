import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { decryptJson, deriveKeys, encryptJson, loadOrCreateSecretKey } from './secrets';

describe('secrets', () => {
  test('credentials round-trip and cannot be moved to another tenant row or altered', () => {
    const { encryption } = deriveKeys(crypto.randomBytes(32));
    const sealed = encryptJson(encryption, { authToken: 'secret-token' }, 't1/SMS');
    expect(sealed).not.toContain('secret-token');
    expect(decryptJson(encryption, sealed, 't1/SMS')).toEqual({ authToken: 'secret-token' });
    expect(() => decryptJson(encryption, sealed, 't2/SMS')).toThrow();
    const parts = sealed.split('.');
    parts[3] = Buffer.from('{"authToken":"other"}').toString('base64url');
    expect(() => decryptJson(encryption, parts.join('.'), 't1/SMS')).toThrow();
  });

  test('a dev key is generated once into the state folder and then reused', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'notif-key-'));
    const saved = process.env.NOTIFICATIONS_SECRET_KEY;
    delete process.env.NOTIFICATIONS_SECRET_KEY;
    try {
      const first = loadOrCreateSecretKey(dir);
      expect(first.length).toBe(32);
      expect(loadOrCreateSecretKey(dir).equals(first)).toBe(true);
      expect(fs.statSync(path.join(dir, 'notifications-secret.key')).mode & 0o077).toBe(0);
    } finally {
      if (saved !== undefined) process.env.NOTIFICATIONS_SECRET_KEY = saved;
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
