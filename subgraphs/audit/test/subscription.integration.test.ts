/**
 * The live tail (`Subscription.auditEvents`) through the real audit subgraph, over graphql-ws:
 * an identity event published (signed) to the IDENTITY stream is stored by the consumer, the
 * outbox relay announces `audit.event.recorded`, and subscribers of that tenant receive the stored
 * AuditEvent; other tenants never do.
 */
import WebSocket from 'ws';
import { createClient, type Client } from 'graphql-ws';
import { RevocationWriter } from '@imagy/platform/auth';
import { waitFor } from '@imagy/platform/testing';
import { auditIdForEvent } from '../src/ocsf';
import { startHarness, uuid, type Harness } from './harness';

interface Received { data?: any; errors?: { message: string; extensions?: { code?: string } }[] }

interface Tail { results: Received[]; errors: unknown[]; completed: boolean; dispose(): void }

const SUBSCRIPTION = `subscription Tail($filter: AuditEventFilter) {
  auditEvents(filter: $filter) { id tenantId classUid activityId className message actorUserId actor { id } }
}`;

describe('audit live tail over graphql-ws', () => {
  let h: Harness;
  const clients: Client[] = [];
  const tenantA = uuid();
  const tenantB = uuid();

  const wsUrl = () => h.audit.url.replace(/^http/, 'ws');

  async function connect(token: string | null): Promise<Client> {
    const client = createClient({
      url: wsUrl(),
      webSocketImpl: WebSocket,
      retryAttempts: 0,
      lazy: false,
      connectionParams: token ? { authorization: `Bearer ${token}` } : {},
      onNonLazyError: () => undefined,
    });
    clients.push(client);
    return client;
  }

  function tail(client: Client, variables: Record<string, unknown> = {}): Tail {
    const t: Tail = { results: [], errors: [], completed: false, dispose: () => undefined };
    t.dispose = client.subscribe({ query: SUBSCRIPTION, variables }, {
      next: (r) => { t.results.push(r as Received); },
      error: (e) => { t.errors.push(e); },
      complete: () => { t.completed = true; },
    });
    return t;
  }

  const subscribers = () => h.audit.hub.subscriberCount('audit.event.recorded');

  beforeAll(async () => {
    h = await startHarness('auditsubs');
  });

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.dispose()));
    await h.close();
  });

  test('a tenant admin receives the stored AuditEvent of a new identity event of its tenant; another tenant never does', async () => {
    // The acting admin is one of tenant A's users (identity announced it before the tail starts),
    // so the tail resolves them as `actor`.
    const admin = uuid();
    const adminCreated = await h.publish('identity.user.created', { userId: admin, email: 'admin@a.test', roles: ['tenant_admin'] }, { tenantId: tenantA });
    await h.stored(adminCreated.id);
    await h.announced(auditIdForEvent(adminCreated.id));

    const before = subscribers();
    const a = tail(await connect(await h.token(tenantA, ['tenant_admin'])));
    const b = tail(await connect(await h.token(tenantB, ['auditor'])));
    await waitFor(async () => subscribers() === before + 2);

    const userId = uuid();
    const eventA = await h.publish('identity.user.created', { userId, email: 'ana@a.test', roles: ['staff'] }, { tenantId: tenantA, actor: { kind: 'user', userId: admin } });
    const got = await waitFor(async () => a.results[0]);
    expect(got.errors).toBeUndefined();
    expect(got.data.auditEvents).toMatchObject({ tenantId: tenantA, classUid: 3001, activityId: 1, className: 'Account Change', actorUserId: admin, actor: { id: admin } });
    expect(got.data.auditEvents.id).toBe(auditIdForEvent(eventA.id));

    // B's own event arrives, and it is the only thing B ever received.
    const eventB = await h.publish('identity.user.updated', { userId: uuid(), changes: ['phone'] }, { tenantId: tenantB });
    await waitFor(async () => b.results[0]);
    await h.stored(eventB.id);
    expect(b.results.map((r) => r.data?.auditEvents.tenantId)).toEqual([tenantB]);
    expect(a.results.map((r) => r.data?.auditEvents.tenantId)).toEqual([tenantA]);
    a.dispose();
    b.dispose();
    await waitFor(async () => subscribers() === before);
  });

  test('the filter applies to the live tail as to the query', async () => {
    const before = subscribers();
    const logins = tail(await connect(await h.token(tenantA, ['auditor'])), { filter: { classUid: 3002 } });
    await waitFor(async () => subscribers() === before + 1);
    const userId = uuid();
    await h.publish('identity.user.updated', { userId, changes: ['phone'] }, { tenantId: tenantA });
    const login = await h.publish('identity.user.login_succeeded', { userId, email: 'x@a.test', ip: null, userAgent: null }, { tenantId: tenantA, actor: { kind: 'anonymous', userId: null } });
    await h.stored(login.id);
    const got = await waitFor(async () => logins.results[0]);
    expect(got.data.auditEvents).toMatchObject({ classUid: 3002, activityId: 1 });
    expect(logins.results).toHaveLength(1);
    logins.dispose();
  });

  test('many subscribers of one process share a single NATS subscription', async () => {
    const token = await h.token(tenantA, ['tenant_admin']);
    const client = await connect(token);
    const before = subscribers();
    const tails = Array.from({ length: 25 }, () => tail(client));
    await waitFor(async () => subscribers() === before + 25);
    expect(h.audit.hub.natsSubscriptionCount('audit.event.recorded')).toBe(1);
    const e = await h.publish('identity.user.logged_out', { userId: uuid() }, { tenantId: tenantA });
    await h.stored(e.id);
    await waitFor(async () => tails.every((t) => t.results.length === 1));
    for (const t of tails) t.dispose();
    await waitFor(async () => subscribers() === before);
  });

  test("subscribers of different users and tenants each get their own tenant's answer to whether the actor is one of its users", async () => {
    // Identical questions in flight are shared (one tenant_users read per event for a tenant's
    // subscribers, not one per subscription); the answer must still be per tenant.
    const actor = uuid();
    const announced = await h.publish('identity.user.created', { userId: actor, email: 'actor@a.test', roles: ['staff'] }, { tenantId: tenantA });
    await h.stored(announced.id);
    await h.announced(auditIdForEvent(announced.id));
    const before = subscribers();
    const ofA = await Promise.all(Array.from({ length: 6 }, async () => tail(await connect(await h.token(tenantA, ['auditor'], uuid())))));
    const platformAuditor = tail(await connect(await h.token(tenantB, ['platform_auditor'], uuid())));
    await waitFor(async () => subscribers() === before + 7);

    const e = await h.publish('identity.user.updated', { userId: uuid(), changes: ['phone'] }, { tenantId: tenantA, actor: { kind: 'user', userId: actor } });
    const id = auditIdForEvent(e.id);
    const received = (t: Tail) => t.results.find((r) => r.data?.auditEvents?.id === id);
    await waitFor(async () => [...ofA, platformAuditor].every(received));
    for (const t of ofA) expect(received(t)!.data.auditEvents).toMatchObject({ tenantId: tenantA, actorUserId: actor, actor: { id: actor } });
    // The actor is not one of the platform auditor's own tenant's users: no actor reference.
    expect(received(platformAuditor)!.data.auditEvents).toMatchObject({ tenantId: tenantA, actorUserId: actor, actor: null });
    for (const t of [...ofA, platformAuditor]) t.dispose();
    await waitFor(async () => subscribers() === before);
  });

  test("a disabled user's live tail is closed (4403) and receives nothing more; another user of the tenant keeps receiving", async () => {
    const [soonDisabled, other] = [uuid(), uuid()];
    const closed: { code?: number } = {};
    const disabledClient = createClient({
      url: wsUrl(), webSocketImpl: WebSocket, retryAttempts: 0, lazy: false, onNonLazyError: () => undefined,
      connectionParams: { authorization: `Bearer ${await h.token(tenantA, ['auditor'], soonDisabled)}` },
      on: { closed: (e) => { closed.code = (e as { code: number }).code; } },
    });
    clients.push(disabledClient);
    const before = subscribers();
    const disabledTail = tail(disabledClient);
    const otherTail = tail(await connect(await h.token(tenantA, ['auditor'], other)));
    await waitFor(async () => subscribers() === before + 2);
    const first = await h.publish('identity.user.logged_out', { userId: uuid() }, { tenantId: tenantA });
    await waitFor(async () => disabledTail.results.length === 1 && otherTail.results.length === 1);
    expect(disabledTail.results[0]!.data.auditEvents.id).toBe(auditIdForEvent(first.id));

    // What identity writes when it disables a user; audit's revocation view closes the socket.
    await new RevocationWriter(h.bus.nc, h.bus.ns.streamPrefix).userDisabled(soonDisabled, true);
    await waitFor(async () => closed.code === 4403);
    await waitFor(async () => subscribers() === before + 1);
    const second = await h.publish('identity.user.logged_out', { userId: uuid() }, { tenantId: tenantA });
    await waitFor(async () => otherTail.results.length === 2);
    expect(otherTail.results[1]!.data.auditEvents.id).toBe(auditIdForEvent(second.id));
    expect(disabledTail.results).toHaveLength(1);
    otherTail.dispose();
    await waitFor(async () => subscribers() === before);
  });

  test('a caller without an audit role gets FORBIDDEN and no stream', async () => {
    const staff = tail(await connect(await h.token(tenantA, ['staff'])));
    await waitFor(async () => staff.results[0] ?? staff.errors[0]);
    const answer = staff.results[0] ?? { errors: staff.errors[0] as Received['errors'] };
    expect(answer.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const anonymous = tail(await connect(null));
    await waitFor(async () => anonymous.results[0] ?? anonymous.errors[0]);
    const anonAnswer = anonymous.results[0] ?? { errors: anonymous.errors[0] as Received['errors'] };
    expect(anonAnswer.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  test('a forged token is refused at connection_init with close code 4403', async () => {
    const forged = `${(await h.token(tenantA, ['tenant_admin'])).slice(0, -4)}AAAA`;
    const closed = new Promise<number>((resolve) => {
      const client = createClient({
        url: wsUrl(), webSocketImpl: WebSocket, retryAttempts: 0, lazy: false,
        connectionParams: { authorization: `Bearer ${forged}` },
        on: { closed: (e) => resolve((e as { code: number }).code) },
        onNonLazyError: () => undefined,
      });
      clients.push(client);
    });
    expect(await closed).toBe(4403);
  });
});
