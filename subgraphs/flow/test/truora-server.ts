/**
 * A local HTTP server that plays Truora's Checks API for tests: POST /v1/checks (form-encoded,
 * Truora-API-Key) creates a check that answers `in_progress` to its first read and `completed` to
 * the next (GET /v1/checks/{id}); persona by national_id: ...9003 identity not found, ...9004 dead,
 * ...9005 the check ends in `error`, else found with score 0.92. Creation is de-duplicated per
 * national_id as Truora does. Records every request; `script` answers statuses to the next requests.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface TruoraRequest { method: string; path: string; apiKey: string | undefined; contentType: string | undefined; form: Record<string, string> }

export interface FakeTruora {
  url: string;
  requests: TruoraRequest[];
  keys: string[];
  script: number[];
  close(): Promise<void>;
}

export async function startFakeTruora(): Promise<FakeTruora> {
  const state = { requests: [] as TruoraRequest[], keys: ['truora-key'], script: [] as number[] };
  const checks = new Map<string, { id: string; nationalId: string; reads: number }>();
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => { raw += c; });
    req.on('end', () => {
      const form = Object.fromEntries(new URLSearchParams(raw));
      const apiKey = typeof req.headers['truora-api-key'] === 'string' ? req.headers['truora-api-key'] : undefined;
      state.requests.push({ method: req.method ?? '', path: req.url ?? '', apiKey, contentType: req.headers['content-type'], form });
      const json = (status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      const scripted = state.script.shift();
      if (scripted) { json(scripted, { code: scripted, message: 'scripted' }); return; }
      if (!apiKey || !state.keys.includes(apiKey)) { json(401, { code: 401, message: 'Unauthorized' }); return; }
      const view = (c: { id: string; nationalId: string; reads: number }) => {
        const done = c.reads > 1;
        const persona = c.nationalId.slice(-4);
        const status = !done ? 'in_progress' : persona === '9005' ? 'error' : 'completed';
        const identity = persona === '9003' ? 'not_found' : persona === '9004' ? 'dead' : 'found';
        return { check: { check_id: c.id, country: 'CO', type: 'person', national_id: c.nationalId, status, score: done ? (identity === 'found' ? 0.92 : 0.1) : -1, summary: { identity_status: done ? identity : undefined, names_found: [] }, statuses: [] }, details: `/v1/checks/${c.id}/details`, self: `/v1/checks/${c.id}` };
      };
      if (req.method === 'POST' && req.url === '/v1/checks') {
        if (req.headers['content-type'] !== 'application/x-www-form-urlencoded' || !form.national_id || !form.country || !form.type) { json(400, { code: 400, message: 'missing fields' }); return; }
        if (form.user_authorized !== 'true') { json(400, { code: 400, message: 'user_authorized is required' }); return; }
        let c = [...checks.values()].find((x) => x.nationalId === form.national_id && form.force_creation !== 'true');
        if (!c) { c = { id: `CHK${String(checks.size + 1).padStart(6, '0')}`, nationalId: form.national_id, reads: 0 }; checks.set(c.id, c); }
        c.reads += 1;
        json(201, view(c));
        return;
      }
      const m = /^\/v1\/checks\/([A-Za-z0-9]+)$/.exec(req.url ?? '');
      if (req.method === 'GET' && m && checks.has(m[1]!)) {
        const c = checks.get(m[1]!)!;
        c.reads += 1;
        json(200, view(c));
        return;
      }
      json(404, { code: 404, message: 'not found' });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return Object.assign(state, {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }),
  });
}
