/**
 * A local HTTP server that plays the part of S3 this subgraph uses (path-style): presigned PUT (it
 * checks the SigV4 query and the signed checksum header, and answers BadDigest when the bytes do
 * not match the declared SHA-256, as S3 does), HeadObject (with the checksum) and presigned GET.
 */
import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeS3 { url: string; objects: Map<string, { body: Buffer; checksum: string; contentType: string }>; requests: { method: string; path: string; signedHeaders: string | null; authorization: string | null }[]; close(): Promise<void> }

export async function startFakeS3(bucket: string): Promise<FakeS3> {
  const objects: FakeS3['objects'] = new Map();
  const requests: FakeS3['requests'] = [];
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://s3.local');
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      requests.push({ method: req.method ?? '', path: url.pathname, signedHeaders: url.searchParams.get('X-Amz-SignedHeaders'), authorization: req.headers.authorization ?? null });
      const prefix = `/${bucket}/`;
      if (!url.pathname.startsWith(prefix)) { res.writeHead(404).end('<Error><Code>NoSuchBucket</Code></Error>'); return; }
      const key = decodeURIComponent(url.pathname.slice(prefix.length));
      const presigned = url.searchParams.get('X-Amz-Algorithm') === 'AWS4-HMAC-SHA256' && !!url.searchParams.get('X-Amz-Signature');
      if (req.method === 'PUT') {
        if (!presigned) { res.writeHead(403).end('<Error><Code>AccessDenied</Code></Error>'); return; }
        const body = Buffer.concat(chunks);
        const declared = String(req.headers['x-amz-checksum-sha256'] ?? '');
        if (!declared || crypto.createHash('sha256').update(body).digest('base64') !== declared) { res.writeHead(400).end('<Error><Code>BadDigest</Code></Error>'); return; }
        objects.set(key, { body, checksum: declared, contentType: String(req.headers['content-type'] ?? '') });
        res.writeHead(200, { etag: '"e1"', 'x-amz-checksum-sha256': declared }).end();
        return;
      }
      const obj = objects.get(key);
      if (req.method === 'HEAD') {
        if (!req.headers.authorization?.startsWith('AWS4-HMAC-SHA256 Credential=test/')) { res.writeHead(403).end(); return; }
        if (!obj) { res.writeHead(404).end(); return; }
        const headers: Record<string, string> = { 'content-length': String(obj.body.length), 'content-type': obj.contentType, etag: '"e1"' };
        if (req.headers['x-amz-checksum-mode'] === 'ENABLED') headers['x-amz-checksum-sha256'] = obj.checksum;
        res.writeHead(200, headers).end();
        return;
      }
      if (req.method === 'GET' && presigned && obj) { res.writeHead(200, { 'content-type': obj.contentType }).end(obj.body); return; }
      res.writeHead(404).end('<Error><Code>NoSuchKey</Code></Error>');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, objects, requests, close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }) };
}
