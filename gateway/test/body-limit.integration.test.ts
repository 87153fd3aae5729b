/**
 * Body size: the gateway takes at most MAX_BODY_BYTES (1 MiB, the subgraphs' own limit, see
 * src/body-limit.ts) and answers a larger body with a typed 413, whether its length is announced
 * or it comes chunked, in the caller's language. (That a subgraph takes what the gateway takes is
 * checked against the real subgraphs in e2e/gateway-edges.e2e.test.ts.)
 */
import http from 'node:http';
import { MAX_BODY_BYTES } from '../src/body-limit';
import { startWorld, type World } from './support';

let world: World;
beforeAll(async () => { world = await startWorld({ allowAnonymous: true, apiKeys: false }); });
afterAll(async () => { await world?.stop(); });
beforeEach(() => world.resetCalls());

/** `{ greeting }` with an (ignored) extension padding the JSON body to exactly `bytes` bytes. */
function bodyOf(bytes: number): string {
  const empty = JSON.stringify({ query: '{ greeting }', extensions: { pad: '' } });
  return JSON.stringify({ query: '{ greeting }', extensions: { pad: 'x'.repeat(bytes - Buffer.byteLength(empty)) } });
}

function send(body: string, options: { chunked?: boolean; headers?: Record<string, string> } = {}): Promise<{ status: number; body: any; contentType: string | undefined }> {
  const url = new URL(world.gateway.url);
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: url.hostname, port: url.port, path: url.pathname, method: 'POST',
      headers: { 'content-type': 'application/json', ...(options.chunked ? {} : { 'content-length': String(Buffer.byteLength(body)) }), ...options.headers },
    }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => { text += c; });
      res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(text), contentType: res.headers['content-type'] }));
    });
    req.on('error', reject);
    if (options.chunked) {
      // Several writes without a content-length: transfer-encoding chunked.
      for (let i = 0; i < body.length; i += 64 * 1024) req.write(body.slice(i, i + 64 * 1024));
      req.end();
    } else req.end(body);
  });
}

describe('request body size', () => {
  it('is 1 MiB, the same as a subgraph accepts', () => {
    expect(MAX_BODY_BYTES).toBe(1024 * 1024);
  });

  it('runs a body of exactly the limit', async () => {
    const r = await send(bodyOf(MAX_BODY_BYTES));
    expect(r).toMatchObject({ status: 200, body: { data: { greeting: 'hello' } } });
  });

  it('answers one byte more with a typed 413 before reading it, announced or chunked', async () => {
    for (const chunked of [false, true]) {
      const r = await send(bodyOf(MAX_BODY_BYTES + 1), { chunked });
      expect({ chunked, status: r.status, contentType: r.contentType }).toEqual({ chunked, status: 413, contentType: 'application/json; charset=utf-8' });
      expect(r.body).toEqual({ errors: [{ message: `Request body is larger than the limit of ${MAX_BODY_BYTES} bytes`, extensions: { code: 'PAYLOAD_TOO_LARGE', maxBytes: MAX_BODY_BYTES } }] });
    }
    expect(world.calls.audit).toBe(0);
  });

  it('says it in Spanish, with the limit, to a Spanish caller', async () => {
    const r = await send(bodyOf(MAX_BODY_BYTES + 1), { headers: { 'accept-language': 'es' } });
    expect(r.status).toBe(413);
    expect(r.body.errors[0]).toEqual({ message: `El cuerpo de la solicitud supera el máximo de ${MAX_BODY_BYTES} bytes.`, extensions: { code: 'PAYLOAD_TOO_LARGE', maxBytes: MAX_BODY_BYTES } });
  });
});
