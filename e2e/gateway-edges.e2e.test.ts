/**
 * The gateway's edges against the real subgraphs: its body size limit is not larger than what a
 * subgraph takes (a body of exactly the gateway's limit is accepted by identity itself), and an
 * over-limit body gets the gateway's typed 413, in Spanish when asked.
 */
import { MAX_BODY_BYTES } from '../gateway/src/body-limit';
import { startPlatform, type Platform } from './harness';

/** `{ __typename }` with an (ignored) extension padding the JSON body to exactly `bytes` bytes. */
function bodyOf(bytes: number): string {
  const empty = JSON.stringify({ query: '{ __typename }', extensions: { pad: '' } });
  return JSON.stringify({ query: '{ __typename }', extensions: { pad: 'x'.repeat(bytes - Buffer.byteLength(empty)) } });
}

const post = async (url: string, body: string, headers: Record<string, string> = {}) => {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  const text = await res.text();
  return { status: res.status, text };
};

describe('gateway edges against the real subgraphs', () => {
  let p: Platform;
  beforeAll(async () => { p = await startPlatform({ label: 'e2eedges' }); });
  afterAll(async () => { await p?.stop(); });

  test('a subgraph takes a body as large as the gateway takes (the gateway\'s limit is not larger)', async () => {
    const atLimit = bodyOf(MAX_BODY_BYTES);
    const direct = await post(p.identityUrl, atLimit);
    expect(direct.status).not.toBe(413);
    expect(JSON.parse(direct.text)).toEqual({ data: { __typename: 'Query' } });
    const through = await post(p.gatewayUrl, atLimit);
    expect(JSON.parse(through.text)).toEqual({ data: { __typename: 'Query' } });
  });

  test('one byte more is the gateway\'s typed 413, in Spanish for a Spanish caller', async () => {
    const over = bodyOf(MAX_BODY_BYTES + 1);
    const en = await post(p.gatewayUrl, over);
    expect(en.status).toBe(413);
    expect(JSON.parse(en.text)).toEqual({ errors: [{ message: `Request body is larger than the limit of ${MAX_BODY_BYTES} bytes`, extensions: { code: 'PAYLOAD_TOO_LARGE', maxBytes: MAX_BODY_BYTES } }] });
    const es = await post(p.gatewayUrl, over, { 'accept-language': 'es-MX' });
    expect(JSON.parse(es.text).errors[0].message).toBe(`El cuerpo de la solicitud supera el máximo de ${MAX_BODY_BYTES} bytes.`);
  });
});
