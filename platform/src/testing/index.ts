/**
 * Test helpers on the real services: a fresh database per suite on the machine's PostgreSQL, a
 * unique NATS namespace per suite on the machine's NATS, an in-memory token issuer, and a small
 * GraphQL client. Nothing here mocks our own database or bus.
 */
import crypto from 'node:crypto';
import net from 'node:net';
import { exportJWK, generateKeyPair, type CryptoKey } from 'jose';
import { dropDatabase, ensureDatabase, withDatabase } from '../db/provision';
import { adminDatabaseUrl, natsUrl } from '../config';
import { signToken, type SigningKey } from '../auth';
import { TokenVerifier } from '../auth/verifier';
import { connectNats, deleteStreams, ensureStreams, namespace, type Namespace, type NatsConnection } from '../events/nats';
import { EventSigner } from '../events/envelope';

export const uniqueSuffix = () => crypto.randomBytes(5).toString('hex');

export interface TestDb { adminUrl: string; drop(): Promise<void> }

/** A new, empty database on the real PostgreSQL; `drop()` removes it. */
export async function createTestDb(label = 'test'): Promise<TestDb> {
  const name = `imagy_t_${label.replace(/[^a-z0-9]/gi, '').toLowerCase().slice(0, 20)}_${uniqueSuffix()}`;
  const adminUrl = withDatabase(adminDatabaseUrl(), name);
  await ensureDatabase(adminUrl);
  return { adminUrl, drop: () => dropDatabase(adminUrl) };
}

export interface TestBus { nc: NatsConnection; ns: Namespace; signer: EventSigner; close(): Promise<void> }

/** A NATS connection and a namespace of streams that no other suite shares. */
export async function createTestBus(): Promise<TestBus> {
  const nc = await connectNats(natsUrl(), 'test');
  const ns = namespace(`t${uniqueSuffix()}`);
  await ensureStreams(nc, ns, { duplicateWindowMs: 120_000 });
  return {
    nc,
    ns,
    signer: new EventSigner(crypto.randomBytes(32)),
    async close() {
      await deleteStreams(nc, ns).catch(() => undefined);
      await nc.drain().catch(() => undefined);
    },
  };
}

export interface TestIssuer {
  issuer: string;
  audience: string;
  key: SigningKey;
  verifier: TokenVerifier;
  jwks: { keys: object[] };
  mint(claims: { tenantId: string; userId?: string; roles?: string[]; scopes?: string[]; ttlSeconds?: number }): Promise<string>;
}

/** An in-memory Ed25519 issuer, trusted by the verifier it returns. */
export async function createTestIssuer(issuer = 'https://issuer.test', audience = 'imagy'): Promise<TestIssuer> {
  const { privateKey, publicKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
  const kid = uniqueSuffix();
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: 'EdDSA', use: 'sig' };
  const key: SigningKey = { kid, alg: 'EdDSA', privateKey: privateKey as CryptoKey, publicJwk };
  const jwks = { keys: [publicJwk] };
  return {
    issuer,
    audience,
    key,
    jwks,
    verifier: new TokenVerifier([{ issuer, audience, jwks }]),
    mint: ({ tenantId, userId, roles, scopes, ttlSeconds }) =>
      signToken(key, { sub: userId ?? crypto.randomUUID(), tid: tenantId, roles: roles ?? [], scope: (scopes ?? []).join(' ') || undefined }, { issuer, audience, ttlSeconds: ttlSeconds ?? 900 }),
  };
}

export interface GqlResult<T = any> { status: number; data?: T; errors?: { message: string; extensions?: { code?: string; [k: string]: unknown }; path?: unknown[] }[]; headers: Headers }

/** POSTs a GraphQL operation the way a browser or integrator would. */
export async function gql<T = any>(url: string, query: string, variables?: Record<string, unknown>, options: { token?: string; headers?: Record<string, string> } = {}): Promise<GqlResult<T>> {
  const res = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      ...options.headers,
    },
    body: JSON.stringify({ query, variables }),
  });
  const text = await res.text();
  let body: { data?: T; errors?: GqlResult['errors'] } = {};
  try { body = JSON.parse(text); } catch { body = { errors: [{ message: text }] }; }
  return { status: res.status, data: body.data, errors: body.errors, headers: res.headers };
}

/** Polls `probe` until it returns a truthy value or the deadline passes. */
export async function waitFor<T>(probe: () => Promise<T | null | undefined | false>, timeoutMs = 10_000, intervalMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await probe();
      if (v) return v;
    } catch (e) { last = e; }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`waitFor timed out after ${timeoutMs} ms${last ? `: ${(last as Error).message}` : ''}`);
}

/**
 * A TCP port nothing listens on right now (the OS picks it), for processes a test starts itself.
 * Another process may take it before the test binds it; ephemeral ports make that rare.
 */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen(0, host, () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** Whether something accepts TCP connections on host:port. */
export function tcpAnswers(port: number, host = '127.0.0.1', timeoutMs = 1_000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (ok: boolean) => { socket.destroy(); resolve(ok); };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

export { natsUrl };
