/**
 * Shared world of the gateway feature tests: two tiny real subgraphs (identity and audit) composed
 * here with @apollo/composition, a local JWKS verifier, and the gateway in front, all over real
 * HTTP. The subgraphs count requests and resolver calls, so "never fetched" is checked, not assumed.
 */
import http from 'node:http';
import { parse, type DocumentNode } from 'graphql';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { startStandaloneServer } from '@apollo/server/standalone';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { composeServices } from '@apollo/composition';
import { decodeJwt, exportJWK, generateKeyPair } from 'jose';
import { signToken, TokenVerifier, type AccessClaims, type SigningKey } from '@imagy/platform/auth';
import { startGateway, type GatewayOptions, type RunningGateway } from '../src/server';

export const ISSUER = 'https://issuer.test.imagy';
export const AUDIENCE = 'imagy-test';
export const TENANT = '11111111-1111-4111-8111-111111111111';
export const USER_ID = 'user-1';

export const identitySdl = `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.6", import: ["@key", "@authenticated", "@requiresScopes", "@policy"])
  type Tenant @key(fields: "id") { id: ID! slug: String! name: String! status: String! }
  type User @key(fields: "id") {
    id: ID!
    email: String! @authenticated
    displayName: String!
    internalNote: String! @policy(policies: [["support"]])
  }
  type Query {
    currentTenant: Tenant
    tenantByHost(host: String!): Tenant
    me: User @authenticated
  }
`;

export const auditSdl = `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.6", import: ["@key", "@authenticated", "@requiresScopes", "@policy"])
  type User @key(fields: "id") { id: ID! auditTrail: [String!] @requiresScopes(scopes: [["audit:read"]]) }
  type AuditEvent { id: ID! action: String! }
  type Nested { value: Int! child: Nested }
  type Secret @authenticated { code: String! }
  type Query {
    greeting: String!
    auditTrail: [String!] @requiresScopes(scopes: [["audit:read"]])
    auditCount: Int! @requiresScopes(scopes: [["audit:read", "audit:count"], ["platform:all"]])
    complianceReport: String @policy(policies: [["compliance"]])
    secret: Secret
    events(first: Int): [AuditEvent!]!
    nested: Nested
    whoAmI: WhoAmI!
    sum(values: [Int!]!): Int!
  }
  type WhoAmI { traceparent: String tracestate: String }
`;

export interface Calls { identity: number; audit: number; auditTrail: number; userAuditTrail: number }

interface SubgraphContext { headers: http.IncomingHttpHeaders }

const nested = (depth: number): unknown => (depth > 40 ? null : { value: depth, child: () => nested(depth + 1) });

export interface World {
  gateway: RunningGateway;
  supergraphSdl: string;
  calls: Calls;
  key: SigningKey;
  verifier: TokenVerifier;
  /** A user token of the test tenant; `scope` is space separated. */
  userToken(claims?: Partial<AccessClaims> & Record<string, unknown>): Promise<string>;
  /** An integrator token (`kid_type: 'api_key'`). */
  apiKeyToken(claims?: Partial<AccessClaims> & Record<string, unknown>): Promise<string>;
  gql(body: unknown, headers?: Record<string, string>): Promise<{ status: number; body: any; headers: Headers }>;
  metrics(): Promise<string>;
  resetCalls(): void;
  stop(): Promise<void>;
}

export async function startWorld(gatewayOptions: Partial<GatewayOptions> = {}): Promise<World> {
  const calls: Calls = { identity: 0, audit: 0, auditTrail: 0, userAuditTrail: 0 };
  const { privateKey, publicKey } = await generateKeyPair('EdDSA');
  const key: SigningKey = { kid: 'test-key', alg: 'EdDSA', privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid: 'test-key', alg: 'EdDSA', use: 'sig' } };
  const verifier = new TokenVerifier([{ issuer: ISSUER, audience: AUDIENCE, jwks: { keys: [key.publicJwk] } }]);

  const identityResolvers = {
    Query: {
      currentTenant: (_: unknown, __: unknown, ctx: SubgraphContext) => {
        const token = /^Bearer (.+)$/.exec(ctx.headers.authorization ?? '')?.[1];
        const tid = token ? (decodeJwt(token).tid as string | undefined) : undefined;
        return tid === TENANT ? { id: TENANT, slug: 'acme', name: 'Acme', status: 'ACTIVE' } : null;
      },
      tenantByHost: (_: unknown, args: { host: string }) => (args.host === 'acme.example' ? { id: TENANT, slug: 'acme', name: 'Acme', status: 'ACTIVE' } : null),
      me: () => ({ id: USER_ID, email: 'ana@acme.example', displayName: 'Ana', internalNote: 'vip' }),
    },
    User: { __resolveReference: (ref: { id: string }) => ({ id: ref.id, email: 'ana@acme.example', displayName: 'Ana', internalNote: 'vip' }) },
  };
  const auditResolvers = {
    Query: {
      greeting: () => 'hello',
      auditTrail: () => { calls.auditTrail++; return ['login', 'logout']; },
      auditCount: () => 2,
      complianceReport: () => 'all good',
      secret: () => ({ code: 's3cr3t' }),
      events: (_: unknown, args: { first?: number }) => Array.from({ length: Math.min(args.first ?? 3, 5) }, (_v, i) => ({ id: `e${i}`, action: 'login' })),
      nested: () => nested(1),
      whoAmI: (_: unknown, __: unknown, ctx: SubgraphContext) => ({ traceparent: ctx.headers.traceparent ?? null, tracestate: ctx.headers.tracestate ?? null }),
      sum: (_: unknown, args: { values: number[] }) => args.values.reduce((a, b) => a + b, 0),
    },
    User: {
      __resolveReference: (ref: { id: string }) => ({ id: ref.id }),
      auditTrail: () => { calls.userAuditTrail++; return [`trail of ${USER_ID}`]; },
    },
  };

  const servers: ApolloServer<SubgraphContext>[] = [];
  const start = async (name: 'identity' | 'audit', sdl: string, resolvers: object) => {
    const typeDefs: DocumentNode = parse(sdl);
    const server = new ApolloServer<SubgraphContext>({
      schema: buildSubgraphSchema([{ typeDefs, resolvers: resolvers as never }]),
      plugins: [ApolloServerPluginInlineTraceDisabled()],
    });
    const { url } = await startStandaloneServer(server, {
      listen: { port: 0, host: '127.0.0.1' },
      context: async ({ req }) => { calls[name]++; return { headers: req.headers }; },
    });
    servers.push(server);
    return { name, url, typeDefs };
  };
  const services = [await start('identity', identitySdl, identityResolvers), await start('audit', auditSdl, auditResolvers)];
  const composed = composeServices(services);
  if (composed.errors?.length || !composed.supergraphSdl) throw new Error(`composition failed: ${composed.errors?.map((e) => e.message).join('; ')}`);
  const supergraphSdl = composed.supergraphSdl;

  let gateway: RunningGateway;
  try {
    gateway = await startGateway({ supergraphSdl, port: 0, host: '127.0.0.1', verifier, ...gatewayOptions });
  } catch (e) {
    await Promise.all(servers.map((s) => s.stop()));
    throw e;
  }

  const sign = (claims: Record<string, unknown>) =>
    signToken(key, { sub: USER_ID, tid: TENANT, roles: ['staff'], ...claims } as AccessClaims, { issuer: ISSUER, audience: AUDIENCE, ttlSeconds: 300 });

  return {
    gateway,
    supergraphSdl,
    calls,
    key,
    verifier,
    userToken: (claims = {}) => sign(claims),
    apiKeyToken: (claims = {}) => sign({ kid_type: 'api_key', ...claims }),
    async gql(body, headers = {}) {
      const res = await fetch(gateway.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify(typeof body === 'string' ? { query: body } : body),
      });
      const text = await res.text();
      let parsed: unknown;
      try { parsed = JSON.parse(text); } catch { parsed = text; }
      return { status: res.status, body: parsed as any, headers: res.headers };
    },
    async metrics() {
      return (await fetch(gateway.url.replace('/graphql', '/metrics'))).text();
    },
    resetCalls() {
      calls.identity = 0; calls.audit = 0; calls.auditTrail = 0; calls.userAuditTrail = 0;
    },
    async stop() {
      await gateway.stop();
      await Promise.all(servers.map((s) => s.stop()));
    },
  };
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** Counter value from Prometheus text, 0 when absent. */
export function metricValue(text: string, name: string, labels: Record<string, string> = {}): number {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const ok = Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`));
    if (ok) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return 0;
}
