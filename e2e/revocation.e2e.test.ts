/**
 * Revocation acts at once, at the gateway and at every subgraph called directly: a disabled user's
 * unexpired token (identity, lending, audit and flow), a logged-out session's token and a suspended tenant's token are refused as soon
 * as identity's change has reached the revocation view (waited for as a marker, never slept for).
 */
import WebSocket from 'ws';
import { createClient } from 'graphql-ws';
import { gql, waitFor } from '@imagy/platform/testing';
import { CREATE_TENANT, CREATE_USER, DEV_PASSWORD, startPlatform, type Platform } from './harness';

const ME = '{ me { id } }';
const PRODUCTS = '{ creditProducts(first: 1) { edges { node { id } } } }';
const EVENTS = '{ auditEvents(first: 1) { edges { node { id } } } }';
const FLOWS = '{ flows(first: 1) { edges { node { id } } } }';
// Answered by the gateway itself (no subgraph fetch): a refusal of it is the gateway's own revocation view.
const GATEWAY_ONLY = '{ __typename }';
const TEMPLATES = '{ notificationTemplates(first: 1) { edges { node { id } } } }';
const LOGIN_FULL = `mutation($input: LoginInput!) { login(input: $input) { accessToken refreshToken user { id } userErrors { code } } }`;

describe('revocation at the gateway and at each subgraph', () => {
  let p: Platform;

  beforeAll(async () => { p = await startPlatform({ label: 'revoke' }); });
  afterAll(async () => { await p?.stop(); });

  const code = (r: { errors?: { extensions?: { code?: string } }[] }) => r.errors?.[0]?.extensions?.code ?? 'OK';
  const refusedEverywhere = async (token: string) => {
    const answers = await Promise.all([
      p.call(GATEWAY_ONLY, {}, token),
      p.call(ME, {}, token),
      gql(p.identityUrl, ME, {}, { token }),
      gql(p.lendingUrl, PRODUCTS, {}, { token }),
      gql(p.auditUrl, EVENTS, {}, { token }),
      gql(p.notificationsUrl, TEMPLATES, {}, { token }),
      gql(p.flowUrl, FLOWS, {}, { token }),
    ]);
    return answers.every((a) => code(a) === 'UNAUTHENTICATED');
  };

  /** An open graphql-ws connection to the gateway (no subscription: nothing upstream) and how it closed. */
  const openSocket = async (token: string) => {
    const closed: { code?: number } = {};
    let connected = false;
    const client = createClient({
      url: p.gatewayWsUrl, webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${token}` },
      retryAttempts: 0, lazy: false, onNonLazyError: () => undefined,
      on: { connected: () => { connected = true; }, closed: (e) => { closed.code = (e as { code: number }).code; } },
    });
    await waitFor(async () => connected, 10_000, 20);
    return { closed, dispose: () => client.dispose() };
  };

  test("a disabled user's unexpired token is refused by the gateway and by identity, lending, audit and flow directly", async () => {
    const admin = await p.login('demo', 'admin@demo.localhost', DEV_PASSWORD);
    const created = await p.call(CREATE_USER, { input: { email: 'soon-disabled@demo.localhost', displayName: 'Soon Disabled', roles: ['auditor', 'staff'], password: 'a-long-password-1' } }, admin.accessToken);
    expect(created.data.createUser.userErrors).toEqual([]);
    const user = await p.login('demo', 'soon-disabled@demo.localhost', 'a-long-password-1');
    expect(code(await gql(p.lendingUrl, PRODUCTS, {}, { token: user.accessToken }))).toBe('OK');
    expect(code(await gql(p.auditUrl, EVENTS, {}, { token: user.accessToken }))).toBe('OK');
    expect(code(await p.call(GATEWAY_ONLY, {}, user.accessToken))).toBe('OK');
    const socket = await openSocket(user.accessToken);
    const adminSocket = await openSocket(admin.accessToken);
    expect(code(await gql(p.notificationsUrl, TEMPLATES, {}, { token: user.accessToken }))).toBe('OK');

    const disabled = await p.call('mutation($input: DisableUserInput!) { disableUser(input: $input) { userErrors { code } } }', { input: { id: created.data.createUser.user.id } }, admin.accessToken);
    expect(disabled.data.disableUser.userErrors).toEqual([]);
    await waitFor(() => refusedEverywhere(user.accessToken), 10_000, 20);
    // The gateway closes the disabled user's open socket itself (it has no upstream subscription).
    await waitFor(async () => socket.closed.code === 4403, 10_000, 20);
    // Another user of the tenant is untouched, over HTTP and on its socket.
    expect(code(await gql(p.lendingUrl, PRODUCTS, {}, { token: admin.accessToken }))).toBe('OK');
    expect(adminSocket.closed.code).toBeUndefined();
    await Promise.all([socket.dispose(), adminSocket.dispose()]);
  });

  test("a logged-out session's access token is refused; another session of the same user keeps working", async () => {
    const first = (await p.call(LOGIN_FULL, { input: { tenantSlug: 'demo', email: 'admin@demo.localhost', password: DEV_PASSWORD } })).data.login;
    const second = await p.login('demo', 'admin@demo.localhost', DEV_PASSWORD);
    const out = await p.call('mutation($input: LogoutInput!) { logout(input: $input) { success userErrors { code } } }', { input: { refreshToken: first.refreshToken } }, first.accessToken);
    expect(out.data.logout).toEqual({ success: true, userErrors: [] });
    await waitFor(() => refusedEverywhere(first.accessToken), 10_000, 20);
    expect(code(await gql(p.lendingUrl, PRODUCTS, {}, { token: second.accessToken }))).toBe('OK');
    expect(code(await p.call(ME, {}, second.accessToken))).toBe('OK');
  });

  test("a suspended tenant's token is refused everywhere, and works again once the tenant is reactivated", async () => {
    const platformAdmin = await p.login('platform', 'admin@platform.localhost', DEV_PASSWORD);
    const t = await p.call(CREATE_TENANT, { input: { slug: 'banco-s', name: 'Banco S', hostnames: ['s.example.test'], currency: 'USD', timezone: 'America/Guayaquil' } }, platformAdmin.accessToken);
    const tenantId = t.data.createTenant.tenant.id as string;
    await p.call(CREATE_USER, { input: { tenantId, email: 'admin@s.example.test', displayName: 'Admin S', roles: ['tenant_admin', 'auditor'], password: 's-admin-password' } }, platformAdmin.accessToken);
    const adminS = await p.login('banco-s', 'admin@s.example.test', 's-admin-password');
    await waitFor(async () => code(await gql(p.auditUrl, EVENTS, {}, { token: adminS.accessToken })) === 'OK');
    // The gateway now holds ACTIVE for this tenant in its 30 s tenant-status cache.
    expect(code(await p.call(GATEWAY_ONLY, {}, adminS.accessToken))).toBe('OK');

    const setStatus = (status: string) => p.call('mutation($input: UpdateTenantInput!) { updateTenant(input: $input) { userErrors { code } } }', { input: { id: tenantId, status } }, platformAdmin.accessToken);
    expect((await setStatus('SUSPENDED')).data.updateTenant.userErrors).toEqual([]);
    await waitFor(async () => {
      // The gateway's tenant-status cache (30 s) still holds ACTIVE: its revocation view refuses first.
      const direct = await Promise.all([p.call(GATEWAY_ONLY, {}, adminS.accessToken), gql(p.identityUrl, ME, {}, { token: adminS.accessToken }), gql(p.lendingUrl, PRODUCTS, {}, { token: adminS.accessToken }), gql(p.auditUrl, EVENTS, {}, { token: adminS.accessToken })]);
      return direct.every((a) => code(a) === 'UNAUTHENTICATED');
    }, 10_000, 20);
    // Another tenant's caller is not revoked (the platform admin has no lending role: FORBIDDEN, not UNAUTHENTICATED).
    expect(code(await gql(p.lendingUrl, PRODUCTS, {}, { token: platformAdmin.accessToken }))).toBe('FORBIDDEN');
    expect(code(await gql(p.identityUrl, ME, {}, { token: platformAdmin.accessToken }))).toBe('OK');

    expect((await setStatus('ACTIVE')).data.updateTenant.userErrors).toEqual([]);
    await waitFor(async () => code(await gql(p.lendingUrl, PRODUCTS, {}, { token: adminS.accessToken })) === 'OK', 10_000, 20);
  });
});
