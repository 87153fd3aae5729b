/**
 * A local HTTP server that plays DocuSeal's API for tests: `POST /api/submissions/pdf` with the
 * X-Auth-Token key answers a submission with one submitter per given submitter (ids, slugs,
 * external_id echoed), as DocuSeal documents it; every call is recorded.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface DocuSealCall { path: string; token: string | undefined; body: { name: string; order: string; send_email: boolean; documents: { name: string; file: string }[]; submitters: { role: string; name: string; email?: string; phone?: string; external_id: string }[] } }

export async function startDocuSealServer(apiKey: string) {
  const calls: DocuSealCall[] = [];
  let nextId = 5000;
  let failNext = false;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.method !== 'POST' || req.url !== '/api/submissions/pdf') { res.writeHead(404).end(); return; }
      if (req.headers['x-auth-token'] !== apiKey) { res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'Not authenticated' })); return; }
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as DocuSealCall['body'];
      calls.push({ path: req.url, token: req.headers['x-auth-token'] as string, body });
      if (failNext) { failNext = false; res.writeHead(422, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'Unprocessable' })); return; }
      const id = nextId++;
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({
        id, name: body.name, status: 'pending', source: 'api',
        submitters: body.submitters.map((s, i) => ({ id: id * 10 + i, submission_id: id, uuid: `uuid-${id}-${i}`, email: s.email ?? null, phone: s.phone ?? null, slug: `slug${id}${i}`, status: 'awaiting', role: s.role, external_id: s.external_id, embed_src: `https://docuseal.test/s/slug${id}${i}` })),
      }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api`,
    calls,
    failOnce() { failNext = true; },
    stop: () => new Promise<void>((r) => server.close(() => r())),
  };
}
