/**
 * Live audit tail through the gateway over graphql-ws: the primary field comes from audit, the
 * actor from identity. Tenant isolation and token expiry on the socket.
 */
import WebSocket from 'ws';
import { createClient, type Client } from 'graphql-ws';
import { uniqueSuffix, waitFor } from '@imagy/platform/testing';
import { CREATE_TENANT, CREATE_USER, DEV_PASSWORD, startPlatform, type Platform } from './harness';

const TAIL = 'subscription($filter: AuditEventFilter) { auditEvents(filter: $filter) { id classUid activityId resourceId message actor { id email } } }';

function connect(url: string, token: string, onClose?: (code: number) => void): Client {
  return createClient({
    url,
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${token}` },
    retryAttempts: 0,
    lazy: false,
    onNonLazyError: () => undefined, // closes are observed through on.closed
    on: { closed: (e) => onClose?.((e as { code: number }).code) },
  });
}

function collect(client: Client, query: string, variables: Record<string, unknown> = {}) {
  const received: any[] = [];
  const errors: unknown[] = [];
  const dispose = client.subscribe({ query, variables }, {
    next: (v) => { if (v.errors) errors.push(v.errors); else received.push(v.data); },
    error: (e) => errors.push(e),
    complete: () => undefined,
  });
  return { received, errors, dispose };
}

type Tail = ReturnType<typeof collect>;
const receivedIds = (tail: Tail): string[] => tail.received.map((d) => d.auditEvents.resourceId);

describe('audit live tail through the gateway', () => {
  let p: Platform;
  beforeAll(async () => { p = await startPlatform({ label: 'e2esubs' }); });
  afterAll(async () => { await p?.stop(); });

  /** Creates a user with `token` (in that token's tenant) and returns its id: an audit event of class 3001. */
  const createUser = async (token: string, label: string): Promise<string> => {
    const r = await p.call(CREATE_USER, { input: { email: `${label}-${uniqueSuffix()}@probe.test`, displayName: label, roles: ['staff'], password: 'probe-password-1' } }, token);
    if (r.errors || r.data.createUser.userErrors.length) throw new Error(JSON.stringify(r.errors ?? r.data.createUser.userErrors));
    return r.data.createUser.user.id;
  };

  /**
   * A subscription is live only once the gateway has subscribed upstream (audit, then NATS), some
   * time after `subscribe()` returns; events before that are not replayed. Probe events are made in
   * the tail's tenant until one of them arrives: from then on the tail misses nothing.
   */
  const untilLive = async (tail: Tail, token: string) => {
    const probes: string[] = [];
    await waitFor(async () => {
      probes.push(await createUser(token, 'probe'));
      return waitFor(async () => receivedIds(tail).some((id) => probes.includes(id)), 1_000, 20).catch(() => false);
    }, 30_000, 0);
  };

  test('a subscriber receives a new event with its actor resolved by identity, and another tenant\'s subscriber receives nothing of it', async () => {
    const admin = await p.login('demo', 'admin@demo.localhost', DEV_PASSWORD);
    const platformAdmin = await p.login('platform', 'admin@platform.localhost', DEV_PASSWORD);
    const t = await p.call(CREATE_TENANT, { input: { slug: 'otro', name: 'Otro' } }, platformAdmin.accessToken);
    await p.call(CREATE_USER, { input: { tenantId: t.data.createTenant.tenant.id, email: 'admin@otro.test', displayName: 'Otro', roles: ['tenant_admin'], password: 'otro-password-1' } }, platformAdmin.accessToken);
    const other = await p.login('otro', 'admin@otro.test', 'otro-password-1');

    const a = connect(p.gatewayWsUrl, admin.accessToken);
    const b = connect(p.gatewayWsUrl, other.accessToken);
    const tailA = collect(a, TAIL, { filter: { classUid: 3001 } });
    const tailB = collect(b, TAIL);
    await untilLive(tailA, admin.accessToken);
    await untilLive(tailB, other.accessToken);

    const created = await p.call(CREATE_USER, { input: { email: 'live@demo.test', displayName: 'Live', roles: ['staff'], password: 'live-password-1' } }, admin.accessToken);
    const userId = created.data.createUser.user.id;
    const event = await waitFor(async () => tailA.received.find((d) => d.auditEvents.resourceId === userId), 15_000, 20);
    expect(event.auditEvents).toMatchObject({ classUid: 3001, activityId: 1, actor: { id: admin.user.id, email: 'admin@demo.localhost' } });
    // A marker in B's own tenant, made after A's event: the live path is one ordered stream per
    // subscriber, so once B has the marker, A's event would already have reached B had it leaked.
    const marker = await createUser(other.accessToken, 'marker');
    await waitFor(async () => receivedIds(tailB).includes(marker), 15_000, 20);
    expect(tailB.received.filter((d) => d.auditEvents.resourceId === userId)).toEqual([]);
    expect(tailA.errors).toEqual([]);
    tailA.dispose(); tailB.dispose();
    await a.dispose(); await b.dispose();
  });

  test('the socket is closed when the token expires', async () => {
    const admin = await p.login('demo', 'admin@demo.localhost', DEV_PASSWORD);
    const short = await p.issuer.mint({ tenantId: admin.user.tenantId, userId: admin.user.id, roles: ['tenant_admin'], ttlSeconds: 2 });
    let closedWith: number | null = null;
    const client = connect(p.gatewayWsUrl, short, (code) => { closedWith = code; });
    collect(client, TAIL);
    await waitFor(async () => closedWith !== null, 10_000, 50);
    expect(closedWith).toBe(4401);
    await client.dispose();
  });
});
