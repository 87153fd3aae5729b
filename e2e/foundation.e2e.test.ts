/**
 * The foundation issue's "done means", through the gateway: create a user, log in, see both in the
 * audit log (search and report) with the actor resolved by identity; tenant isolation across the
 * graph; direct subgraph calls with forged or missing tokens get nothing private.
 */
import { SignJWT } from 'jose';
import { gql, waitFor } from '@imagy/platform/testing';
import { CREATE_TENANT, CREATE_USER, DEV_PASSWORD, startPlatform, type Platform } from './harness';

const SEARCH = `query($filter: AuditEventFilter, $first: Int) {
  auditEvents(filter: $filter, first: $first) {
    edges { node { id classUid activityId status resourceType resourceId message actor { id email displayName } ocsf } }
  }
}`;

describe('foundation, end to end through the gateway', () => {
  let p: Platform;
  let demoAdmin: { accessToken: string; user: { id: string; tenantId: string } };

  beforeAll(async () => {
    p = await startPlatform({ label: 'e2efound' });
    demoAdmin = await p.login('demo', 'admin@demo.localhost', DEV_PASSWORD);
  });
  afterAll(async () => { await p?.stop(); });

  test('a tenant admin creates a user who logs in, and both appear in audit search and reports with the actor resolved by identity', async () => {
    const created = await p.call(CREATE_USER, { input: { email: 'Ana.Lopez@Demo.Test', displayName: 'Ana López', roles: ['staff'], password: 'a-long-password-1' } }, demoAdmin.accessToken);
    expect(created.errors).toBeUndefined();
    expect(created.data.createUser.userErrors).toEqual([]);
    const ana = created.data.createUser.user;
    expect(ana.email).toBe('ana.lopez@demo.test');
    // Logged in through the gateway from a browser: the login event names the client, not the gateway.
    const loginReply = await gql(p.gatewayUrl, `mutation($input: LoginInput!) { login(input: $input) { accessToken userErrors { code } } }`,
      { input: { tenantSlug: 'demo', email: 'ana.lopez@demo.test', password: 'a-long-password-1' } }, { headers: { 'user-agent': 'imagy-e2e-browser/1.0', 'x-forwarded-for': '203.0.113.9' } });
    const session = { accessToken: loginReply.data.login.accessToken as string };
    const me = await p.call('{ me { id email roles } }', {}, session.accessToken);
    expect(me.data.me).toEqual({ id: ana.id, email: 'ana.lopez@demo.test', roles: ['staff'] });

    const events = await waitFor(async () => {
      const r = await p.call(SEARCH, { filter: { resourceId: ana.id }, first: 50 }, demoAdmin.accessToken);
      const nodes = r.data?.auditEvents.edges.map((e: any) => e.node) ?? [];
      const creation = nodes.find((n: any) => n.classUid === 3001 && n.activityId === 1);
      const login = nodes.find((n: any) => n.classUid === 3002 && n.activityId === 1);
      return creation && login ? { creation, login } : null;
    }, 20_000, 200);
    // The creation was done by the demo admin; the login by Ana. Both actors come from identity.
    expect(events.creation.actor).toEqual({ id: demoAdmin.user.id, email: 'admin@demo.localhost', displayName: expect.any(String) });
    expect(events.login.actor).toMatchObject({ id: ana.id, email: 'ana.lopez@demo.test' });
    expect(events.login.ocsf).toMatchObject({ class_uid: 3002, type_uid: 300201, metadata: { tenant_uid: demoAdmin.user.tenantId } });
    // The gateway forwards the client's user agent and its own view of the client address; an
    // X-Forwarded-For the caller invents never reaches the event.
    expect(JSON.stringify(events.login.ocsf)).toContain('imagy-e2e-browser/1.0');
    expect(JSON.stringify(events.login.ocsf)).not.toContain('203.0.113.9');
    expect(JSON.stringify(events.login.ocsf)).toContain('127.0.0.1');

    const from = new Date(Date.now() - 3600_000).toISOString();
    const to = new Date(Date.now() + 3600_000).toISOString();
    const report = await p.call(`query($from: DateTime!, $to: DateTime!) { auditReport(groupBy: ACTOR, from: $from, to: $to) { key count } }`, { from, to }, demoAdmin.accessToken);
    expect(report.errors).toBeUndefined();
    const keys = report.data.auditReport.map((r: any) => r.key);
    expect(keys).toEqual(expect.arrayContaining([demoAdmin.user.id, ana.id]));
  });

  test('tenant B sees none of tenant A\'s users or audit events, by id or by search', async () => {
    const platformAdmin = await p.login('platform', 'admin@platform.localhost', DEV_PASSWORD);
    const t = await p.call(CREATE_TENANT, { input: { slug: 'banco-b', name: 'Banco B', hostnames: ['b.example.test'], currency: 'COP', timezone: 'America/Bogota' } }, platformAdmin.accessToken);
    expect(t.data.createTenant.userErrors).toEqual([]);
    const tenantB = t.data.createTenant.tenant.id;
    const adminB = await p.call(CREATE_USER, { input: { tenantId: tenantB, email: 'admin@b.example.test', displayName: 'Admin B', roles: ['tenant_admin', 'auditor'], password: 'b-admin-password' } }, platformAdmin.accessToken);
    expect(adminB.data.createUser.userErrors).toEqual([]);
    const b = await p.login('banco-b', 'admin@b.example.test', 'b-admin-password');

    const aEvents = await p.call(SEARCH, { first: 100 }, demoAdmin.accessToken);
    const aIds: string[] = aEvents.data.auditEvents.edges.map((e: any) => e.node.id);
    expect(aIds.length).toBeGreaterThan(0);

    // B's own creation events arrive, proving B's search works at all...
    await waitFor(async () => {
      const r = await p.call(SEARCH, { first: 100 }, b.accessToken);
      return (r.data?.auditEvents.edges.length ?? 0) > 0;
    }, 20_000, 200);
    const bEvents = await p.call(SEARCH, { first: 100 }, b.accessToken);
    const bIds: string[] = bEvents.data.auditEvents.edges.map((e: any) => e.node.id);
    // ...and none of them is A's.
    expect(bIds.filter((id) => aIds.includes(id))).toEqual([]);
    const byId = await p.call(`query($id: ID!) { auditEvent(id: $id) { id } }`, { id: aIds[0] }, b.accessToken);
    expect(byId.data.auditEvent).toBeNull();
    const userById = await p.call(`query($id: ID!) { user(id: $id) { id email } }`, { id: demoAdmin.user.id }, b.accessToken);
    expect(userById.data.user).toBeNull();
    const users = await p.call(`{ users(first: 100) { edges { node { email } } } }`, {}, b.accessToken);
    expect(users.data.users.edges.map((e: any) => e.node.email)).toEqual(['admin@b.example.test']);
  });

  test('a direct call to a subgraph with a forged or missing token gets nothing private', async () => {
    const forged = await new SignJWT({ tid: demoAdmin.user.tenantId, roles: ['platform_auditor', 'tenant_admin'] })
      .setProtectedHeader({ alg: 'HS256' }).setIssuer(p.issuer.issuer).setAudience('imagy').setSubject(demoAdmin.user.id).setExpirationTime('5m')
      .sign(new TextEncoder().encode('guessed-secret-guessed-secret-guessed'));
    for (const url of [p.auditUrl, p.identityUrl]) {
      const withForged = await gql(url, url === p.auditUrl ? '{ auditEvents(first: 5) { edges { node { id } } } }' : '{ users(first: 5) { edges { node { id } } } }', {}, { token: forged });
      expect(withForged.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
      expect(withForged.data?.auditEvents ?? withForged.data?.users ?? null).toBeNull();
    }
    const anonymous = await gql(p.auditUrl, '{ auditEvents(first: 5) { edges { node { id } } } }');
    expect(anonymous.data?.auditEvents ?? null).toBeNull();
    expect(anonymous.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    // An invented identity header changes nothing.
    const spoofed = await gql(p.identityUrl, '{ me { id } }', {}, { headers: { 'x-tenant-id': demoAdmin.user.tenantId, 'x-user-id': demoAdmin.user.id } });
    expect(spoofed.data?.me ?? null).toBeNull();
  });

  test('user-facing messages follow the client\'s language through the gateway, and codes stay the same', async () => {
    const wrong = { input: { tenantSlug: 'demo', email: 'admin@demo.localhost', password: 'not-the-password' } };
    const q = `mutation($input: LoginInput!) { login(input: $input) { accessToken userErrors { code message } } }`;
    const es = await gql(p.gatewayUrl, q, wrong, { headers: { 'accept-language': 'es-MX,es;q=0.9' } });
    const en = await gql(p.gatewayUrl, q, wrong, { headers: { 'accept-language': 'en-US' } });
    expect(es.data.login.userErrors).toEqual([{ code: 'INVALID_CREDENTIALS', message: 'Correo o contraseña incorrectos.' }]);
    expect(en.data.login.userErrors[0].code).toBe('INVALID_CREDENTIALS');
    expect(en.data.login.userErrors[0].message).not.toBe(es.data.login.userErrors[0].message);
    const forbidden = await gql(p.gatewayUrl, '{ tenants(first: 1) { edges { node { id } } } }', {}, { token: demoAdmin.accessToken, headers: { 'accept-language': 'es' } });
    expect(forbidden.errors?.[0]).toMatchObject({ message: 'No tiene permiso para realizar esta acción.', extensions: { code: 'FORBIDDEN' } });
  });

  test('expired, foreign-issuer, wrong-audience, unsigned and tampered tokens get UNAUTHENTICATED at the gateway', async () => {
    const tid = demoAdmin.user.tenantId;
    const expired = await p.issuer.mint({ tenantId: tid, userId: demoAdmin.user.id, roles: ['tenant_admin'], ttlSeconds: -5 });
    const [h, body, sig] = demoAdmin.accessToken.split('.');
    const claims = JSON.parse(Buffer.from(body!, 'base64url').toString());
    const tampered = `${h}.${Buffer.from(JSON.stringify({ ...claims, roles: ['platform_admin'] })).toString('base64url')}.${sig}`;
    const none = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${body}.`;
    const { createTestIssuer } = await import('@imagy/platform/testing');
    const foreign = await (await createTestIssuer('https://other.example')).mint({ tenantId: tid });
    const wrongAudience = await new SignJWT({ tid, roles: [] }).setProtectedHeader({ alg: 'EdDSA', kid: p.issuer.key.kid }).setIssuer(p.issuer.issuer).setAudience('not-imagy').setSubject('x').setExpirationTime('5m').sign(p.issuer.key.privateKey);
    for (const token of [expired, tampered, none, foreign, wrongAudience]) {
      const r = await p.call('{ me { id } }', {}, token);
      expect(r.status).toBe(401);
      expect(r.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    }
    const publicField = await p.call('query($h: String!) { tenantByHost(host: $h) { slug name } }', { h: 'demo.localhost' });
    expect(publicField.data.tenantByHost).toEqual({ slug: 'demo', name: expect.any(String) });
  });
});
