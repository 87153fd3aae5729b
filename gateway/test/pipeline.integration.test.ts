/**
 * One operation pipeline (src/pipeline.ts) for HTTP and graphql-ws: every rule refuses the same
 * operation with the same code on both paths, before any subgraph is asked, in English and in
 * Spanish. The gateway here is the one startGateway assembles (graphql-ws attached by it).
 */
import crypto from 'node:crypto';
import WebSocket from 'ws';
import { createClient } from 'graphql-ws';
import type { PersistedQueryManifest } from '../src/persisted-queries';
import { MAX_VARIABLE_ERRORS } from '../src/pipeline';
import { bearer, startWorld, type World } from './support';

const sha256 = (s: string) => crypto.createHash('sha256').update(s).digest('hex');
const GREETING = 'query Greeting { greeting }';
const manifest: PersistedQueryManifest = {
  format: 'apollo-persisted-query-manifest',
  version: 1,
  operations: [{ id: sha256(GREETING), name: 'Greeting', type: 'query', body: GREETING }],
};

let world: World;
beforeAll(async () => { world = await startWorld({ persistedQueries: manifest, limits: { maxDepth: 5, maxAliases: 2, maxTokens: 200 } }); });
afterAll(async () => { await world?.stop(); });
beforeEach(() => world.resetCalls());

interface Payload { query?: string; extensions?: Record<string, unknown> }
interface Refusal { code: string; message: string; extensions: Record<string, unknown> }

/** The first error the gateway answers a subscribe message with over graphql-ws. */
async function overWebSocket(payload: Payload, params: Record<string, unknown>): Promise<Refusal> {
  const client = createClient({ url: world.gateway.url.replace(/^http/, 'ws'), webSocketImpl: WebSocket, connectionParams: params, retryAttempts: 0, lazy: true });
  try {
    const outcome = await new Promise<unknown>((resolve) => {
      client.subscribe({ query: payload.query ?? '', extensions: payload.extensions }, { next: resolve, error: resolve, complete: () => resolve(null) });
    });
    const errors = (Array.isArray(outcome) ? outcome : (outcome as { errors?: unknown[] } | null)?.errors) as { message: string; extensions?: Record<string, unknown> }[] | undefined;
    const first = errors?.[0];
    if (!first) throw new Error(`no error over graphql-ws: ${JSON.stringify(outcome)}`);
    return { code: String(first.extensions?.code), message: first.message, extensions: first.extensions ?? {} };
  } finally {
    await client.dispose();
  }
}

async function overHttp(payload: Payload, headers: Record<string, string>): Promise<Refusal & { status: number }> {
  const res = await world.gql(payload, headers);
  const first = res.body.errors?.[0];
  if (!first) throw new Error(`no error over HTTP: ${JSON.stringify(res.body)}`);
  return { status: res.status, code: first.extensions?.code, message: first.message, extensions: first.extensions };
}

const deep = '{ nested { child { child { child { child { child { value } } } } } } }';
const aliased = '{ a: greeting b: greeting c: greeting }';
const longText = `{ greeting ${'__typename '.repeat(250)}}`;

describe('a rule of the pipeline applies on HTTP and on graphql-ws alike', () => {
  const cases: { name: string; payload: Payload; apiKey?: boolean; code: string; detail?: Record<string, unknown> }[] = [
    { name: 'an API key sending a body instead of a safelisted id', payload: { query: GREETING }, apiKey: true, code: 'PERSISTED_QUERY_ID_REQUIRED' },
    { name: 'an API key asking for an id not in the safelist', payload: { extensions: { persistedQuery: { version: 1, sha256Hash: 'c'.repeat(64) } } }, apiKey: true, code: 'PERSISTED_QUERY_NOT_IN_LIST' },
    { name: 'an operation over the depth limit', payload: { query: deep }, code: 'OPERATION_LIMIT_EXCEEDED', detail: { limit: 'maxDepth', max: 5, actual: 7 } },
    { name: 'an operation over the alias limit', payload: { query: aliased }, code: 'OPERATION_LIMIT_EXCEEDED', detail: { limit: 'maxAliases', max: 2, actual: 3 } },
    { name: 'an operation over the token limit (refused before parsing)', payload: { query: longText }, code: 'OPERATION_LIMIT_EXCEEDED', detail: { limit: 'maxTokens', max: 200 } },
  ];

  for (const c of cases) {
    it(`refuses ${c.name} with ${c.code}, never asking a subgraph`, async () => {
      const token = c.apiKey ? await world.apiKeyToken({ scope: 'audit:read' }) : await world.userToken();
      const http = await overHttp(c.payload, bearer(token));
      const ws = await overWebSocket(c.payload, { authorization: `Bearer ${token}` });
      expect(http.status).toBe(400);
      expect(http.code).toBe(c.code);
      expect(ws.code).toBe(c.code);
      expect(ws.message).toBe(http.message);
      if (c.detail) {
        expect(http.extensions).toMatchObject(c.detail);
        expect(ws.extensions).toMatchObject(c.detail);
      }
      expect(world.calls.audit).toBe(0);
    });
  }

  it('writes the refusal in Spanish on both paths when the caller asks for Spanish, keeping the allowed range', async () => {
    const token = await world.userToken();
    const http = await overHttp({ query: deep }, { ...bearer(token), 'accept-language': 'es-MX,es;q=0.9' });
    const ws = await overWebSocket({ query: deep }, { authorization: `Bearer ${token}`, 'accept-language': 'es-MX,es;q=0.9' });
    expect(http.message).toBe('La operación es demasiado profunda: 7; el límite (maxDepth) es 5.');
    expect(ws.message).toBe(http.message);
    expect(http.extensions).toMatchObject({ code: 'OPERATION_LIMIT_EXCEEDED', limit: 'maxDepth', max: 5, actual: 7 });
  });

  it('coerces variables before anything is planned, reporting a bounded number of BAD_USER_INPUT errors', async () => {
    // @apollo/gateway alone reports every wrong item (20 000 errors for this list, seconds of CPU).
    const token = await world.userToken();
    const query = 'query Sum($values: [Int!]!) { sum(values: $values) }';
    const res = await world.gql({ query, variables: { values: Array.from({ length: 20_000 }, () => 'x') } }, bearer(token));
    expect(res.status).toBe(400);
    expect(res.body.data).toBeUndefined();
    expect(res.body.errors.length).toBeGreaterThan(0);
    expect(res.body.errors.length).toBeLessThanOrEqual(MAX_VARIABLE_ERRORS + 1);
    for (const e of res.body.errors) expect(e.extensions.code).toBe('BAD_USER_INPUT');
    expect(res.body.errors[0].message).toContain('"$values"');
    expect(world.calls.audit).toBe(0);
    const valid = await world.gql({ query, variables: { values: [1, 2, 3] } }, bearer(token));
    expect(valid.body).toEqual({ data: { sum: 6 } });
  });

  it('lets an API key run its safelisted operation by id over HTTP (the safelist is the same object on both paths)', async () => {
    const token = await world.apiKeyToken({ scope: 'audit:read' });
    const res = await world.gql({ extensions: { persistedQuery: { version: 1, sha256Hash: sha256(GREETING) } } }, bearer(token));
    expect(res.body).toEqual({ data: { greeting: 'hello' } });
  });
});
