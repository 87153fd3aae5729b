/**
 * Automatic persisted queries for first-party callers and the safelist for integrators (API keys),
 * with Apollo Router's error codes.
 */
import crypto from 'node:crypto';
import path from 'node:path';
import { loadManifest, validateManifest, type PersistedQueryManifest } from '../src/persisted-queries';
import { startGateway } from '../src/server';
import { bearer, startWorld, type World } from './support';

const sha256 = (s: string) => crypto.createHash('sha256').update(s).digest('hex');
const pq = (hash: string) => ({ persistedQuery: { version: 1, sha256Hash: hash } });

const GREETING = 'query Greeting { greeting }';
const TENANT_BY_HOST = 'query TenantByHost($host: String!) { tenantByHost(host: $host) { id slug name } }';
const manifest: PersistedQueryManifest = {
  format: 'apollo-persisted-query-manifest',
  version: 1,
  operations: [
    { id: sha256(GREETING), name: 'Greeting', type: 'query', body: GREETING },
    { id: sha256(TENANT_BY_HOST), name: 'TenantByHost', type: 'query', body: TENANT_BY_HOST },
  ],
};

let world: World;
beforeAll(async () => { world = await startWorld({ persistedQueries: manifest }); });
afterAll(async () => { await world?.stop(); });
beforeEach(() => world.resetCalls());

const code = (res: { body: any }) => res.body.errors?.[0]?.extensions?.code;

describe('automatic persisted queries', () => {
  it('answers an unknown hash without a body with PERSISTED_QUERY_NOT_FOUND, then runs it by hash once registered', async () => {
    const query = `query Apq${Date.now()} { greeting }`;
    const hash = sha256(query);
    const miss = await world.gql({ extensions: pq(hash) });
    expect(miss.status).toBe(200);
    expect(code(miss)).toBe('PERSISTED_QUERY_NOT_FOUND');
    expect(miss.body.errors[0].message).toBe('PersistedQueryNotFound');
    expect(world.calls.audit).toBe(0);

    const register = await world.gql({ query, extensions: pq(hash) });
    expect(register.body).toEqual({ data: { greeting: 'hello' } });

    const hit = await world.gql({ extensions: pq(hash) });
    expect(hit.body).toEqual({ data: { greeting: 'hello' } });
  });

  it('works over GET with the extension in the query string', async () => {
    const query = '{ greeting }';
    await world.gql({ query, extensions: pq(sha256(query)) });
    const url = `${world.gateway.url}?extensions=${encodeURIComponent(JSON.stringify(pq(sha256(query))))}`;
    const res = await fetch(url, { headers: { 'apollo-require-preflight': '1' } });
    expect(await res.json()).toEqual({ data: { greeting: 'hello' } });
  });

  it('refuses a body whose sha256 is not the hash sent with PERSISTED_QUERY_HASH_MISMATCH and stores nothing', async () => {
    const wrong = sha256('something else entirely');
    const res = await world.gql({ query: '{ greeting }', extensions: pq(wrong) });
    expect(res.status).toBe(400);
    expect(code(res)).toBe('PERSISTED_QUERY_HASH_MISMATCH');
    expect(world.calls.audit).toBe(0);
    expect(code(await world.gql({ extensions: pq(wrong) }))).toBe('PERSISTED_QUERY_NOT_FOUND');
  });

  it('does not store an operation that fails validation', async () => {
    const query = '{ noSuchField }';
    const res = await world.gql({ query, extensions: pq(sha256(query)) });
    expect(code(res)).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(code(await world.gql({ extensions: pq(sha256(query)) }))).toBe('PERSISTED_QUERY_NOT_FOUND');
  });

  it('refuses a persisted query extension of another version', async () => {
    const res = await world.gql({ extensions: { persistedQuery: { version: 2, sha256Hash: sha256(GREETING) } } });
    expect(res.status).toBe(400);
    expect(code(res)).toBe('BAD_REQUEST');
  });

  it('lets a first-party caller run a safelisted operation by its id', async () => {
    const res = await world.gql({ extensions: pq(sha256(TENANT_BY_HOST)), variables: { host: 'acme.example' } }, bearer(await world.userToken()));
    expect(res.body).toEqual({ data: { tenantByHost: { id: '11111111-1111-4111-8111-111111111111', slug: 'acme', name: 'Acme' } } });
  });
});

describe('safelist for API-key callers', () => {
  it('runs a listed operation sent by id', async () => {
    const res = await world.gql({ extensions: pq(sha256(GREETING)) }, bearer(await world.apiKeyToken()));
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ data: { greeting: 'hello' } });
  });

  it('refuses an id that is not in the list with PERSISTED_QUERY_NOT_IN_LIST before any subgraph fetch', async () => {
    const unknown = sha256('{ greeting auditTrail }');
    const res = await world.gql({ extensions: pq(unknown) }, bearer(await world.apiKeyToken()));
    expect(res.status).toBe(400);
    expect(code(res)).toBe('PERSISTED_QUERY_NOT_IN_LIST');
    expect(res.body.errors[0].message).toContain(unknown);
    expect(res.body.data).toBeUndefined();
    expect(world.calls.audit).toBe(0);
  });

  it('refuses a freeform body with PERSISTED_QUERY_ID_REQUIRED, even when the body is a listed one', async () => {
    const res = await world.gql({ query: GREETING }, bearer(await world.apiKeyToken()));
    expect(res.status).toBe(400);
    expect(code(res)).toBe('PERSISTED_QUERY_ID_REQUIRED');
    expect(world.calls.audit).toBe(0);
  });

  it('refuses an id sent together with a body with CANNOT_SEND_PQ_ID_AND_BODY', async () => {
    const res = await world.gql({ query: GREETING, extensions: pq(sha256(GREETING)) }, bearer(await world.apiKeyToken()));
    expect(res.status).toBe(400);
    expect(code(res)).toBe('CANNOT_SEND_PQ_ID_AND_BODY');
  });

  it('never lets an API-key caller run an operation that a first-party caller registered through APQ', async () => {
    const query = '{ greeting auditTrail }';
    await world.gql({ query, extensions: pq(sha256(query)) }, bearer(await world.userToken()));
    const res = await world.gql({ extensions: pq(sha256(query)) }, bearer(await world.apiKeyToken()));
    expect(code(res)).toBe('PERSISTED_QUERY_NOT_IN_LIST');
  });

  it('answers each operation of a batch on its own', async () => {
    const res = await world.gql([{ extensions: pq(sha256(GREETING)) }, { query: GREETING }], bearer(await world.apiKeyToken()));
    expect(res.body).toEqual([
      { data: { greeting: 'hello' } },
      { errors: [expect.objectContaining({ extensions: { code: 'PERSISTED_QUERY_ID_REQUIRED' } })] },
    ]);
  });
});

describe('persisted query manifest', () => {
  const op = (body: string, extra: Record<string, unknown> = {}) => ({ id: sha256(body), name: 'Greeting', type: 'query', body, ...extra });
  const wrap = (operations: unknown[]) => ({ format: 'apollo-persisted-query-manifest', version: 1, operations });

  it('accepts the committed schema/persisted-queries.json', () => {
    const ops = loadManifest(path.resolve(__dirname, '..', '..', 'schema', 'persisted-queries.json'));
    expect([...ops.values()].map((o) => o.name)).toEqual(expect.arrayContaining(['Me', 'TenantByHost']));
  });

  it('refuses an operation whose id is not the sha256 of its body', () => {
    expect(() => validateManifest(wrap([op(GREETING, { id: sha256('other') })]))).toThrow(/not the sha256 hex of the body/);
  });

  it('refuses an operation whose body does not parse', () => {
    expect(() => validateManifest(wrap([op('query Greeting {')]))).toThrow(/does not parse/);
  });

  it('refuses a manifest in another format', () => {
    expect(() => validateManifest({ ...wrap([]), format: 'something' })).toThrow(/format/);
  });

  it('stops the gateway from starting with an invalid manifest', async () => {
    await expect(startGateway({
      supergraphSdl: world.supergraphSdl,
      port: 0,
      host: '127.0.0.1',
      verifier: world.verifier,
      persistedQueries: wrap([op(GREETING, { id: 'f'.repeat(64) })]) as PersistedQueryManifest,
    })).rejects.toThrow(/invalid/);
  });
});
