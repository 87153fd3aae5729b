/**
 * Local filesystem storage (the embedded default): objects under `<IMAGY_STATE_DIR>/flow-files/`,
 * reached through signed URLs served by the subgraph itself:
 *
 *   PUT {origin}/flow/files/<tenant>/<file>?ct=<type>&max=<bytes>&exp=<unix s>&sig=<HMAC>
 *   GET {origin}/flow/files/<tenant>/<file>?exp=<unix s>&sig=<HMAC>
 *
 * `sig` is base64url HMAC-SHA256 (installation secret FLOW_STORAGE_SECRET, else generated into
 * `.imagy/keys/flow-storage.key`) over `op\nkey\nct\nmax\nexp`. An upload must carry exactly the
 * signed content type, is cut off beyond the signed size, is hashed while it streams (SHA-256), and
 * happens once: the file row records size, hash and time (`onUploaded`). Expired or tampered URLs are
 * refused (403) before any byte is read.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type express from 'express';
import { OBJECT_KEY, type PresignedUpload, type StorageAdapter } from './storage';

export const URL_TTL_SECONDS = 15 * 60;

export interface UploadedFacts { tenantId: string; fileId: string; sizeBytes: number; sha256: string; contentType: string }

export class LocalFileStorage implements StorageAdapter {
  readonly name = 'local';
  readonly needsChecksum = false;

  constructor(private readonly root: string, private readonly secret: Buffer, private readonly now: () => number = () => Date.now()) {}

  private sign(op: 'put' | 'get', key: string, ct: string, max: number, exp: number): string {
    return crypto.createHmac('sha256', this.secret).update(`${op}\n${key}\n${ct}\n${max}\n${exp}`).digest('base64url');
  }

  /** Whether a signature is this installation's for exactly these parameters and has not expired. */
  verify(op: 'put' | 'get', key: string, ct: string, max: number, exp: number, sig: string): boolean {
    if (!Number.isInteger(exp) || exp * 1000 < this.now()) return false;
    const expected = Buffer.from(this.sign(op, key, ct, max, exp));
    const given = Buffer.from(sig);
    return given.length === expected.length && crypto.timingSafeEqual(given, expected);
  }

  async presignUpload(key: string, contentType: string, maxBytes: number, origin: string): Promise<PresignedUpload> {
    const exp = Math.floor(this.now() / 1000) + URL_TTL_SECONDS;
    const q = new URLSearchParams({ ct: contentType, max: String(maxBytes), exp: String(exp), sig: this.sign('put', key, contentType, maxBytes, exp) });
    return { url: `${origin}/flow/files/${key}?${q}`, method: 'PUT', headers: { 'content-type': contentType }, expiresAt: new Date(exp * 1000).toISOString() };
  }

  async presignDownload(key: string, origin: string): Promise<{ url: string; expiresAt: string }> {
    const exp = Math.floor(this.now() / 1000) + URL_TTL_SECONDS;
    const q = new URLSearchParams({ exp: String(exp), sig: this.sign('get', key, '', 0, exp) });
    return { url: `${origin}/flow/files/${key}?${q}`, expiresAt: new Date(exp * 1000).toISOString() };
  }

  private file(key: string): string {
    return path.join(this.root, ...key.split('/'));
  }

  /** The express routes of the signed URLs; `onUploaded` records the facts (and refuses a second upload). */
  routes(app: express.Express, onUploaded: (facts: UploadedFacts) => Promise<boolean>): void {
    app.put('/flow/files/:tenant/:file', (req, res) => {
      const key = `${req.params.tenant}/${req.params.file}`;
      const m = OBJECT_KEY.exec(key);
      const ct = String(req.query.ct ?? '');
      const max = Number(req.query.max);
      const exp = Number(req.query.exp);
      if (!m || !this.verify('put', key, ct, max, exp, String(req.query.sig ?? ''))) { res.status(403).json({ error: 'URL_INVALID_OR_EXPIRED' }); return; }
      if ((req.headers['content-type'] ?? '') !== ct) { res.status(415).json({ error: 'CONTENT_TYPE_MISMATCH' }); return; }
      const target = this.file(key);
      fs.mkdirSync(path.dirname(target), { recursive: true });
      const temporary = `${target}.${crypto.randomBytes(6).toString('hex')}.part`;
      const out = fs.createWriteStream(temporary, { flags: 'wx' });
      const hash = crypto.createHash('sha256');
      let size = 0;
      let failed = false;
      const fail = (status: number, error: string) => {
        if (failed) return;
        failed = true;
        out.destroy();
        fs.rmSync(temporary, { force: true });
        res.status(status).json({ error });
        req.resume();
      };
      req.on('data', (chunk: Buffer) => {
        if (failed) return;
        size += chunk.length;
        if (size > max) { fail(413, 'TOO_LARGE'); return; }
        hash.update(chunk);
        out.write(chunk);
      });
      req.on('error', () => fail(400, 'UPLOAD_ABORTED'));
      req.on('end', () => {
        if (failed) return;
        out.end(async () => {
          try {
            const sha256 = hash.digest('hex');
            const recorded = await onUploaded({ tenantId: m[1]!, fileId: m[2]!, sizeBytes: size, sha256, contentType: ct });
            if (!recorded) { fs.rmSync(temporary, { force: true }); res.status(409).json({ error: 'ALREADY_UPLOADED' }); return; }
            fs.renameSync(temporary, target);
            res.status(201).json({ sha256, sizeBytes: size });
          } catch {
            fs.rmSync(temporary, { force: true });
            if (!res.headersSent) res.status(500).json({ error: 'STORE_FAILED' });
          }
        });
      });
    });
    app.get('/flow/files/:tenant/:file', (req, res) => {
      const key = `${req.params.tenant}/${req.params.file}`;
      if (!OBJECT_KEY.test(key) || !this.verify('get', key, '', 0, Number(req.query.exp), String(req.query.sig ?? ''))) { res.status(403).json({ error: 'URL_INVALID_OR_EXPIRED' }); return; }
      const target = this.file(key);
      if (!fs.existsSync(target)) { res.status(404).json({ error: 'NOT_FOUND' }); return; }
      res.setHeader('content-type', 'application/octet-stream');
      res.setHeader('x-content-type-options', 'nosniff');
      fs.createReadStream(target).pipe(res);
    });
  }
}
