/**
 * API keys through identity's GraphQL API and its exchange route, on real Postgres and NATS.
 */
import { wireSubject, type EventEnvelope } from '@imagy/platform/events';
import { claimsOf, startHarness, type Harness } from './harness';

const KEY_FIELDS = 'id name prefix scopes plan requestsPerMinute status expiresAt revokedAt lastUsedAt overlapEndsAt successorId rotatedFromId createdBy { id }';
const CREATE = `mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { apiKey { ${KEY_FIELDS} } secret userErrors { code field message } } }`;
const ROTATE = `mutation($input: RotateApiKeyInput!) { rotateApiKey(input: $input) { apiKey { ${KEY_FIELDS} } secret previous { ${KEY_FIELDS} } userErrors { code field } } }`;
const REVOKE = `mutation($input: RevokeApiKeyInput!) { revokeApiKey(input: $input) { apiKey { ${KEY_FIELDS} } userErrors { code } } }`;
const LIST = `query($first: Int, $after: String) { apiKeys(first: $first, after: $after) { edges { node { ${KEY_FIELDS} } } pageInfo { hasNextPage endCursor } } }`;

describe('API keys', () => {
  let h: Harness;
  let a: { tenantId: string; adminId: string; token: string };
  let b: { tenantId: string; adminId: string; token: string };
  let exchangeUrl: string;

  const exchange = async (apiKey: unknown) => {
    const res = await fetch(exchangeUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ apiKey }) });
    return { status: res.status, body: (await res.json()) as any };
  };
  const create = async (token: string, input: Record<string, unknown>) => {
    const r = await h.call(CREATE, { input }, token);
    expect(r.errors).toBeUndefined();
    return r.data.createApiKey;
  };

  beforeAll(async () => {
    h = await startHarness('idapikeys');
    exchangeUrl = new URL('/api-keys/exchange', h.url).toString();
    a = await h.newTenant('keys-a');
    b = await h.newTenant('keys-b');
  });
  afterAll(async () => { await h?.close(); });

  test('a tenant admin creates a key whose secret is shown once and stored only as a hash', async () => {
    const created = await create(a.token, { name: 'ERP sync', scopes: ['audit:read', 'lending:read'], plan: 'FREE' });
    expect(created.userErrors).toEqual([]);
    expect(created.secret).toMatch(new RegExp(`^imk_${created.apiKey.prefix}_[A-Za-z0-9_-]{43}$`));
    expect(created.apiKey).toMatchObject({ name: 'ERP sync', scopes: ['audit:read', 'lending:read'], plan: 'FREE', requestsPerMinute: 60, status: 'ACTIVE', lastUsedAt: null, createdBy: { id: a.adminId } });
    const [row] = await h.adminSql('select * from identity.api_keys where id = $1', [created.apiKey.id]);
    expect(JSON.stringify(row)).not.toContain(created.secret.slice('imk_'.length + 12 + 1));
    expect(row.secret_hash).toMatch(/^[0-9a-f]{64}$/);
    const listed = await h.call(LIST, { first: 50 }, a.token);
    expect(JSON.stringify(listed.data)).not.toContain(created.secret);
    expect(listed.data.apiKeys.edges.map((e: any) => e.node.id)).toContain(created.apiKey.id);
  });

  test('unknown scopes, an unknown plan or a past expiry are refused with user errors', async () => {
    const r = await create(a.token, { name: 'bad', scopes: ['users:write'], expiresAt: '2020-01-01T00:00:00Z' });
    expect(r.apiKey).toBeNull();
    expect(r.userErrors.map((e: any) => e.code).sort()).toEqual(['INVALID_EXPIRY', 'INVALID_SCOPE']);
    const none = await create(a.token, { name: 'none', scopes: [] });
    expect(none.userErrors[0].code).toBe('INVALID_SCOPE');
  });

  test('only tenant admins manage keys', async () => {
    const staff = await h.createUser(a.token, { email: 'staff@keys-a.example.test', displayName: 'Staff', roles: ['staff', 'auditor'], password: 'staff-password-1' });
    expect(staff.id).toBeDefined();
    const session = await h.login('keys-a', 'staff@keys-a.example.test', 'staff-password-1');
    const r = await h.call(CREATE, { input: { name: 'x', scopes: ['audit:read'] } }, session.accessToken);
    expect(r.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const l = await h.call(LIST, {}, session.accessToken);
    expect(l.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  test('the exchange turns a valid key into a short access token with the key\'s scopes, plan and rate, and records the use', async () => {
    const created = await create(a.token, { name: 'exchange', scopes: ['audit:read'], plan: 'ENTERPRISE' });
    const r = await exchange(created.secret);
    expect(r.status).toBe(200);
    const claims = claimsOf(r.body.accessToken);
    expect(claims).toMatchObject({ sub: `apikey:${created.apiKey.id}`, tid: a.tenantId, roles: [], scope: 'audit:read', kid_type: 'api_key', plan: 'ENTERPRISE', rpm: 6000 });
    expect(claims.exp - claims.iat).toBeLessThanOrEqual(300);
    expect(r.body).toMatchObject({ apiKeyId: created.apiKey.id, tenantId: a.tenantId, scopes: ['audit:read'], plan: 'ENTERPRISE', rpm: 6000 });
    // The subgraph accepts the token like any other, as an API-key caller of tenant A.
    const tenant = await h.call('{ currentTenant { id } }', {}, r.body.accessToken);
    expect(tenant.data.currentTenant.id).toBe(a.tenantId);
    const [used] = await h.adminSql('select last_used_at from identity.api_keys where id = $1', [created.apiKey.id]);
    expect(used.last_used_at).not.toBeNull();
    // A second exchange within the minute does not write again.
    await exchange(created.secret);
    const [again] = await h.adminSql('select last_used_at from identity.api_keys where id = $1', [created.apiKey.id]);
    expect(again.last_used_at.getTime()).toBe(used.last_used_at.getTime());
  });

  test('unknown, malformed and wrong-secret keys get the same refusal', async () => {
    const created = await create(a.token, { name: 'wrong', scopes: ['audit:read'] });
    const wrongSecret = `imk_${created.apiKey.prefix}_${'A'.repeat(43)}`;
    const unknown = `imk_${'z'.repeat(12)}_${'A'.repeat(43)}`;
    for (const key of [wrongSecret, unknown, 'imk_nope', 'hello']) {
      const r = await exchange(key);
      expect(r).toEqual({ status: 401, body: { error: 'INVALID_API_KEY' } });
    }
    expect((await exchange(42)).status).toBe(400);
  });

  test('rotation creates a working successor while the old key works until the overlap ends', async () => {
    const created = await create(a.token, { name: 'rotate me', scopes: ['lending:read'], plan: 'STANDARD' });
    const rotated = (await h.call(ROTATE, { input: { id: created.apiKey.id, overlapMinutes: 10 } }, a.token)).data.rotateApiKey;
    expect(rotated.userErrors).toEqual([]);
    expect(rotated.apiKey).toMatchObject({ name: 'rotate me', scopes: ['lending:read'], plan: 'STANDARD', status: 'ACTIVE', rotatedFromId: created.apiKey.id });
    expect(rotated.previous).toMatchObject({ status: 'ROTATING', successorId: rotated.apiKey.id });
    expect(Date.parse(rotated.previous.overlapEndsAt) - Date.now()).toBeGreaterThan(9 * 60_000);
    expect(rotated.secret).not.toBe(created.secret);
    expect((await exchange(created.secret)).status).toBe(200);
    expect((await exchange(rotated.secret)).status).toBe(200);
    // Rotating it again is refused: the successor is the one to rotate.
    const again = (await h.call(ROTATE, { input: { id: created.apiKey.id } }, a.token)).data.rotateApiKey;
    expect(again.userErrors[0].code).toBe('ALREADY_ROTATED');

    // With no overlap the old key stops at once.
    const second = (await h.call(ROTATE, { input: { id: rotated.apiKey.id, overlapMinutes: 0 } }, a.token)).data.rotateApiKey;
    expect(second.previous.status).toBe('ROTATED');
    expect((await exchange(rotated.secret)).status).toBe(401);
    expect((await exchange(second.secret)).status).toBe(200);
  });

  test('a revoked key is refused at the next exchange, and its revocation is published', async () => {
    const created = await create(a.token, { name: 'revoke me', scopes: ['audit:read'] });
    // A core subscription, as the gateway has: the event arrives before the mutation answers.
    const received: EventEnvelope[] = [];
    const sub = h.bus.nc.subscribe(wireSubject(h.bus.ns, 'identity.api_key.revoked'), { callback: (_err, msg) => { received.push(msg.json<EventEnvelope>()); } });
    await h.bus.nc.flush();
    const r = (await h.call(REVOKE, { input: { id: created.apiKey.id } }, a.token)).data.revokeApiKey;
    expect(r.apiKey.status).toBe('REVOKED');
    expect((await exchange(created.secret)).status).toBe(401);
    const event = received.find((e) => (e.data as { apiKeyId: string }).apiKeyId === created.apiKey.id)!;
    expect(event).toMatchObject({ subject: 'identity.api_key.revoked', tenantId: a.tenantId, data: { apiKeyId: created.apiKey.id, prefix: created.apiKey.prefix } });
    expect(h.bus.signer.verify(event)).toBe(true);
    sub.unsubscribe();
    // Revoking again changes nothing.
    const again = (await h.call(REVOKE, { input: { id: created.apiKey.id } }, a.token)).data.revokeApiKey;
    expect(again.apiKey.revokedAt).toBe(r.apiKey.revokedAt);
  });

  test('tenant B can neither see, rotate nor revoke tenant A\'s keys', async () => {
    const created = await create(a.token, { name: 'A only', scopes: ['audit:read'] });
    const listB = await h.call(LIST, { first: 100 }, b.token);
    expect(listB.data.apiKeys.edges).toEqual([]);
    const byId = await h.call(`query($id: ID!) { apiKey(id: $id) { id } }`, { id: created.apiKey.id }, b.token);
    expect(byId.data.apiKey).toBeNull();
    const revoke = await h.call(REVOKE, { input: { id: created.apiKey.id } }, b.token);
    expect(revoke.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const rotate = await h.call(ROTATE, { input: { id: created.apiKey.id } }, b.token);
    expect(rotate.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect((await exchange(created.secret)).status).toBe(200);
    // Even in SQL, tenant B's transaction sees none of A's rows.
    const rows = await h.adminSql(`select count(*)::int as n from identity.api_keys where tenant_id = $1`, [a.tenantId]);
    expect(rows[0].n).toBeGreaterThan(0);
  });

  test('lists page through keys oldest first', async () => {
    const c = await h.newTenant('keys-c');
    for (const n of ['one', 'two', 'three']) await create(c.token, { name: n, scopes: ['audit:read'] });
    const first = await h.call(LIST, { first: 2 }, c.token);
    expect(first.data.apiKeys.edges.map((e: any) => e.node.name)).toEqual(['one', 'two']);
    expect(first.data.apiKeys.pageInfo.hasNextPage).toBe(true);
    const next = await h.call(LIST, { first: 2, after: first.data.apiKeys.pageInfo.endCursor }, c.token);
    expect(next.data.apiKeys.edges.map((e: any) => e.node.name)).toEqual(['three']);
  });
});
