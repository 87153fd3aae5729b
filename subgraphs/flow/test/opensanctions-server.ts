/**
 * A local HTTP server that plays the OpenSanctions matching API (POST /match/{dataset}) for tests:
 * it records every request and answers from a script of statuses (then 200), or stalls.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest { method: string; path: string; authorization: string | undefined; body: any }

export interface FakeOpenSanctions {
  url: string;
  requests: RecordedRequest[];
  /** Statuses to answer before answering normally (e.g. [429] or [500, 500, 500]). */
  script: number[];
  /** While true, every request gets 503. */
  down: boolean;
  /** While true, requests never get an answer (the caller's timeout must act). */
  stall: boolean;
  /** The API keys it accepts (`Authorization: ApiKey <key>`). */
  keys: string[];
  close(): Promise<void>;
}

export async function startFakeOpenSanctions(): Promise<FakeOpenSanctions> {
  const state: Omit<FakeOpenSanctions, 'url' | 'close'> = { requests: [], script: [], down: false, stall: false, keys: ['test-key'] };
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => { raw += c; });
    req.on('end', () => {
      let body: any = null;
      try { body = JSON.parse(raw); } catch { /* recorded as null */ }
      state.requests.push({ method: req.method ?? '', path: req.url ?? '', authorization: req.headers.authorization, body });
      if (state.stall) return;
      const scripted = state.script.shift();
      const status = state.down ? 503 : scripted ?? 200;
      if (status !== 200) { res.writeHead(status, { 'content-type': 'application/json' }).end('{"detail":"scripted"}'); return; }
      if (req.method !== 'POST' || !/^\/match\/[A-Za-z0-9_-]+$/.test(req.url ?? '') || !state.keys.some((k) => req.headers.authorization === `ApiKey ${k}`)) { res.writeHead(401).end('{"detail":"no"}'); return; }
      const name: string = body?.queries?.q1?.properties?.name?.[0] ?? '';
      const listed = /sanctioned/i.test(name);
      const results = listed
        ? [{ id: 'NK-abc', caption: 'Sanctioned Person', schema: 'Person', score: 0.93, match: true, datasets: ['us_ofac_sdn'] }, { id: 'Q1', caption: 'Someone Else', score: 0.41, match: false, datasets: ['wikidata'] }]
        : [{ id: 'Q2', caption: 'Unrelated', score: 0.12, match: false, datasets: ['wikidata'] }];
      res.writeHead(200, { 'content-type': 'application/json', 'x-request-id': `os-${state.requests.length}` })
        .end(JSON.stringify({ responses: { q1: { status: 200, results, total: { value: results.length, relation: 'eq' }, query: body?.queries?.q1 } }, limit: 5 }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return Object.assign(state, {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }),
  }) as FakeOpenSanctions;
}
