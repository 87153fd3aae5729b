/**
 * The whole platform for end-to-end tests: identity, audit, lending, notifications, flow and sign in-process on a fresh database and a
 * private NATS namespace, composed into a supergraph with their real URLs, behind the real gateway.
 * Only the token issuer's key is made in memory (the identity subgraph signs with it).
 */
import path from 'node:path';
import { Client } from 'pg';
import { createTestBus, createTestDb, createTestIssuer, gql, type GqlResult, type TestBus, type TestDb, type TestIssuer } from '@imagy/platform/testing';
import type { EventSigner, Namespace, NatsConnection } from '@imagy/platform/events';
import { startIdentity } from '../subgraphs/identity/src/app';
import { startAudit } from '../subgraphs/audit/src/app';
import { startLending, type RunningLending } from '../subgraphs/lending/src/app';
import { startNotifications, type NotificationsTestOptions, type RunningNotifications } from '../subgraphs/notifications/src/app';
import { startFlow, type FlowSettings, type RunningFlow } from '../subgraphs/flow/src/app';
import { startSign, type RunningSign, type SignOptions } from '../subgraphs/sign/src/app';
import { startGateway, type RunningGateway } from '../gateway/src/server';
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
  lendingUrl: string;
  lending: RunningLending;
  notificationsUrl: string;
  notifications: RunningNotifications;
  flowUrl: string;
  flow: RunningFlow;
  signUrl: string;
  sign: RunningSign;
  /** The gateway as startGateway assembled it (its API-key auth and rate-limit health, for fault tests). */
  gateway: RunningGateway;
  call<T = any>(query: string, variables?: Record<string, unknown>, token?: string): Promise<GqlResult<T>>;
  login(tenantSlug: string, email: string, password: string): Promise<{ accessToken: string; user: { id: string; tenantId: string } }>;
  sql<T = any>(query: string, params?: unknown[]): Promise<T[]>;
  /** The composed supergraph the gateway serves. */
  supergraphSdl: string;
  /** Another gateway replica on the same supergraph, bus and issuer (shared rate-limit counters). */
  startReplica(): Promise<{ url: string; gateway: RunningGateway; stop(): Promise<void> }>;
  stop(): Promise<void>;
}

export interface PlatformOptions {
  label: string;
  /** Use this NATS connection/namespace/signer instead of a fresh test bus (fault tests). */
  bus?: { nc: NatsConnection; ns: Namespace; signer: EventSigner; close(): Promise<void> };
  /** Do not start audit in-process (a test runs it as a child process). */
  withoutAudit?: boolean;
  auditUrl?: string;
  /** Options of the in-process notifications subgraph (e.g. `allowPrivateUrls` for provider-playing local servers). */
  notifications?: NotificationsTestOptions;
  /** Flow's settings (provider keys, private provider URLs for a local fake provider...); default: mock providers only. */
  flow?: FlowSettings;
  /** Sign's options (signing link base, token key, seal); default: the state folder's dev seal and key. */
  sign?: Partial<SignOptions>;
  /** A console build folder for the gateway to serve at /console/ (browser tests); default: none. */
  console?: string;
  /** A portal build folder for the gateway to serve at / (browser tests); default: none. */
  portal?: string;
}

export async function startPlatform(options: PlatformOptions): Promise<Platform> {
  // As in `npm start`: subgraphs believe X-Forwarded-For only with the gateway's proof (the same
  // installation secret, this process's state folder), not because the caller is on this machine.
  const db = await createTestDb(options.label);
  const bus = (options.bus ?? (await createTestBus())) as TestBus;
  const issuer = await createTestIssuer();
  const identity = await startIdentity({
    adminUrl: db.adminUrl, port: 0, host: '127.0.0.1', nc: bus.nc, ns: bus.ns, signer: bus.signer,
    verifier: issuer.verifier, signingKey: issuer.key, issuer: issuer.issuer, audience: issuer.audience, seed: true, poolMax: 5,
  });
  const audit = options.withoutAudit ? null : await startAudit({ adminUrl: db.adminUrl, port: 0, host: '127.0.0.1', nc: bus.nc, ns: bus.ns, signer: bus.signer, verifier: issuer.verifier });
  const auditUrl = audit?.url ?? options.auditUrl ?? 'http://127.0.0.1:9/graphql';
  const lending = await startLending({ adminUrl: db.adminUrl, port: 0, host: '127.0.0.1', nc: bus.nc, ns: bus.ns, signer: bus.signer, verifier: issuer.verifier, poolMax: 12, delinquencyIntervalMs: 0 });
  const notifications = await startNotifications({ adminUrl: db.adminUrl, port: 0, host: '127.0.0.1', nc: bus.nc, ns: bus.ns, signer: bus.signer, verifier: issuer.verifier, poolMax: 5, options: options.notifications });
  const flow = await startFlow({ adminUrl: db.adminUrl, port: 0, host: '127.0.0.1', nc: bus.nc, ns: bus.ns, signer: bus.signer, verifier: issuer.verifier, poolMax: 5, ...options.flow });
  const sign = await startSign({ adminUrl: db.adminUrl, port: 0, host: '127.0.0.1', nc: bus.nc, ns: bus.ns, signer: bus.signer, verifier: issuer.verifier, poolMax: 5, options: options.sign });
  const supergraphSdl = composeSupergraph(path.resolve(__dirname, '..', 'rover.yaml'), { identity: identity.url, audit: auditUrl, lending: lending.url, notifications: notifications.url, flow: flow.url, sign: sign.url });
  // API keys: revocations and rate-limit counters on the test bus's namespace.
  const apiKeys = { nats: bus.nc, namespace: bus.ns, signer: bus.signer };
  // The same assembly as gateway/src/main.ts: startGateway attaches graphql-ws itself.
  const gateway = await startGateway({ supergraphSdl, port: 0, host: '127.0.0.1', verifier: issuer.verifier, apiKeys, console: options.console ?? false, portal: options.portal ?? false });
  const replicas: { stop(): Promise<void> }[] = [];
  const call: Platform['call'] = (query, variables, token) => gql(gateway.url, query, variables, { token });
  return {
    db, bus, issuer,
    gatewayUrl: gateway.url,
    gatewayWsUrl: gateway.url.replace(/^http/, 'ws'),
    identityUrl: identity.url,
    auditUrl,
    lendingUrl: lending.url,
    lending,
    notificationsUrl: notifications.url,
    notifications,
    flowUrl: flow.url,
    flow,
    signUrl: sign.url,
    sign,
    gateway,
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
    supergraphSdl,
    async startReplica() {
      const replica = await startGateway({ supergraphSdl, port: 0, host: '127.0.0.1', verifier: issuer.verifier, apiKeys, console: options.console ?? false, portal: options.portal ?? false });
      replicas.push(replica);
      return { url: replica.url, gateway: replica, stop: () => replica.stop() };
    },
    async stop() {
      for (const r of replicas) await r.stop();
      await gateway.stop();
      await audit?.stop();
      await sign.stop();
      await notifications.stop();
      await lending.stop();
      await flow.stop();
      await identity.stop();
      if (!options.bus) await bus.close();
      await db.drop();
    },
  };
}
