/**
 * Test helpers on the real services: a fresh database per suite on the machine's PostgreSQL, a
 * unique NATS namespace per suite on the machine's NATS, an in-memory token issuer, and a small
 * GraphQL client. Nothing here mocks our own database or bus.
 */
import crypto from 'node:crypto';
import net from 'node:net';
import { exportJWK, generateKeyPair, type CryptoKey } from 'jose';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { Client, type QueryResultRow } from 'pg';
import { dropDatabase, ensureDatabase, ensureSubgraphSchema, withDatabase } from '../db/provision';
import { createSubgraphOrm, type Orm, type SubgraphOrmOptions } from '../db/orm';
import { OutboxRelay } from '../events/relay';
import { adminDatabaseUrl, natsUrl } from '../config';
import { signToken, type SigningKey } from '../auth';
import { TokenVerifier } from '../auth/verifier';
import { connectNats, deleteStreams, ensureStreams, namespace, streamName, wireSubject, type Namespace, type NatsConnection } from '../events/nats';
import { EventSigner, type EventActor, type EventEnvelope } from '../events/envelope';
import { DOMAINS, type EventCatalogue, type EventSubject } from '../events/catalogue';

export const uniqueSuffix = () => crypto.randomBytes(5).toString('hex');

/**
 * Runs `work` with one connected `pg` client on `connectionString` and always closes it: for tests
 * that look at the database from outside the app (as the superuser, or as a subgraph's own role to
 * prove what RLS lets it see), including across an explicit `begin` ... `rollback`.
 */
export async function withSqlClient<T>(connectionString: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** One statement on `connectionString`, its rows returned. */
export function sqlRows<T extends QueryResultRow = any>(connectionString: string, query: string, params: unknown[] = []): Promise<T[]> {
  return withSqlClient(connectionString, async (client) => (await client.query<T>(query, params)).rows);
}

export interface TestDb {
  adminUrl: string;
  /** A statement as the database's superuser (outside RLS): for arranging and checking, never for the app. */
  sql<T extends QueryResultRow = any>(query: string, params?: unknown[]): Promise<T[]>;
  drop(): Promise<void>;
}

/** A new, empty database on the real PostgreSQL; `drop()` removes it. */
export async function createTestDb(label = 'test'): Promise<TestDb> {
  const name = `imagy_t_${label.replace(/[^a-z0-9]/gi, '').toLowerCase().slice(0, 20)}_${uniqueSuffix()}`;
  const adminUrl = withDatabase(adminDatabaseUrl(), name);
  await ensureDatabase(adminUrl);
  return { adminUrl, sql: (query, params) => sqlRows(adminUrl, query, params), drop: () => dropDatabase(adminUrl) };
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

export interface EnvelopeMeta {
  tenantId: string | null;
  id?: string;
  actor?: EventActor;
  /** Default: a fresh `req-<uuid>`; `null` for events no request caused. */
  requestId?: string | null;
  occurredAt?: Date;
}

/** A signed envelope as a producer's outbox would write it. */
export function signedEnvelope<S extends EventSubject>(signer: EventSigner, subject: S, data: EventCatalogue[S], meta: EnvelopeMeta): EventEnvelope<S> {
  return signer.sign<S>({
    id: meta.id ?? crypto.randomUUID(),
    subject,
    tenantId: meta.tenantId,
    occurredAt: (meta.occurredAt ?? new Date()).toISOString(),
    actor: meta.actor ?? { kind: 'system', userId: null },
    requestId: meta.requestId === undefined ? `req-${crypto.randomUUID()}` : meta.requestId,
    data,
    schemaVersion: 1,
  });
}

type BusLike = Pick<TestBus, 'nc' | 'ns'>;

/**
 * Publishes an envelope straight to JetStream, as the outbox relay does (`Nats-Msg-Id` = event id
 * unless `msgId` says otherwise: another msg id gets past the stream's duplicate window, which is
 * how a test makes a redelivery). Resolves once the stream has stored it.
 */
export async function publishEnvelope(bus: BusLike, envelope: EventEnvelope, options: { msgId?: string } = {}): Promise<void> {
  await jetstream(bus.nc).publish(wireSubject(bus.ns, envelope.subject), JSON.stringify(envelope), { msgID: options.msgId ?? envelope.id });
}

/** Signs with the bus's signer and publishes; returns the envelope (its id is the marker to wait for). */
export async function publishEvent<S extends EventSubject>(bus: BusLike & { signer: EventSigner }, subject: S, data: EventCatalogue[S], meta: EnvelopeMeta): Promise<EventEnvelope<S>> {
  const envelope = signedEnvelope(bus.signer, subject, data, meta);
  await publishEnvelope(bus, envelope);
  return envelope;
}

/** Anything (malformed, forged) on a logical subject, for tests of what consumers refuse. */
export async function publishRaw(bus: BusLike, subject: string, body: string): Promise<void> {
  await jetstream(bus.nc).publish(wireSubject(bus.ns, subject), body);
}

/**
 * Waits until the durable consumer `durable` has, on every domain stream of the namespace where it
 * exists, nothing left to deliver and nothing delivered but unacknowledged. From then on no earlier
 * event can reach its handler again (no pending redelivery), so a test can count effects exactly.
 */
export async function waitForConsumerIdle(bus: BusLike, durable: string, timeoutMs = 60_000): Promise<void> {
  const jsm = await jetstreamManager(bus.nc);
  await waitFor(async () => {
    let found = 0;
    for (const domain of DOMAINS) {
      const info = await jsm.consumers.info(streamName(bus.ns, domain), durable).catch(() => null);
      if (!info) continue;
      found += 1;
      if (info.num_pending > 0 || info.num_ack_pending > 0) return false;
    }
    return found > 0;
  }, timeoutMs, 100);
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

export { tcpAnswers } from '../net';

export { startFakeKeycloak, pkcePair, type FakeKeycloak, type FakeKeycloakUser, type FakeKeycloakClient, type IdTokenTamper } from './fake-keycloak';

export { natsUrl };

/** A subgraph-like schema with its ORM, a test bus and a running outbox relay: the events tests' setup. */
export interface RelayFixture {
  db: TestDb;
  bus: TestBus;
  orm: Orm;
  relay: OutboxRelay;
  /** Connection URL of the schema's own role (what a relay LISTENs with). */
  roleUrl: string;
  close(): Promise<void>;
}

/** A fresh database, a schema migrated by `migrations` (eventTablesSql and the test's tables), a bus and a started relay. */
export async function startRelayFixture(label: string, schema: string, migrations: SubgraphOrmOptions['migrations']): Promise<RelayFixture> {
  const db = await createTestDb(label);
  const bus = await createTestBus();
  const orm = await createSubgraphOrm({ adminUrl: db.adminUrl, schema, migrations });
  const { url: roleUrl } = await ensureSubgraphSchema(db.adminUrl, schema);
  const fixture: RelayFixture = {
    db, bus, orm, roleUrl,
    relay: new OutboxRelay({ orm, nc: bus.nc, ns: bus.ns, schema, listenUrl: roleUrl }),
    async close() {
      await fixture.relay.stop();
      await orm.close(true);
      await bus.close();
      await db.drop();
    },
  };
  await fixture.relay.start();
  return fixture;
}
