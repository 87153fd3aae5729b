/**
 * The whole platform for end-to-end tests: identity and audit in-process on a fresh database and a
 * private NATS namespace, composed into a supergraph with their real URLs, behind the real gateway.
 * Only the token issuer's key is made in memory (the identity subgraph signs with it).
 */
import path from 'node:path';
import { Client } from 'pg';
import { createTestBus, createTestDb, createTestIssuer, gql, type GqlResult, type TestBus, type TestDb, type TestIssuer } from '@imagy/platform/testing';
import type { EventSigner, Namespace, NatsConnection } from '@imagy/platform/events';
import { startIdentity } from '../subgraphs/identity/src/app';
import { startAudit } from '../subgraphs/audit/src/app';
import { startGateway } from '../gateway/src/server';
import { attachSubscriptions } from '../gateway/src/subscriptions';
import { composeSupergraph } from '../schema/compose';

export const DEV_PASSWORD = 'Imagy-demo-2026!';
export const LOGIN = `mutation($input: LoginInput!) { login(input: $input) { accessToken refreshToken user { id email tenantId } userErrors { code message } } }`;
export const CREATE_USER = `mutation($input: CreateUserInput!) { createUser(input: $input) { user { id email } userErrors { code message field } } }`;
export const CREATE_TENANT = `mutation($input: CreateTenantInput!) { createTenant(input: $input) { tenant { id slug } userErrors { code message field } } }`;

export interface Platform {
  db: TestDb;
  bus: TestBus;
  issuer: TestIssuer;
  gatewayUrl: string;
  /** ws://.../graphql on the gateway (graphql-ws). */
  gatewayWsUrl: string;
  identityUrl: string;
  auditUrl: string;
  call<T = any>(query: string, variables?: Record<string, unknown>, token?: string): Promise<GqlResult<T>>;
  login(tenantSlug: string, email: string, password: string): Promise<{ accessToken: string; user: { id: string; tenantId: string } }>;
  sql<T = any>(query: string, params?: unknown[]): Promise<T[]>;
  stop(): Promise<void>;
}

export interface PlatformOptions {
  label: string;
  /** Use this NATS connection/namespace/signer instead of a fresh test bus (fault tests). */
  bus?: { nc: NatsConnection; ns: Namespace; signer: EventSigner; close(): Promise<void> };
  /** Do not start audit in-process (a test runs it as a child process). */
  withoutAudit?: boolean;
  auditUrl?: string;
}

export async function startPlatform(options: PlatformOptions): Promise<Platform> {
  const db = await createTestDb(options.label);
  const bus = (options.bus ?? (await createTestBus())) as TestBus;
  const issuer = await createTestIssuer();
  const identity = await startIdentity({
    adminUrl: db.adminUrl, port: 0, host: '127.0.0.1', nc: bus.nc, ns: bus.ns, signer: bus.signer,
    verifier: issuer.verifier, signingKey: issuer.key, issuer: issuer.issuer, audience: issuer.audience, seed: true, poolMax: 5,
  });
  const audit = options.withoutAudit ? null : await startAudit({ adminUrl: db.adminUrl, port: 0, host: '127.0.0.1', nc: bus.nc, ns: bus.ns, signer: bus.signer, verifier: issuer.verifier });
  const auditUrl = audit?.url ?? options.auditUrl ?? 'http://127.0.0.1:9/graphql';
  const supergraphSdl = composeSupergraph(path.resolve(__dirname, '..', 'rover.yaml'), { identity: identity.url, audit: auditUrl });
  const gateway = await startGateway({ supergraphSdl, port: 0, host: '127.0.0.1', verifier: issuer.verifier });
  const subscriptions = attachSubscriptions({ httpServer: gateway.httpServer, supergraphSdl, verifier: issuer.verifier });
  const call: Platform['call'] = (query, variables, token) => gql(gateway.url, query, variables, { token });
  return {
    db, bus, issuer,
    gatewayUrl: gateway.url,
    gatewayWsUrl: gateway.url.replace(/^http/, 'ws'),
    identityUrl: identity.url,
    auditUrl,
    call,
    async login(tenantSlug, email, password) {
      const r = await call(LOGIN, { input: { tenantSlug, email, password } });
      if (r.errors || r.data.login.userErrors.length) throw new Error(`login failed: ${JSON.stringify(r.errors ?? r.data.login.userErrors)}`);
      return r.data.login;
    },
    async sql(query, params = []) {
      const client = new Client({ connectionString: db.adminUrl });
      await client.connect();
      try { return (await client.query(query, params)).rows; } finally { await client.end(); }
    },
    async stop() {
      await subscriptions.close();
      await gateway.stop();
      await audit?.stop();
      await identity.stop();
      if (!options.bus) await bus.close();
      await db.drop();
    },
  };
}
