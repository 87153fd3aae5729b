/**
 * The gateway in front of two tiny real subgraphs (identity and greeting), composed here, with a
 * token verifier on a local JWKS. Subgraphs count the requests they receive, so "refused before
 * any subgraph fetch" is checked by their counters, not assumed.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { parse } from 'graphql';
import WebSocket from 'ws';
import { createClient } from 'graphql-ws';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { startStandaloneServer } from '@apollo/server/standalone';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { composeServices } from '@apollo/composition';
import { decodeJwt, exportJWK, generateKeyPair } from 'jose';
import { signToken, TokenVerifier, type AccessClaims, type SigningKey } from '@imagy/platform/auth';
import { freePort, waitFor } from '@imagy/platform/testing';
import { startGateway, type RunningGateway } from '../src/server';
import { IdentityTenantStatusChecker } from '../src/tenant-status';

const ISSUER = 'https://issuer.test.imagy';
const AUDIENCE = 'imagy-test';
const REPO_ROOT = path.resolve(__dirname, '..', '..');

const TENANT_ACTIVE = '11111111-1111-4111-8111-111111111111';
const TENANT_CACHED = '22222222-2222-4222-8222-222222222222';
const TENANT_SUSPENDED = '33333333-3333-4333-8333-333333333333';
const TENANT_UNKNOWN = '44444444-4444-4444-8444-444444444444';
const tenantStatuses = new Map<string, string>([
  [TENANT_ACTIVE, 'ACTIVE'],
  [TENANT_CACHED, 'ACTIVE'],
  [TENANT_SUSPENDED, 'SUSPENDED'],
]);

const calls = { identity: 0, greeting: 0, currentTenant: 0 };
let lastIdentityAuthorization: string | undefined;
const greetingSockets = new Set<number>();
const resetCalls = () => { calls.identity = 0; calls.greeting = 0; calls.currentTenant = 0; greetingSockets.clear(); };

interface SubgraphContext { headers: http.IncomingHttpHeaders; remotePort?: number }

const identityTypeDefs = parse(`
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.6", import: ["@key"])
  type Tenant @key(fields: "id") { id: ID! status: String! }
  type Query { currentTenant: Tenant }
`);
const identityResolvers = {
  Query: {
    currentTenant: (_: unknown, __: unknown, ctx: SubgraphContext) => {
      calls.currentTenant++;
      lastIdentityAuthorization = ctx.headers.authorization;
      const token = /^Bearer (.+)$/.exec(ctx.headers.authorization ?? '')?.[1];
      if (!token) return null;
      const tid = decodeJwt(token).tid as string | undefined;
      const status = tid ? tenantStatuses.get(tid) : undefined;
      return status ? { id: tid, status } : null;
    },
  },
};

const greetingTypeDefs = parse(`
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.6", import: ["@shareable"])
  type WhoAmI { authorization: String requestId: String headerNames: [String!]! }
  type Query { publicHello: String! whoAmI: WhoAmI! }
`);
const greetingResolvers = {
  Query: {
    publicHello: () => 'hello',
    whoAmI: (_: unknown, __: unknown, ctx: SubgraphContext) => (greetingSockets.add(ctx.remotePort ?? -1), {
      authorization: ctx.headers.authorization ?? null,
      requestId: ctx.headers['x-request-id'] ?? null,
      headerNames: Object.keys(ctx.headers),
    }),
  },
};

async function startSubgraph(name: 'identity' | 'greeting', typeDefs: ReturnType<typeof parse>, resolvers: object) {
  const server = new ApolloServer<SubgraphContext>({
    schema: buildSubgraphSchema([{ typeDefs, resolvers: resolvers as never }]),
    plugins: [ApolloServerPluginInlineTraceDisabled()],
  });
  const { url } = await startStandaloneServer(server, {
    listen: { port: 0, host: '127.0.0.1' },
    context: async ({ req }) => { calls[name]++; return { headers: req.headers, remotePort: req.socket.remotePort }; },
  });
  return { server, url, typeDefs };
}

function composeSupergraph(services: { name: string; url: string; typeDefs: ReturnType<typeof parse> }[]): string {
  const result = composeServices(services);
  if (result.errors?.length || !result.supergraphSdl) throw new Error(`composition failed: ${result.errors?.map((e) => e.message).join('; ')}`);
  return result.supergraphSdl;
}

const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

let key: SigningKey;
let gateway: RunningGateway;
let supergraphSdl: string;
let jwksServer: http.Server;
const subgraphs: ApolloServer<SubgraphContext>[] = [];

const token = (claims: Partial<AccessClaims> = {}, opts: { issuer?: string; audience?: string; ttlSeconds?: number } = {}) =>
  signToken(key, { sub: 'user-1', tid: TENANT_ACTIVE, roles: ['staff'], ...claims } as AccessClaims, {
    issuer: opts.issuer ?? ISSUER,
    audience: opts.audience ?? AUDIENCE,
    ttlSeconds: opts.ttlSeconds ?? 300,
  });

async function gql(query: string, headers: Record<string, string> = {}) {
  const res = await fetch(gateway.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query }),
  });
  const body = (await res.json()) as { data?: any; errors?: { message: string; extensions?: { code?: string } }[] };
  return { status: res.status, body, headers: res.headers };
}

beforeAll(async () => {
  const { privateKey, publicKey } = await generateKeyPair('EdDSA');
  key = { kid: 'test-key', alg: 'EdDSA', privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid: 'test-key', alg: 'EdDSA', use: 'sig' } };

  const identity = await startSubgraph('identity', identityTypeDefs, identityResolvers);
  const greeting = await startSubgraph('greeting', greetingTypeDefs, greetingResolvers);
  subgraphs.push(identity.server, greeting.server);
  supergraphSdl = composeSupergraph([{ name: 'identity', ...identity }, { name: 'greeting', ...greeting }]);

  jwksServer = http.createServer((_req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ keys: [key.publicJwk] }));
  });
  await new Promise<void>((resolve) => jwksServer.listen(0, '127.0.0.1', resolve));
  const jwksPort = (jwksServer.address() as net.AddressInfo).port;

  gateway = await startGateway({
    supergraphSdl,
    port: 0,
    host: '127.0.0.1',
    verifier: new TokenVerifier([{ issuer: ISSUER, audience: AUDIENCE, jwks: { keys: [key.publicJwk] } }]),
    jwksUpstreamUrl: `http://127.0.0.1:${jwksPort}/.well-known/jwks.json`,
  });
});

afterAll(async () => {
  await gateway?.stop();
  await Promise.all(subgraphs.map((s) => s.stop()));
  await new Promise<void>((resolve) => (jwksServer ? jwksServer.close(() => resolve()) : resolve()));
});

beforeEach(resetCalls);

describe('gateway authentication and forwarding', () => {
  it('lets a valid token through and forwards exactly its Authorization header and the request id', async () => {
    const t = await token();
    const res = await gql('{ whoAmI { authorization requestId headerNames } }', {
      authorization: `Bearer ${t}`,
      'x-request-id': 'test-request-0001',
      'x-tenant-id': TENANT_SUSPENDED,
      'x-user-id': 'someone-else',
      cookie: 'session=abc',
    });
    expect(res.status).toBe(200);
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data.whoAmI.authorization).toBe(`Bearer ${t}`);
    expect(res.body.data.whoAmI.requestId).toBe('test-request-0001');
    expect(res.body.data.whoAmI.headerNames).not.toEqual(expect.arrayContaining(['x-tenant-id']));
    expect(res.body.data.whoAmI.headerNames).not.toEqual(expect.arrayContaining(['x-user-id']));
    expect(res.body.data.whoAmI.headerNames).not.toEqual(expect.arrayContaining(['cookie']));
    expect(res.headers.get('x-request-id')).toBe('test-request-0001');
    expect(calls.greeting).toBe(1);
  });

  it('generates a request id when the caller sends none and forwards it to the subgraph', async () => {
    const res = await gql('{ whoAmI { requestId } }', { authorization: `Bearer ${await token()}` });
    expect(res.status).toBe(200);
    expect(res.body.data.whoAmI.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.headers.get('x-request-id')).toBe(res.body.data.whoAmI.requestId);
  });

  const badTokens: [string, () => Promise<string>][] = [
    ['an expired token', () => token({}, { ttlSeconds: -120 })],
    ['a token from an untrusted issuer', () => token({}, { issuer: 'https://evil.example' })],
    ['a token for another audience', () => token({}, { audience: 'someone-else' })],
    ['an unsigned token with alg none', async () => {
      const payload = decodeJwt(await token());
      return `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url(payload)}.`;
    }],
    ['a token with a tampered signature', async () => {
      const [h, p, s] = (await token()).split('.') as [string, string, string];
      const sig = Buffer.from(s, 'base64url');
      sig[10] ^= 0xff;
      return `${h}.${p}.${sig.toString('base64url')}`;
    }],
    ['a token whose claims were changed after signing', async () => {
      const [h, p, s] = (await token()).split('.') as [string, string, string];
      const claims = JSON.parse(Buffer.from(p, 'base64url').toString('utf8'));
      return `${h}.${b64url({ ...claims, roles: ['platform_admin'] })}.${s}`;
    }],
    ['an HS256 token signed with the public key as the secret', async () => {
      const payload = decodeJwt(await token());
      const publicPem = crypto.createPublicKey({ key: key.publicJwk as crypto.JsonWebKey, format: 'jwk' }).export({ type: 'spki', format: 'pem' });
      const signingInput = `${b64url({ alg: 'HS256', typ: 'JWT', kid: key.kid })}.${b64url(payload)}`;
      return `${signingInput}.${crypto.createHmac('sha256', publicPem).update(signingInput).digest('base64url')}`;
    }],
    ['a malformed token', async () => 'not-a-jwt'],
  ];

  it.each(badTokens)('refuses %s with 401 UNAUTHENTICATED before calling any subgraph', async (_name, make) => {
    const res = await gql('{ whoAmI { authorization } }', { authorization: `Bearer ${await make()}`, 'x-request-id': 'refused-request-1' });
    expect(res.status).toBe(401);
    expect(res.headers.get('x-request-id')).toBe('refused-request-1');
    expect(res.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(res.body.data).toBeUndefined();
    expect(calls).toEqual({ identity: 0, greeting: 0, currentTenant: 0 });
  });

  it('refuses an Authorization header that is not a bearer token', async () => {
    const res = await gql('{ publicHello }', { authorization: 'Basic dXNlcjpwYXNz' });
    expect(res.status).toBe(401);
    expect(res.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(calls.greeting).toBe(0);
  });

  it('reuses one keep-alive connection to a subgraph for consecutive requests', async () => {
    for (let i = 0; i < 5; i++) expect((await gql('{ whoAmI { requestId } }')).status).toBe(200);
    expect(calls.greeting).toBe(5);
    expect(greetingSockets.size).toBe(1);
  });

  it('lets an anonymous request reach a public field and forwards no Authorization', async () => {
    const res = await gql('{ publicHello whoAmI { authorization } }');
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual({ publicHello: 'hello', whoAmI: { authorization: null } });
    expect(calls.currentTenant).toBe(0);
  });
});

describe('gateway tenant status', () => {
  it('refuses a token of a suspended tenant without calling the other subgraphs', async () => {
    const res = await gql('{ whoAmI { authorization } }', { authorization: `Bearer ${await token({ tid: TENANT_SUSPENDED })}` });
    expect(res.status).toBe(401);
    expect(res.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(res.body.errors?.[0]?.message).toMatch(/suspended/i);
    expect(calls.greeting).toBe(0);
  });

  it('refuses a token of a tenant that identity does not know', async () => {
    const res = await gql('{ whoAmI { authorization } }', { authorization: `Bearer ${await token({ tid: TENANT_UNKNOWN })}` });
    expect(res.status).toBe(401);
    expect(res.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(res.body.errors?.[0]?.message).toMatch(/unknown/i);
    expect(calls.greeting).toBe(0);
  });

  it('refuses a non-admin token that carries no tenant', async () => {
    const res = await gql('{ publicHello }', { authorization: `Bearer ${await token({ tid: undefined })}` });
    expect(res.status).toBe(401);
    expect(res.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(calls).toEqual({ identity: 0, greeting: 0, currentTenant: 0 });
  });

  it('lets a platform admin token without a tenant through without asking identity', async () => {
    const res = await gql('{ publicHello }', { authorization: `Bearer ${await token({ tid: undefined, roles: ['platform_admin'] })}` });
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual({ publicHello: 'hello' });
    expect(calls.currentTenant).toBe(0);
  });

  it('asks identity about a tenant once and reuses the answer for the next requests', async () => {
    for (let i = 0; i < 3; i++) {
      const res = await gql('{ publicHello }', { authorization: `Bearer ${await token({ tid: TENANT_CACHED, sub: `user-${i}` })}` });
      expect(res.status).toBe(200);
    }
    expect(calls.currentTenant).toBe(1);
  });

  it('asks identity with the caller token, so identity sees the same bearer the caller sent', async () => {
    const t = await token({ tid: '55555555-5555-4555-8555-555555555555' });
    tenantStatuses.set('55555555-5555-4555-8555-555555555555', 'ACTIVE');
    const res = await gql('{ whoAmI { authorization } }', { authorization: `Bearer ${t}` });
    expect(res.status).toBe(200);
    expect(calls.currentTenant).toBe(1);
    expect(lastIdentityAuthorization).toBe(`Bearer ${t}`);
    expect(res.body.data.whoAmI.authorization).toBe(`Bearer ${t}`);
  });
});

describe('gateway when identity is unreachable', () => {
  it('answers 503 instead of letting a tenant token through unchecked', async () => {
    const closedPort = await new Promise<number>((resolve) => {
      const srv = net.createServer().listen(0, '127.0.0.1', () => {
        const { port } = srv.address() as net.AddressInfo;
        srv.close(() => resolve(port));
      });
    });
    const isolated = await startGateway({
      supergraphSdl,
      port: 0,
      host: '127.0.0.1',
      verifier: new TokenVerifier([{ issuer: ISSUER, audience: AUDIENCE, jwks: { keys: [key.publicJwk] } }]),
      tenantStatus: new IdentityTenantStatusChecker({ identityUrl: `http://127.0.0.1:${closedPort}/graphql`, timeoutMs: 2_000 }),
    });
    try {
      const res = await fetch(isolated.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${await token()}` },
        body: JSON.stringify({ query: '{ whoAmI { authorization } }' }),
      });
      expect(res.status).toBe(503);
      const body = (await res.json()) as { errors?: { extensions?: { code?: string } }[] };
      expect(body.errors?.[0]?.extensions?.code).toBe('SERVICE_UNAVAILABLE');
      expect(calls.greeting).toBe(0);
    } finally {
      await isolated.stop();
    }
  });
});

describe('gateway endpoints', () => {
  it('answers /health with 200 once the supergraph is loaded', async () => {
    const res = await fetch(gateway.url.replace('/graphql', '/health'));
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'ok' });
  });

  it('exposes request and subgraph fetch metrics on /metrics', async () => {
    await gql('query Greeting { publicHello }');
    const text = await (await fetch(gateway.url.replace('/graphql', '/metrics'))).text();
    expect(text).toMatch(/imagy_gateway_request_duration_seconds_count\{operation="Greeting",outcome="ok"\} \d+/);
    expect(text).toMatch(/imagy_gateway_subgraph_fetch_duration_seconds_count\{subgraph="greeting",outcome="ok"\} \d+/);
    expect(text).toContain('imagy_gateway_rejected_requests_total');
  });

  it('serves the issuer keys on /.well-known/jwks.json', async () => {
    const res = await fetch(gateway.url.replace('/graphql', '/.well-known/jwks.json'));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ keys: [key.publicJwk] });
  });

  it('refuses a GET query without a preflight header (CSRF prevention)', async () => {
    const res = await fetch(`${gateway.url}?query=${encodeURIComponent('{ publicHello }')}`);
    expect(res.status).toBe(400);
    expect(calls.greeting).toBe(0);
  });
});

describe('gateway development and production modes', () => {
  it('answers introspection and serves the Sandbox landing page outside production', async () => {
    const res = await gql('{ __schema { queryType { name } } }');
    expect(res.body.data).toEqual({ __schema: { queryType: { name: 'Query' } } });
    const page = await fetch(gateway.url, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/sandbox/i);
  });

  it('turns introspection and the landing page off in production', async () => {
    const previous = process.env.NODE_ENV;
    process.env.NODE_ENV = 'production';
    let prod: RunningGateway | undefined;
    try {
      prod = await startGateway({
        supergraphSdl,
        port: 0,
        host: '127.0.0.1',
        verifier: new TokenVerifier([{ issuer: ISSUER, audience: AUDIENCE, jwks: { keys: [key.publicJwk] } }]),
      });
      const res = await fetch(prod.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ __schema { queryType { name } } }' }),
      });
      const body = (await res.json()) as { errors?: { extensions?: { code?: string } }[] };
      expect(body.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
      const page = await fetch(prod.url, { headers: { accept: 'text/html' } });
      expect(await page.text()).not.toMatch(/sandbox/i);
    } finally {
      process.env.NODE_ENV = previous;
      await prod?.stop();
    }
  });

  it('refuses allowAnonymous in production when started in-process', async () => {
    const previous = process.env.NODE_ENV;
    process.env.NODE_ENV = 'production';
    try {
      await expect(startGateway({ supergraphSdl, port: 0, allowAnonymous: true })).rejects.toThrow(/production/);
    } finally {
      process.env.NODE_ENV = previous;
    }
  });

  it('forwards the Authorization header without verifying it when anonymous access is allowed', async () => {
    const dev = await startGateway({ supergraphSdl, port: 0, host: '127.0.0.1', allowAnonymous: true });
    try {
      const res = await fetch(dev.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: 'Bearer anything' },
        body: JSON.stringify({ query: '{ whoAmI { authorization } }' }),
      });
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ data: { whoAmI: { authorization: 'Bearer anything' } } });
      expect(calls.currentTenant).toBe(0);
    } finally {
      await dev.stop();
    }
  });
});

describe('gateway command line', () => {
  const runCli = (args: string[], env: NodeJS.ProcessEnv) =>
    spawn(process.execPath, ['--import', 'tsx', path.join(REPO_ROOT, 'gateway', 'src', 'main.ts'), ...args], {
      cwd: REPO_ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });


  const exitOf = (child: ReturnType<typeof spawn>) =>
    new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  it('refuses --allow-anonymous when NODE_ENV is production', async () => {
    const child = runCli(['--allow-anonymous', '--port', '0'], { NODE_ENV: 'production' });
    let stderr = '';
    child.stderr!.on('data', (d) => { stderr += String(d); });
    const code = await exitOf(child);
    expect(code).not.toBe(0);
    expect(stderr).toMatch(/allow-anonymous/);
  });

  it('stops gracefully on SIGTERM once it is serving (exit 0, not the stop deadline\'s exit 1)', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'imagy-gateway-'));
    const file = path.join(dir, 'supergraph.graphql');
    fs.writeFileSync(file, supergraphSdl);
    const jwksFile = path.join(dir, 'jwks.json');
    fs.writeFileSync(jwksFile, JSON.stringify({ keys: [key.publicJwk] }));
    const port = await freePort();
    const child = runCli(['--supergraph', file, '--port', String(port), '--host', '127.0.0.1', '--jwks', jwksFile, '--issuer', ISSUER, '--audience', AUDIENCE, '--no-tenant-check'], { NODE_ENV: 'test' });
    let stderr = '';
    child.stderr!.on('data', (d) => { stderr += String(d); });
    const exited = exitOf(child);
    try {
      // Marker: /health answers 200 (or the process exited, which fails at once).
      const state = await waitFor(async () => (child.exitCode !== null ? 'exited'
        : (await fetch(`http://127.0.0.1:${port}/health`).then((r) => r.status === 200, () => false)) ? 'up' : null), 150_000, 200).catch(() => 'timeout');
      const healthy = state === 'up';
      expect({ healthy, stderr }).toEqual({ healthy: true, stderr: '' });
      // The process's graphql-ws side is the one startGateway assembles with the HTTP side's
      // objects: an API-key caller meets the same safelist there.
      const apiKeyToken = await signToken(key, { sub: 'apikey:k1', tid: TENANT_ACTIVE, roles: [], kid_type: 'api_key' } as unknown as AccessClaims, { issuer: ISSUER, audience: AUDIENCE, ttlSeconds: 300 });
      const ws = createClient({ url: `ws://127.0.0.1:${port}/graphql`, webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${apiKeyToken}` }, retryAttempts: 0, lazy: true });
      const refusal = await new Promise<unknown>((resolve) => { ws.subscribe({ query: '{ greeting }' }, { next: resolve, error: resolve, complete: () => resolve(null) }); });
      expect(JSON.stringify(refusal)).toContain('PERSISTED_QUERY_ID_REQUIRED');
      await ws.dispose();
      child.kill('SIGTERM');
      // main.ts exits 1 from its 8 s deadline timer if the graceful stop has not finished by then;
      // 0 means the stop (WebSocket side, HTTP drain, NATS, agent) completed. Timings: bench/.
      const code = await exited;
      expect(code).toBe(0);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 240_000);
});
