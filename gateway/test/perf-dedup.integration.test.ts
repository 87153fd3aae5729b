/**
 * In-flight deduplication (src/fast-path.ts inbound, src/dedup.ts subgraph fetches) must never
 * share a result between different callers, never share mutations, and keep nothing once the
 * shared execution has settled. One real subgraph records every request it receives and the
 * Authorization header it carried; its resolvers wait on a latch the test releases once every
 * request of the test is in flight (each either reached the subgraph or joined one that did), so
 * concurrent requests really overlap without any sleep.
 */
import http from 'node:http';
import { GraphQLError, parse } from 'graphql';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { startStandaloneServer } from '@apollo/server/standalone';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { composeServices } from '@apollo/composition';
import { exportJWK, generateKeyPair } from 'jose';
import { signToken, TokenVerifier, type SigningKey } from '@imagy/platform/auth';
import { waitFor } from '@imagy/platform/testing';
import { startGateway, type GatewayOptions, type RunningGateway } from '../src/server';
import { NoTenantStatusCheck } from '../src/cli-auth';
import { inboundDedup } from '../src/fast-path';
import { subgraphFetchDedup } from '../src/dedup';

const ISSUER = 'https://issuer.perf.imagy';
const AUDIENCE = 'imagy-perf';
const TENANT = '11111111-1111-4111-8111-111111111111';

interface Seen { field: string; authorization?: string; requestId?: string }
const seen: Seen[] = [];
let flakyCalls = 0;
let bumps = 0;

/** Resolvers wait here until the test releases them; `arrived` counts the upstream fetches that reached one. */
class Latch {
  arrived = 0;
  private released = false;
  private waiting: (() => void)[] = [];

  wait(): Promise<void> {
    this.arrived++;
    if (this.released) return Promise.resolve();
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  release(): void {
    this.released = true;
    for (const resolve of this.waiting.splice(0)) resolve();
  }
}
let latch = new Latch();

const sharedCount = async (): Promise<number> => {
  const of = async (counter: typeof inboundDedup) => (await counter.get()).values.find((v) => v.labels.result === 'shared')?.value ?? 0;
  return (await of(inboundDedup)) + (await of(subgraphFetchDedup));
};
let sharedBefore = 0;

/**
 * Waits until `n` requests are in flight at once (each reached a resolver or joined an identical
 * in-flight request or fetch), then releases the resolvers.
 */
async function releaseWhenInFlight(n: number): Promise<void> {
  await waitFor(async () => latch.arrived + (await sharedCount()) - sharedBefore >= n, 20_000, 10);
  latch.release();
}

const typeDefs = parse(`
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.6", import: ["@key"])
  type Item @key(fields: "id") { id: ID! owner: String language: String }
  type Query { slow(id: ID!): Item flaky: String }
  type Mutation { bump: Int! }
`);
interface Ctx { headers: http.IncomingHttpHeaders }
const record = (field: string, ctx: Ctx) => seen.push({ field, authorization: ctx.headers.authorization, requestId: ctx.headers['x-request-id'] as string | undefined });
const resolvers = {
  Query: {
    slow: async (_: unknown, args: { id: string }, ctx: Ctx) => {
      record('slow', ctx);
      await latch.wait();
      return { id: args.id, owner: ctx.headers.authorization ?? null, language: ctx.headers['accept-language'] ?? null };
    },
    flaky: async (_: unknown, __: unknown, ctx: Ctx) => {
      record('flaky', ctx);
      flakyCalls++;
      await latch.wait();
      // A typed error: the gateway passes its message on (an untyped one is masked, errors.ts).
      if (flakyCalls === 1) throw new GraphQLError('flaky failure', { extensions: { code: 'CONFLICT' } });
      return 'recovered';
    },
  },
  Mutation: {
    bump: async (_: unknown, __: unknown, ctx: Ctx) => {
      record('bump', ctx);
      await latch.wait();
      return ++bumps;
    },
  },
};

let subgraph: ApolloServer<Ctx>;
let supergraphSdl: string;
let key: SigningKey;
let verifier: TokenVerifier;

beforeAll(async () => {
  subgraph = new ApolloServer<Ctx>({ schema: buildSubgraphSchema([{ typeDefs, resolvers: resolvers as never }]), plugins: [ApolloServerPluginInlineTraceDisabled()] });
  const { url } = await startStandaloneServer(subgraph, { listen: { port: 0, host: '127.0.0.1' }, context: async ({ req }) => ({ headers: req.headers }) });
  const composed = composeServices([{ name: 'items', url, typeDefs }]);
  if (!composed.supergraphSdl) throw new Error(`composition failed: ${composed.errors?.map((e) => e.message).join('; ')}`);
  supergraphSdl = composed.supergraphSdl;
  const { privateKey, publicKey } = await generateKeyPair('EdDSA');
  key = { kid: 'perf', alg: 'EdDSA', privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid: 'perf', alg: 'EdDSA', use: 'sig' } };
  verifier = new TokenVerifier([{ issuer: ISSUER, audience: AUDIENCE, jwks: { keys: [key.publicJwk] } }]);
});

afterAll(async () => {
  await subgraph?.stop();
});

beforeEach(async () => {
  seen.length = 0;
  flakyCalls = 0;
  bumps = 0;
  latch = new Latch();
  sharedBefore = await sharedCount();
});

const token = (sub: string, extra: Record<string, unknown> = {}) =>
  signToken(key, { sub, tid: TENANT, roles: ['staff'], ...extra }, { issuer: ISSUER, audience: AUDIENCE, ttlSeconds: 300 });

async function withGateway(options: Partial<GatewayOptions>, run: (gw: RunningGateway) => Promise<void>): Promise<void> {
  const gw = await startGateway({ supergraphSdl, port: 0, host: '127.0.0.1', verifier, tenantStatus: new NoTenantStatusCheck(), ...options });
  try {
    await run(gw);
  } finally {
    await gw.stop();
  }
}

async function post(gw: RunningGateway, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(gw.url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  return { status: res.status, text: await res.text(), requestId: res.headers.get('x-request-id') };
}

const SLOW = '{ slow(id: "1") { id owner } }';

/** Sends the requests together and releases the resolvers once `n` of them are in flight. */
async function concurrently<T>(n: number, requests: Promise<T>[]): Promise<T[]> {
  const [results] = await Promise.all([Promise.all(requests), releaseWhenInFlight(n)]);
  return results;
}

describe('inbound in-flight deduplication', () => {
  it('never shares between callers with different tokens: the subgraph sees both', async () => {
    await withGateway({}, async (gw) => {
      const [a, b] = [await token('alice'), await token('bob')];
      const [ra, rb] = await concurrently(2, [
        post(gw, { query: SLOW }, { authorization: `Bearer ${a}` }),
        post(gw, { query: SLOW }, { authorization: `Bearer ${b}` }),
      ]);
      expect(JSON.parse(ra.text)).toEqual({ data: { slow: { id: '1', owner: `Bearer ${a}` } } });
      expect(JSON.parse(rb.text)).toEqual({ data: { slow: { id: '1', owner: `Bearer ${b}` } } });
      expect(seen.map((s) => s.authorization).sort()).toEqual([`Bearer ${a}`, `Bearer ${b}`].sort());
    });
  });

  it('never shares between tokens of the same user with different scopes', async () => {
    await withGateway({}, async (gw) => {
      const [a, b] = [await token('alice', { scope: 'read' }), await token('alice', { scope: 'read write' })];
      await concurrently(2, [
        post(gw, { query: SLOW }, { authorization: `Bearer ${a}` }),
        post(gw, { query: SLOW }, { authorization: `Bearer ${b}` }),
      ]);
      expect(seen).toHaveLength(2);
    });
  });

  it("shares the same caller's identical concurrent queries (one subgraph request, same body, own request ids)", async () => {
    await withGateway({}, async (gw) => {
      const auth = { authorization: `Bearer ${await token('alice')}` };
      const results = await concurrently(5, Array.from({ length: 5 }, () => post(gw, { query: SLOW }, auth)));
      expect(results.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
      expect(new Set(results.map((r) => r.text)).size).toBe(1);
      expect(JSON.parse(results[0]!.text)).toEqual({ data: { slow: { id: '1', owner: auth.authorization } } });
      expect(new Set(results.map((r) => r.requestId)).size).toBe(5);
      expect(seen).toHaveLength(1);
      const metrics = await (await fetch(gw.url.replace('/graphql', '/metrics'))).text();
      expect(metrics).toMatch(/imagy_gateway_inbound_dedup_total\{result="shared"\} ([4-9]|\d\d)/);
    });
  });

  it('does not share when variables, operation text or caller-supplied forwarded headers differ', async () => {
    await withGateway({}, async (gw) => {
      const auth = { authorization: `Bearer ${await token('alice')}` };
      const q = 'query Q($id: ID!) { slow(id: $id) { id } }';
      await concurrently(4, [
        post(gw, { query: q, variables: { id: '1' } }, auth),
        post(gw, { query: q, variables: { id: '2' } }, auth),
        post(gw, { query: SLOW }, { ...auth, 'x-request-id': 'caller-request-0001' }),
        post(gw, { query: SLOW }, { ...auth, 'x-request-id': 'caller-request-0002' }),
      ]);
      expect(seen).toHaveLength(4);
      expect(seen.map((s) => s.requestId)).toEqual(expect.arrayContaining(['caller-request-0001', 'caller-request-0002']));
    });
  });

  it('never shares between identical requests in different languages: each gets its own', async () => {
    await withGateway({}, async (gw) => {
      const auth = { authorization: `Bearer ${await token('alice')}` };
      const q = '{ slow(id: "1") { id language } }';
      const [es, en] = await concurrently(2, [
        post(gw, { query: q }, { ...auth, 'accept-language': 'es-MX,es;q=0.9' }),
        post(gw, { query: q }, { ...auth, 'accept-language': 'en-US,en;q=0.9' }),
      ]);
      expect(JSON.parse(es.text)).toEqual({ data: { slow: { id: '1', language: 'es-MX,es;q=0.9' } } });
      expect(JSON.parse(en.text)).toEqual({ data: { slow: { id: '1', language: 'en-US,en;q=0.9' } } });
      expect(seen).toHaveLength(2);
    });
  });

  it('never shares mutations', async () => {
    await withGateway({}, async (gw) => {
      const auth = { authorization: `Bearer ${await token('alice')}` };
      const results = await concurrently(3, Array.from({ length: 3 }, () => post(gw, { query: 'mutation { bump }' }, auth)));
      expect(results.map((r) => JSON.parse(r.text).data.bump).sort()).toEqual([1, 2, 3]);
      expect(seen.filter((s) => s.field === 'bump')).toHaveLength(3);
    });
  });

  it('keeps no result or error after the shared execution settled', async () => {
    await withGateway({}, async (gw) => {
      const auth = { authorization: `Bearer ${await token('alice')}` };
      const first = await concurrently(3, Array.from({ length: 3 }, () => post(gw, { query: '{ flaky }' }, auth)));
      for (const r of first) expect(JSON.parse(r.text).errors?.[0]?.message).toMatch(/flaky failure/);
      expect(flakyCalls).toBe(1);
      const again = await post(gw, { query: '{ flaky }' }, auth);
      expect(JSON.parse(again.text)).toEqual({ data: { flaky: 'recovered' } });
      expect(flakyCalls).toBe(2);
      // A success is not kept either.
      await post(gw, { query: SLOW }, auth);
      await post(gw, { query: SLOW }, auth);
      expect(seen.filter((s) => s.field === 'slow')).toHaveLength(2);
    });
  });

  it('still verifies every request: a bad token among good ones gets 401', async () => {
    await withGateway({}, async (gw) => {
      const good = `Bearer ${await token('alice')}`;
      const [ok, bad] = await concurrently(1, [
        post(gw, { query: SLOW }, { authorization: good }),
        post(gw, { query: SLOW }, { authorization: `${good.slice(0, -4)}AAAA` }),
      ]);
      expect(ok.status).toBe(200);
      expect(bad.status).toBe(401);
      expect(JSON.parse(bad.text).errors[0].extensions.code).toBe('UNAUTHENTICATED');
      expect(seen).toHaveLength(1);
    });
  });

  it('is off with dedup: false and fetchDedup: false (every request reaches the subgraph)', async () => {
    await withGateway({ dedup: false, fetchDedup: false }, async (gw) => {
      const auth = { authorization: `Bearer ${await token('alice')}` };
      await concurrently(3, Array.from({ length: 3 }, () => post(gw, { query: SLOW }, auth)));
      expect(seen).toHaveLength(3);
    });
  });
});

describe('subgraph fetch deduplication (inbound deduplication off)', () => {
  // Two spellings of one operation: different inbound requests, the same subgraph fetch.
  const A = '{ slow(id: "1") { id owner } }';
  const B = '{slow(id:"1"){id owner}}';

  it("collapses the same caller's identical concurrent fetches", async () => {
    await withGateway({ dedup: false }, async (gw) => {
      const auth = { authorization: `Bearer ${await token('alice')}` };
      const [ra, rb] = await concurrently(2, [post(gw, { query: A }, auth), post(gw, { query: B }, auth)]);
      expect(ra.text).toBe(rb.text);
      expect(seen).toHaveLength(1);
    });
  });

  it('never collapses fetches carrying different Authorization headers', async () => {
    await withGateway({ dedup: false }, async (gw) => {
      const [a, b] = [await token('alice'), await token('bob')];
      const [ra, rb] = await concurrently(2, [
        post(gw, { query: A }, { authorization: `Bearer ${a}` }),
        post(gw, { query: B }, { authorization: `Bearer ${b}` }),
      ]);
      expect(JSON.parse(ra.text).data.slow.owner).toBe(`Bearer ${a}`);
      expect(JSON.parse(rb.text).data.slow.owner).toBe(`Bearer ${b}`);
      expect(seen).toHaveLength(2);
    });
  });

  it('never collapses mutation fetches', async () => {
    await withGateway({ dedup: false }, async (gw) => {
      const auth = { authorization: `Bearer ${await token('alice')}` };
      await concurrently(2, [post(gw, { query: 'mutation { bump }' }, auth), post(gw, { query: 'mutation{bump}' }, auth)]);
      expect(seen.filter((s) => s.field === 'bump')).toHaveLength(2);
    });
  });
});
