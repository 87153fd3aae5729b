/**
 * Federated subscriptions through the gateway, on real NATS: an "events" subgraph (audit-like)
 * whose `Subscription.events` is fed from NATS by the platform's NatsSubscriptionHub and served
 * over graphql-ws, and a "users" subgraph (identity-like) owning `User { id email }`. A graphql-ws
 * client subscribed through the gateway receives each event with fields of both subgraphs.
 * Identical subscriptions (same token, operation, variables) share one upstream subscription; the
 * tests below prove that sharing never crosses tokens, tenants or rights.
 */
import crypto from 'node:crypto';
import http from 'node:http';
import net from 'node:net';
import WebSocket from 'ws';
import { createClient, type Client } from 'graphql-ws';
import { parse } from 'graphql';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { startStandaloneServer } from '@apollo/server/standalone';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { composeServices } from '@apollo/composition';
import { requireUser, mapHubIterator, NatsSubscriptionHub, subscriptionServer, type BaseContext, type SubscriptionServer } from '@imagy/platform/server';
import { wireSubject, type EventEnvelope } from '@imagy/platform/events';
import { createTestBus, createTestIssuer, waitFor, type TestBus, type TestIssuer } from '@imagy/platform/testing';
import { startGateway, type RunningGateway } from '../src/server';
import type { GatewaySubscriptions } from '../src/subscriptions';

const SUBJECT = 'audit.event.recorded' as const;
const TENANT_A = crypto.randomUUID();
const TENANT_B = crypto.randomUUID();

const eventsTypeDefs = parse(`
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.6", import: ["@key"])
  type Event { id: ID! tenantId: ID! classUid: Int! actor: User }
  type User @key(fields: "id", resolvable: false) { id: ID! }
  type Query { eventsHealth: Boolean }
  type Subscription { events(classUid: Int): Event! }
`);

const usersTypeDefs = parse(`
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.6", import: ["@key", "@requiresScopes"])
  type User @key(fields: "id") { id: ID! email: String! phone: String @requiresScopes(scopes: [["users:phone"]]) }
  type Query { me: User }
`);

const seenByUsers: (string | undefined)[] = [];

let bus: TestBus;
let issuer: TestIssuer;
let hub: NatsSubscriptionHub;
let eventsHttp: http.Server;
let eventsWs: SubscriptionServer;
let users: ApolloServer<{ authorization?: string }>;
let gateway: RunningGateway;
let subs: GatewaySubscriptions;
const clients: Client[] = [];

function eventsResolvers(h: NatsSubscriptionHub) {
  return {
    Query: { eventsHealth: () => true },
    Subscription: {
      events: {
        subscribe: (_: unknown, args: { classUid?: number | null }, ctx: BaseContext) => {
          const user = requireUser(ctx.auth);
          const source = h.subscribe(SUBJECT, { tenantId: user.tenantId, filter: (e) => args.classUid == null || e.data.classUid === args.classUid });
          return mapHubIterator(source, (e) => ({
            id: e.data.eventId, tenantId: e.tenantId, classUid: e.data.classUid,
            actor: e.actor.userId ? { __typename: 'User', id: e.actor.userId } : null,
          }));
        },
        resolve: (value: unknown) => value,
      },
    },
  };
}

function compose(services: { name: string; url: string; typeDefs: ReturnType<typeof parse> }[]): string {
  const result = composeServices(services);
  if (result.errors?.length || !result.supergraphSdl) throw new Error(`composition failed: ${result.errors?.map((e) => e.message).join('; ')}`);
  return result.supergraphSdl;
}

async function publish(tenantId: string, actorUserId: string | null, classUid = 3002): Promise<EventEnvelope> {
  const envelope = bus.signer.sign({
    id: crypto.randomUUID(),
    subject: SUBJECT,
    tenantId,
    occurredAt: new Date().toISOString(),
    actor: { kind: actorUserId ? 'user' : 'system', userId: actorUserId },
    requestId: null,
    data: { eventId: crypto.randomUUID(), classUid, activityId: 1, time: new Date().toISOString() },
    schemaVersion: 1,
  });
  bus.nc.publish(wireSubject(bus.ns, SUBJECT), JSON.stringify(envelope));
  await bus.nc.flush();
  return envelope as EventEnvelope;
}

const wsUrl = () => gateway.url.replace(/^http/, 'ws');

function connect(token: string | null, onClosed?: (code: number, reason: string) => void): Client {
  const client = createClient({
    url: wsUrl(),
    webSocketImpl: WebSocket,
    retryAttempts: 0,
    lazy: false,
    connectionParams: token ? { authorization: `Bearer ${token}` } : {},
    on: { closed: (e) => onClosed?.((e as { code: number }).code, String((e as { reason?: unknown }).reason ?? '')) },
    onNonLazyError: () => undefined,
  });
  clients.push(client);
  return client;
}

interface Tail { results: { data?: any; errors?: any[] }[]; errors: unknown[]; completed: boolean; dispose(): void }

function tail(client: Client, query = 'subscription { events { id tenantId classUid actor { id email } } }', variables: Record<string, unknown> = {}): Tail {
  const t: Tail = { results: [], errors: [], completed: false, dispose: () => undefined };
  t.dispose = client.subscribe({ query, variables }, {
    next: (r) => { t.results.push(r as Tail['results'][number]); },
    error: (e) => { t.errors.push(e); },
    complete: () => { t.completed = true; },
  });
  return t;
}

const hubSubscribers = () => hub.subscriberCount(SUBJECT);

beforeAll(async () => {
  bus = await createTestBus();
  issuer = await createTestIssuer();
  hub = new NatsSubscriptionHub({ nc: bus.nc, ns: bus.ns, signer: bus.signer });

  // events: graphql-ws only (the gateway reaches it only for the subscription's primary fetch).
  eventsHttp = http.createServer((_req, res) => { res.statusCode = 404; res.end(); });
  await new Promise<void>((resolve) => eventsHttp.listen(0, '127.0.0.1', resolve));
  eventsWs = subscriptionServer({ name: 'events', verifier: issuer.verifier });
  eventsWs.onListening(eventsHttp, buildSubgraphSchema([{ typeDefs: eventsTypeDefs, resolvers: eventsResolvers(hub) as never }]));
  const eventsUrl = `http://127.0.0.1:${(eventsHttp.address() as net.AddressInfo).port}/graphql`;

  users = new ApolloServer({
    schema: buildSubgraphSchema([{
      typeDefs: usersTypeDefs,
      resolvers: {
        Query: { me: () => null },
        User: { __resolveReference: (ref: { id: string }, ctx: { authorization?: string }) => { seenByUsers.push(ctx.authorization); return { id: ref.id, email: `${ref.id.slice(0, 8)}@users.test`, phone: '+34 600 000 000' }; } },
      } as never,
    }]),
    plugins: [ApolloServerPluginInlineTraceDisabled()],
  });
  const { url: usersUrl } = await startStandaloneServer(users, {
    listen: { port: 0, host: '127.0.0.1' },
    context: async ({ req }) => ({ authorization: req.headers.authorization }),
  });

  const supergraphSdl = compose([
    { name: 'events', url: eventsUrl, typeDefs: eventsTypeDefs },
    { name: 'users', url: usersUrl, typeDefs: usersTypeDefs },
  ]);
  const tenantStatus = { statusOf: async () => 'ACTIVE' };
  gateway = await startGateway({ supergraphSdl, port: 0, host: '127.0.0.1', verifier: issuer.verifier, tenantStatus });
  subs = gateway.subscriptions!;
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.dispose()));
  await gateway?.stop();
  await eventsWs?.close();
  await new Promise<void>((resolve) => (eventsHttp ? eventsHttp.close(() => resolve()) : resolve()));
  await users?.stop();
  hub?.close();
  await bus?.close();
});

test('a client subscribed through the gateway receives each NATS event with fields from two subgraphs', async () => {
  const token = await issuer.mint({ tenantId: TENANT_A, roles: ['auditor'] });
  const a = tail(connect(token));
  await waitFor(async () => hubSubscribers() === 1);
  const actor = crypto.randomUUID();
  const e = await publish(TENANT_A, actor);
  const got = await waitFor(async () => a.results[0]);
  expect(got.errors).toBeUndefined();
  expect(got.data).toEqual({ events: { id: (e.data as { eventId: string }).eventId, tenantId: TENANT_A, classUid: 3002, actor: { id: actor, email: `${actor.slice(0, 8)}@users.test` } } });
  // The entity fetch to the other subgraph carried the caller's token.
  expect(seenByUsers.at(-1)).toBe(`Bearer ${token}`);
  a.dispose();
  await waitFor(async () => hubSubscribers() === 0 && subs.activeSubscriptions() === 0);
});

test("tenant B's subscriber never receives tenant A's events", async () => {
  const a = tail(connect(await issuer.mint({ tenantId: TENANT_A, roles: ['auditor'] })));
  const b = tail(connect(await issuer.mint({ tenantId: TENANT_B, roles: ['auditor'] })));
  await waitFor(async () => hubSubscribers() === 2);
  await publish(TENANT_A, null);
  await publish(TENANT_A, crypto.randomUUID());
  await publish(TENANT_B, null);
  await waitFor(async () => a.results.length === 2 && b.results.length === 1);
  // A later marker for A proves B had every chance to receive A's events.
  await publish(TENANT_A, null);
  await waitFor(async () => a.results.length === 3);
  expect(b.results.map((r) => r.data.events.tenantId)).toEqual([TENANT_B]);
  expect(a.results.map((r) => r.data.events.tenantId)).toEqual([TENANT_A, TENANT_A, TENANT_A]);
  a.dispose();
  b.dispose();
  await waitFor(async () => hubSubscribers() === 0);
});

test('arguments reach the owning subgraph: a filtered subscription gets only matching events', async () => {
  const t = tail(connect(await issuer.mint({ tenantId: TENANT_A, roles: ['auditor'] })), 'subscription($c: Int) { events(classUid: $c) { classUid } }', { c: 3001 });
  await waitFor(async () => hubSubscribers() === 1);
  await publish(TENANT_A, null, 3002);
  await publish(TENANT_A, null, 3001);
  await waitFor(async () => t.results.length === 1);
  expect(t.results[0]!.data).toEqual({ events: { classUid: 3001 } });
  t.dispose();
  await waitFor(async () => hubSubscribers() === 0);
});

test('an expired token closes the socket', async () => {
  let code: number | null = null;
  let reason = '';
  const client = connect(await issuer.mint({ tenantId: TENANT_A, roles: ['auditor'], ttlSeconds: 2 }), (c, r) => { code = c; reason = r; });
  const t = tail(client);
  await waitFor(async () => hubSubscribers() === 1);
  await waitFor(async () => code !== null, 6_000);
  // Closed by the gateway's expiry timer (not by a subgraph or a dropped connection).
  expect({ code, reason }).toEqual({ code: 4401, reason: 'Token expired' });
  expect(t.results).toEqual([]);
  // The upstream subscription went away with the client's socket.
  await waitFor(async () => hubSubscribers() === 0 && subs.activeSubscriptions() === 0);
});

test('a bad token is refused at connection_init with 4403', async () => {
  const good = await issuer.mint({ tenantId: TENANT_A, roles: ['auditor'] });
  const codes: number[] = [];
  connect(`${good.slice(0, -4)}AAAA`, (c) => codes.push(c));
  const other = await createTestIssuer('https://someone-else.test');
  connect(await other.mint({ tenantId: TENANT_A }), (c) => codes.push(c));
  await waitFor(async () => codes.length === 2);
  expect(codes).toEqual([4403, 4403]);
});

test('200 identical subscriptions (one token, two connections) share one upstream connection, one upstream subscription and one NATS subscription', async () => {
  const nats0 = hub.natsSubscriptionsOpenedTotal();
  const token = await issuer.mint({ tenantId: TENANT_A, roles: ['auditor'] });
  const c1 = connect(token);
  const c2 = connect(token);
  const tails = [...Array.from({ length: 100 }, () => tail(c1)), ...Array.from({ length: 100 }, () => tail(c2))];
  await waitFor(async () => subs.activeSubscriptions() === 200 && hubSubscribers() === 1);
  expect(hub.natsSubscriptionCount(SUBJECT)).toBe(1);
  expect(hub.natsSubscriptionsOpenedTotal()).toBe(nats0 + 1);
  expect(subs.upstreamSubscriptions()).toBe(1);
  expect(subs.upstreamConnections()).toBe(1);
  expect(eventsWs.connections()).toBe(1);
  const seen0 = seenByUsers.length;
  const actor = crypto.randomUUID();
  await publish(TENANT_A, actor);
  await waitFor(async () => tails.every((t) => t.results.length === 1));
  for (const t of tails) expect(t.results[0]!.data.events.actor).toEqual({ id: actor, email: `${actor.slice(0, 8)}@users.test` });
  // The event was completed once for the 200 (one entity fetch), not once per subscriber.
  expect(seenByUsers.length).toBe(seen0 + 1);
  for (const t of tails) t.dispose();
  await waitFor(async () => hubSubscribers() === 0 && subs.upstreamSubscriptions() === 0 && subs.upstreamConnections() === 0);
  expect(hub.natsSubscriptionCount(SUBJECT)).toBe(0);
});

test('a member leaving a shared subscription does not stop it for the others; a newcomer joins it', async () => {
  const token = await issuer.mint({ tenantId: TENANT_A, roles: ['auditor'] });
  const a = tail(connect(token));
  const b = tail(connect(token));
  await waitFor(async () => subs.activeSubscriptions() === 2 && hubSubscribers() === 1);
  a.dispose();
  await waitFor(async () => subs.activeSubscriptions() === 1);
  const e = await publish(TENANT_A, null);
  await waitFor(async () => b.results.length === 1);
  expect(b.results[0]!.data.events.id).toBe((e.data as { eventId: string }).eventId);
  expect(a.results).toEqual([]);
  const c = tail(connect(token));
  await waitFor(async () => subs.activeSubscriptions() === 2);
  expect(hubSubscribers()).toBe(1);
  await publish(TENANT_A, null);
  await waitFor(async () => b.results.length === 2 && c.results.length === 1);
  b.dispose();
  c.dispose();
  await waitFor(async () => hubSubscribers() === 0 && subs.upstreamSubscriptions() === 0);
});

test('subscriptions are shared only for the same token and variables: other users, tenants and filters get their own upstream', async () => {
  const a = await issuer.mint({ tenantId: TENANT_A, roles: ['auditor'] });
  const sameTenantOtherUser = await issuer.mint({ tenantId: TENANT_A, roles: ['auditor'] });
  const b = await issuer.mint({ tenantId: TENANT_B, roles: ['auditor'] });
  const filtered = 'subscription($c: Int) { events(classUid: $c) { id tenantId classUid } }';
  const tails = {
    a1: tail(connect(a)), a2: tail(connect(a)),
    other: tail(connect(sameTenantOtherUser)),
    b1: tail(connect(b)), b2: tail(connect(b)),
    aFiltered: tail(connect(a), filtered, { c: 3001 }),
  };
  await waitFor(async () => subs.activeSubscriptions() === 6 && hubSubscribers() === 4);
  expect(subs.upstreamSubscriptions()).toBe(4);
  await publish(TENANT_A, null, 3002);
  await publish(TENANT_B, null, 3002);
  await publish(TENANT_A, null, 3001);
  // A's last event is the marker: B's subscribers had every chance to receive A's events.
  await waitFor(async () => tails.a1.results.length === 2 && tails.a2.results.length === 2 && tails.other.results.length === 2
    && tails.b1.results.length === 1 && tails.b2.results.length === 1 && tails.aFiltered.results.length === 1);
  for (const t of [tails.b1, tails.b2]) expect(t.results.map((r) => r.data.events.tenantId)).toEqual([TENANT_B]);
  for (const t of [tails.a1, tails.a2, tails.other]) expect(t.results.map((r) => r.data.events.tenantId)).toEqual([TENANT_A, TENANT_A]);
  expect(tails.aFiltered.results.map((r) => r.data.events.classUid)).toEqual([3001]);
  for (const t of Object.values(tails)) t.dispose();
  await waitFor(async () => hubSubscribers() === 0 && subs.upstreamSubscriptions() === 0);
});

test('authorization stays per subscriber: a field the token lacks the scope for is removed, for every member of a shared subscription', async () => {
  const query = 'subscription { events { id actor { id phone } } }';
  const withScope = await issuer.mint({ tenantId: TENANT_A, roles: ['auditor'], scopes: ['users:phone'] });
  const without = await issuer.mint({ tenantId: TENANT_A, roles: ['auditor'] });
  const allowed = tail(connect(withScope), query);
  const denied = [tail(connect(without), query), tail(connect(without), query)];
  await waitFor(async () => subs.activeSubscriptions() === 3 && hubSubscribers() === 2);
  const actor = crypto.randomUUID();
  await publish(TENANT_A, actor);
  await waitFor(async () => allowed.results.length === 1 && denied.every((t) => t.results.length === 1));
  expect(allowed.results[0]!.errors).toBeUndefined();
  expect(allowed.results[0]!.data.events.actor).toEqual({ id: actor, phone: '+34 600 000 000' });
  for (const t of denied) {
    expect(t.results[0]!.data.events.actor).toEqual({ id: actor, phone: null });
    expect(t.results[0]!.errors).toEqual([expect.objectContaining({ path: ['events', 'actor', 'phone'], extensions: expect.objectContaining({ code: 'FORBIDDEN' }) })]);
  }
  allowed.dispose();
  for (const t of denied) t.dispose();
  await waitFor(async () => hubSubscribers() === 0);
});

test('an expiring token closes every socket that shares it with 4401; the same user with a fresh token keeps receiving', async () => {
  const userId = crypto.randomUUID();
  const codes: number[] = [];
  const short = await issuer.mint({ tenantId: TENANT_A, userId, roles: ['auditor'], ttlSeconds: 2 });
  const expiring = [tail(connect(short, (c) => codes.push(c))), tail(connect(short, (c) => codes.push(c)))];
  const fresh = tail(connect(await issuer.mint({ tenantId: TENANT_A, userId, roles: ['auditor'] })));
  await waitFor(async () => subs.activeSubscriptions() === 3 && hubSubscribers() === 2);
  await waitFor(async () => codes.length === 2, 6_000);
  expect(codes).toEqual([4401, 4401]);
  await waitFor(async () => hubSubscribers() === 1 && subs.activeSubscriptions() === 1);
  const e = await publish(TENANT_A, null);
  await waitFor(async () => fresh.results.length === 1);
  expect(fresh.results[0]!.data.events.id).toBe((e.data as { eventId: string }).eventId);
  for (const t of expiring) expect(t.results).toEqual([]);
  fresh.dispose();
  await waitFor(async () => hubSubscribers() === 0);
});

test('envelopes with a bad signature are dropped before any subscriber sees them', async () => {
  const t = tail(connect(await issuer.mint({ tenantId: TENANT_A, roles: ['auditor'] })));
  await waitFor(async () => hubSubscribers() === 1);
  const rejected = hub.rejected;
  const forged = { ...(await publishable(TENANT_A)), signature: 'forged' };
  bus.nc.publish(wireSubject(bus.ns, SUBJECT), JSON.stringify(forged));
  const good = await publish(TENANT_A, null);
  await waitFor(async () => t.results.length === 1);
  expect(t.results[0]!.data.events.id).toBe((good.data as { eventId: string }).eventId);
  expect(hub.rejected).toBe(rejected + 1);
  t.dispose();
  await waitFor(async () => hubSubscribers() === 0);
});

test('queries over the WebSocket are refused with a pointer to HTTP', async () => {
  const t = tail(connect(null), '{ me { id } }');
  await waitFor(async () => t.errors[0] ?? t.results[0]);
  expect(JSON.stringify(t.errors[0] ?? t.results[0])).toContain('Only subscriptions are served over WebSocket');
});

async function publishable(tenantId: string) {
  return bus.signer.sign({
    id: crypto.randomUUID(), subject: SUBJECT, tenantId, occurredAt: new Date().toISOString(),
    actor: { kind: 'system', userId: null }, requestId: null,
    data: { eventId: crypto.randomUUID(), classUid: 3002, activityId: 1, time: new Date().toISOString() }, schemaVersion: 1,
  });
}
