/**
 * Integrators through the gateway: API keys created by a tenant admin, exchanged by the gateway,
 * limited to safelisted operations (HTTP and graphql-ws), throttled per plan across two gateway
 * replicas, refused at once when revoked, and honoured through a rotation overlap.
 */
import WebSocket from 'ws';
import { createClient } from 'graphql-ws';
import { waitFor } from '@imagy/platform/testing';
import { DEV_PASSWORD, startPlatform, type Platform } from './harness';
import manifest from '../schema/persisted-queries.json';

const op = (name: string) => manifest.operations.find((o) => o.name === name)!.id;
const AUDIT_TAIL = op('AuditTail');
const CURRENT_TENANT = op('CurrentTenant');

const CREATE = `mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { apiKey { id prefix } secret userErrors { code message } } }`;
const ROTATE = `mutation($input: RotateApiKeyInput!) { rotateApiKey(input: $input) { apiKey { id } secret previous { status overlapEndsAt } userErrors { code } } }`;
const REVOKE = `mutation($input: RevokeApiKeyInput!) { revokeApiKey(input: $input) { apiKey { status } userErrors { code } } }`;

interface Answer { status: number; headers: Headers; data?: any; errors?: { message: string; extensions?: Record<string, any> }[] }

async function post(url: string, body: unknown, headers: Record<string, string>): Promise<Answer> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  const json = (await res.json()) as { data?: unknown; errors?: Answer['errors'] };
  return { status: res.status, headers: res.headers, data: json.data, errors: json.errors };
}

const byId = (url: string, key: string, id: string, variables: Record<string, unknown> = {}, header: 'x-api-key' | 'authorization' = 'x-api-key') =>
  post(url, { extensions: { persistedQuery: { version: 1, sha256Hash: id } }, variables }, header === 'x-api-key' ? { 'x-api-key': key } : { authorization: `ApiKey ${key}` });

describe('API keys through the gateway', () => {
  let p: Platform;
  let admin: { accessToken: string; user: { id: string; tenantId: string } };

  const createKey = async (scopes: string[], plan = 'STANDARD') => {
    const r = await p.call(CREATE, { input: { name: `key ${scopes.join(',')} ${plan}`, scopes, plan } }, admin.accessToken);
    expect(r.errors).toBeUndefined();
    expect(r.data.createApiKey.userErrors).toEqual([]);
    return { id: r.data.createApiKey.apiKey.id as string, secret: r.data.createApiKey.secret as string };
  };

  beforeAll(async () => {
    p = await startPlatform({ label: 'e2ekeys' });
    admin = await p.login('demo', 'admin@demo.localhost', DEV_PASSWORD);
  });
  afterAll(async () => { await p?.stop(); });

  test('an integrator key runs a safelisted operation by id, with either header', async () => {
    const key = await createKey(['audit:read', 'identity:read']);
    const tail = await byId(p.gatewayUrl, key.secret, AUDIT_TAIL, { first: 5 });
    expect(tail.errors).toBeUndefined();
    expect(tail.status).toBe(200);
    expect(Array.isArray(tail.data.auditEvents.edges)).toBe(true);
    const tenant = await byId(p.gatewayUrl, key.secret, CURRENT_TENANT, {}, 'authorization');
    expect(tenant.errors).toBeUndefined();
    expect(tenant.data.currentTenant).toMatchObject({ id: admin.user.tenantId, slug: 'demo' });
  });

  test('an integrator key is refused an unlisted operation and a query body', async () => {
    const key = await createKey(['audit:read']);
    const unlisted = await byId(p.gatewayUrl, key.secret, 'a'.repeat(64));
    expect(unlisted.status).toBe(400);
    expect(unlisted.errors?.[0]?.extensions?.code).toBe('PERSISTED_QUERY_NOT_IN_LIST');
    const body = await post(p.gatewayUrl, { query: '{ currentTenant { id } }' }, { 'x-api-key': key.secret });
    expect(body.status).toBe(400);
    expect(body.errors?.[0]?.extensions?.code).toBe('PERSISTED_QUERY_ID_REQUIRED');
  });

  test('an unknown key is unauthenticated', async () => {
    const r = await byId(p.gatewayUrl, `imk_${'q'.repeat(12)}_${'A'.repeat(43)}`, CURRENT_TENANT);
    expect(r.status).toBe(401);
    expect(r.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  test('a key without audit:read is refused audit fields, which a person with the scope reads', async () => {
    const key = await createKey(['lending:read']);
    const r = await byId(p.gatewayUrl, key.secret, AUDIT_TAIL, { first: 5 });
    expect(r.errors?.map((e) => e.extensions?.code)).toContain('FORBIDDEN');
    expect(r.data?.auditEvents ?? null).toBeNull();
    // The same key still runs what its scopes allow.
    expect((await byId(p.gatewayUrl, key.secret, CURRENT_TENANT)).errors).toBeUndefined();
    // A tenant admin's token carries audit:read (identity's role -> scope mapping).
    const human = await p.call('query($first: Int) { auditEvents(first: $first) { edges { node { id } } } }', { first: 5 }, admin.accessToken);
    expect(human.errors).toBeUndefined();
  });

  test('a key is throttled past its plan\'s limit, counted across two gateway replicas, with 429 and Retry-After', async () => {
    const replica = await p.startReplica();
    const key = await createKey(['identity:read'], 'FREE'); // 60 requests per minute
    // A counter lookup that cannot answer in time lets its request through unmetered (fail open,
    // counted in rateLimitHealth): on a loaded machine a few may, and those do not use the budget.
    const unmetered = () => (p.gateway.apiKeys?.rateLimitHealth().unmetered ?? 0) + (replica.gateway.apiKeys?.rateLimitHealth().unmetered ?? 0);
    const unmeteredBefore = unmetered();
    let allowed = 0;
    for (let i = 0; allowed < 60 + (unmetered() - unmeteredBefore); i++) {
      const r = await byId(i % 2 ? replica.url : p.gatewayUrl, key.secret, CURRENT_TENANT);
      expect(r.errors).toBeUndefined();
      allowed += 1;
    }
    expect(allowed - (unmetered() - unmeteredBefore)).toBe(60);
    for (const url of [p.gatewayUrl, replica.url]) {
      const r = await byId(url, key.secret, CURRENT_TENANT);
      expect(r.status).toBe(429);
      expect(r.errors?.[0]?.extensions).toMatchObject({ code: 'RATE_LIMITED', retryAfter: expect.any(Number) });
      const retryAfter = Number(r.headers.get('retry-after'));
      expect(retryAfter).toBe(r.errors![0]!.extensions!.retryAfter);
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(120);
    }
    // Another key of the same tenant has its own budget.
    const other = await createKey(['identity:read'], 'FREE');
    expect((await byId(p.gatewayUrl, other.secret, CURRENT_TENANT)).status).toBe(200);
    await replica.stop();
  });

  test('a revoked key is refused at the very next request', async () => {
    const key = await createKey(['identity:read']);
    expect((await byId(p.gatewayUrl, key.secret, CURRENT_TENANT)).status).toBe(200);
    const revoked = await p.call(REVOKE, { input: { id: key.id } }, admin.accessToken);
    expect(revoked.data.revokeApiKey.apiKey.status).toBe('REVOKED');
    const after = await byId(p.gatewayUrl, key.secret, CURRENT_TENANT);
    expect(after.status).toBe(401);
    expect(after.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  test('a rotated key keeps working during the overlap, its successor works, and without overlap it stops at once', async () => {
    const key = await createKey(['identity:read']);
    expect((await byId(p.gatewayUrl, key.secret, CURRENT_TENANT)).status).toBe(200);
    const rotated = (await p.call(ROTATE, { input: { id: key.id, overlapMinutes: 10 } }, admin.accessToken)).data.rotateApiKey;
    expect(rotated.userErrors).toEqual([]);
    expect(rotated.previous.status).toBe('ROTATING');
    expect((await byId(p.gatewayUrl, key.secret, CURRENT_TENANT)).status).toBe(200);
    expect((await byId(p.gatewayUrl, rotated.secret, CURRENT_TENANT)).status).toBe(200);

    const again = (await p.call(ROTATE, { input: { id: rotated.apiKey.id, overlapMinutes: 0 } }, admin.accessToken)).data.rotateApiKey;
    expect(again.previous.status).toBe('ROTATED');
    expect((await byId(p.gatewayUrl, rotated.secret, CURRENT_TENANT)).status).toBe(401);
    expect((await byId(p.gatewayUrl, again.secret, CURRENT_TENANT)).status).toBe(200);
  });

  test('over graphql-ws an integrator key may only subscribe by id to a safelisted operation', async () => {
    const key = await createKey(['audit:read']);
    const client = createClient({ url: p.gatewayWsUrl, webSocketImpl: WebSocket, connectionParams: { 'x-api-key': key.secret }, retryAttempts: 0, lazy: true });
    const firstError = (payload: { query: string; extensions?: Record<string, unknown> }) => new Promise<any>((resolve) => {
      client.subscribe(payload, { next: (v) => resolve(v), error: (e) => resolve(e), complete: () => resolve(null) });
    });
    const withBody = await firstError({ query: 'subscription { auditEvents { id } }' });
    expect(JSON.stringify(withBody)).toContain('PERSISTED_QUERY_ID_REQUIRED');
    const unlisted = await firstError({ query: '', extensions: { persistedQuery: { version: 1, sha256Hash: 'b'.repeat(64) } } });
    expect(JSON.stringify(unlisted)).toContain('PERSISTED_QUERY_NOT_IN_LIST');
    await client.dispose();
  });

  test("revoking a key closes the graphql-ws sockets it opened (4403), at once; another key's socket stays open", async () => {
    const doomed = await createKey(['audit:read']);
    const kept = await createKey(['audit:read']);
    const open = async (secret: string) => {
      const state: { connected: boolean; code?: number } = { connected: false };
      const client = createClient({
        url: p.gatewayWsUrl, webSocketImpl: WebSocket, connectionParams: { 'x-api-key': secret }, retryAttempts: 0, lazy: false,
        onNonLazyError: () => undefined,
        on: { connected: () => { state.connected = true; }, closed: (e) => { state.code = (e as { code: number }).code; } },
      });
      await waitFor(async () => state.connected, 10_000, 20);
      return { state, dispose: () => client.dispose() };
    };
    const a = await open(doomed.secret);
    const b = await open(kept.secret);
    const revoked = await p.call(REVOKE, { input: { id: doomed.id } }, admin.accessToken);
    expect(revoked.data.revokeApiKey.userErrors).toEqual([]);
    await waitFor(async () => a.state.code === 4403, 10_000, 20);
    expect(b.state.code).toBeUndefined();
    await Promise.all([a.dispose(), b.dispose()]);
  });
});

