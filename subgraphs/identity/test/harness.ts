/**
 * Test harness: identity in-process on a fresh database (real PostgreSQL), a private NATS
 * namespace (real JetStream), and an in-memory issuer whose key also signs identity's own tokens.
 */
import http from 'node:http';
import { Client } from 'pg';
import { Outbox } from '@imagy/platform/events';
import { createTestBus, createTestDb, createTestIssuer, gql, type GqlResult, type TestBus, type TestDb, type TestIssuer } from '@imagy/platform/testing';
import { startIdentity, type RunningIdentity } from '../src/app';
import { DEFAULT_DEV_PASSWORD, seedDemo, type SeedResult } from '../src/seed/seed.service';

export const PLATFORM_PASSWORD = process.env.PLATFORM_ADMIN_PASSWORD || DEFAULT_DEV_PASSWORD;
export const DEMO_PASSWORD = process.env.DEMO_ADMIN_PASSWORD || DEFAULT_DEV_PASSWORD;

export interface Harness {
  db: TestDb;
  bus: TestBus;
  issuer: TestIssuer;
  identity: RunningIdentity;
  seed: SeedResult;
  url: string;
  call<T = any>(query: string, variables?: Record<string, unknown>, token?: string, headers?: Record<string, string>): Promise<GqlResult<T>>;
  login(tenantSlug: string, email: string, password: string, headers?: Record<string, string>): Promise<any>;
  /** Signs in as the seeded platform admin. */
  platformToken(): Promise<string>;
  /** Creates a tenant (as platform admin) with a tenant admin; returns ids and the admin's token. */
  newTenant(slug: string, extra?: Record<string, unknown>): Promise<{ tenantId: string; adminId: string; adminEmail: string; token: string }>;
  /** Creates a user through GraphQL; throws on userErrors. */
  createUser(token: string, input: Record<string, unknown>): Promise<any>;
  /**
   * POSTs a raw body to /graphql from a given local address (any 127.x.y.z works on Linux), so a
   * test can be a distinct client address without trusting X-Forwarded-For.
   */
  postFrom(localAddress: string, body: unknown, headers?: Record<string, string>): Promise<{ status: number; json: any }>;
  /** GraphQL from a given local address (see postFrom). */
  callFrom<T = any>(localAddress: string, query: string, variables?: Record<string, unknown>, headers?: Record<string, string>): Promise<GqlResult<T>>;
  /** SQL as the database superuser (bypasses RLS): for assertions only. */
  adminSql<T = any>(sql: string, params?: unknown[]): Promise<T[]>;
  close(): Promise<void>;
}

export const LOGIN = `mutation($input: LoginInput!) { login(input: $input) { accessToken refreshToken expiresAt user { id email roles tenantId } userErrors { code message field } } }`;
export const CREATE_USER = `mutation($input: CreateUserInput!) { createUser(input: $input) { user { id email phone displayName roles status tenantId } userErrors { code message field } } }`;
export const CREATE_TENANT = `mutation($input: CreateTenantInput!) { createTenant(input: $input) { tenant { id slug name status hostnames defaultLocale currency timezone createdAt } userErrors { code message field } } }`;

export async function startHarness(label: string): Promise<Harness> {
  const db = await createTestDb(label);
  const bus = await createTestBus();
  const issuer = await createTestIssuer();
  const identity = await startIdentity({
    adminUrl: db.adminUrl, port: 0, host: '127.0.0.1', nc: bus.nc, ns: bus.ns, signer: bus.signer,
    verifier: issuer.verifier, signingKey: issuer.key, issuer: issuer.issuer, audience: issuer.audience, seed: true, poolMax: 5,
  });
  // Idempotent: a second run returns the same rows (and gives us their ids).
  const seed = await seedDemo(identity.orm, new Outbox(bus.signer));
  const url = identity.url;
  const call: Harness['call'] = (query, variables, token, headers) => gql(url, query, variables, { token, headers });
  const login: Harness['login'] = async (tenantSlug, email, password, headers) => {
    const r = await call(LOGIN, { input: { tenantSlug, email, password } }, undefined, headers);
    if (r.errors) throw new Error(JSON.stringify(r.errors));
    return r.data.login;
  };
  let platform: string | null = null;
  const platformToken = async () => {
    platform ??= (await login('platform', 'admin@platform.localhost', PLATFORM_PASSWORD)).accessToken as string;
    return platform;
  };
  const createUser: Harness['createUser'] = async (token, input) => {
    const r = await call(CREATE_USER, { input }, token);
    if (r.errors || r.data.createUser.userErrors.length) throw new Error(JSON.stringify(r.errors ?? r.data.createUser.userErrors));
    return r.data.createUser.user;
  };
  const newTenant: Harness['newTenant'] = async (slug, extra = {}) => {
    const token = await platformToken();
    const r = await call(CREATE_TENANT, { input: { slug, name: `Tenant ${slug}`, hostnames: [`${slug}.example.test`], currency: 'MXN', ...extra } }, token);
    if (r.errors || r.data.createTenant.userErrors.length) throw new Error(JSON.stringify(r.errors ?? r.data.createTenant.userErrors));
    const tenantId = r.data.createTenant.tenant.id as string;
    const adminEmail = `admin@${slug}.example.test`;
    const admin = await createUser(token, { tenantId, email: adminEmail, displayName: `Admin ${slug}`, roles: ['tenant_admin'], password: 'admin-password-1' });
    const session = await login(slug, adminEmail, 'admin-password-1');
    return { tenantId, adminId: admin.id, adminEmail, token: session.accessToken };
  };
  const postFrom: Harness['postFrom'] = (localAddress, body, headers = {}) => new Promise((resolve, reject) => {
    const payload = Buffer.from(JSON.stringify(body));
    const req = http.request(url, {
      method: 'POST', localAddress,
      headers: { 'content-type': 'application/json', 'content-length': String(payload.length), ...headers },
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: unknown = null;
        try { json = JSON.parse(text); } catch { json = text; }
        resolve({ status: res.statusCode ?? 0, json });
      });
    });
    req.on('error', reject);
    req.end(payload);
  });
  const callFrom: Harness['callFrom'] = async (localAddress, query, variables, headers) => {
    const { status, json } = await postFrom(localAddress, { query, variables }, headers);
    return { status, data: json?.data, errors: json?.errors, headers: new Headers() };
  };
  const adminSql: Harness['adminSql'] = async (sql, params = []) => {
    const client = new Client({ connectionString: db.adminUrl });
    await client.connect();
    try {
      return (await client.query(sql, params)).rows;
    } finally {
      await client.end();
    }
  };
  return {
    db, bus, issuer, identity, seed, url, call, login, platformToken, newTenant, createUser, postFrom, callFrom, adminSql,
    async close() {
      await identity.stop();
      await bus.close();
      await db.drop();
    },
  };
}

/** The decoded (unverified) claims of a JWT, for assertions. */
export function claimsOf(token: string): Record<string, any> {
  return JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8'));
}
