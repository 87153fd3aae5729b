import { TokenVerifier } from '@imagy/platform/auth';
import { CREATE_TENANT, DEMO_PASSWORD, startHarness, type Harness } from './harness';

const TENANT_FIELDS = 'id slug name status defaultLocale currency hostnames timezone createdAt';

describe('identity: tenant registry', () => {
  let h: Harness;
  beforeAll(async () => { h = await startHarness('idtenants'); });
  afterAll(async () => { await h?.close(); });

  test('the seed creates the platform, demo and andes tenants with their admins, and running it again changes nothing', async () => {
    const rows = await h.adminSql('select slug, currency, timezone, default_locale from identity.tenants order by slug');
    expect(rows).toEqual([
      { slug: 'andes', currency: 'PEN', timezone: 'America/Lima', default_locale: 'es' },
      { slug: 'demo', currency: 'MXN', timezone: 'America/Mexico_City', default_locale: 'es' },
      { slug: 'platform', currency: 'MXN', timezone: 'America/Mexico_City', default_locale: 'es' },
    ]);
    const users = await h.adminSql('select email, roles from identity.users order by email');
    expect(users).toEqual([
      { email: 'admin@andes.localhost', roles: ['tenant_admin'] },
      { email: 'admin@demo.localhost', roles: ['tenant_admin'] },
      { email: 'admin@platform.localhost', roles: ['platform_admin'] },
    ]);
    const demo = await h.login('demo', 'admin@demo.localhost', DEMO_PASSWORD);
    expect(demo.userErrors).toEqual([]);
  });

  test('a platform admin creates a tenant that is then listed, readable by id and resolvable by host', async () => {
    const token = await h.platformToken();
    const r = await h.call(CREATE_TENANT, { input: { slug: 'acme', name: 'Acme Créditos', hostnames: ['Acme.Example.TEST', 'portal.acme.test:8443'], defaultLocale: 'en', currency: 'usd', timezone: 'America/Bogota' } }, token);
    expect(r.errors).toBeUndefined();
    const created = r.data.createTenant;
    expect(created.userErrors).toEqual([]);
    expect(created.tenant).toMatchObject({ slug: 'acme', name: 'Acme Créditos', status: 'ACTIVE', defaultLocale: 'en', currency: 'USD', timezone: 'America/Bogota', hostnames: ['acme.example.test', 'portal.acme.test'] });

    const byId = await h.call(`query($id: ID!) { tenant(id: $id) { ${TENANT_FIELDS} } }`, { id: created.tenant.id }, token);
    expect(byId.data.tenant).toEqual(created.tenant);

    const seen: string[] = [];
    let after: string | null = null;
    for (let page = 0; page < 5; page++) {
      const list: any = await h.call(`query($after: String) { tenants(first: 2, after: $after) { edges { cursor node { slug } } pageInfo { hasNextPage endCursor } } }`, { after }, token);
      expect(list.errors).toBeUndefined();
      seen.push(...list.data.tenants.edges.map((e: any) => e.node.slug));
      if (!list.data.tenants.pageInfo.hasNextPage) break;
      after = list.data.tenants.pageInfo.endCursor;
    }
    expect(seen).toEqual(['platform', 'demo', 'andes', 'acme']);

    const event = await h.adminSql(`select envelope from identity.outbox where subject = 'identity.tenant.created' and tenant_id = $1`, [created.tenant.id]);
    expect(event[0].envelope).toMatchObject({ data: { slug: 'acme', name: 'Acme Créditos' }, actor: { kind: 'user' } });
  });

  test('tenantByHost answers anonymous callers with the public fields only', async () => {
    const r = await h.call(`query($host: String!) { tenantByHost(host: $host) { ${TENANT_FIELDS} } }`, { host: 'DEMO.localhost:3000' });
    expect(r.errors).toBeUndefined();
    expect(r.data.tenantByHost).toEqual({
      id: h.seed.demoTenantId, slug: 'demo', name: 'Demo Financiera', status: 'ACTIVE', defaultLocale: 'es', currency: 'MXN',
      hostnames: null, timezone: null, createdAt: null,
    });
    const unknown = await h.call(`{ tenantByHost(host: "nobody.example.test") { id } }`);
    expect(unknown.data.tenantByHost).toBeNull();
  });

  test('a tenant user sees its own tenant in full but gets null for another tenant, by id or by entity reference', async () => {
    const demo = await h.login('demo', 'admin@demo.localhost', DEMO_PASSWORD);
    const own = await h.call(`{ currentTenant { id slug hostnames timezone } }`, {}, demo.accessToken);
    expect(own.data.currentTenant).toEqual({ id: h.seed.demoTenantId, slug: 'demo', hostnames: ['demo.localhost'], timezone: 'America/Mexico_City' });
    const other = await h.call(`query($id: ID!) { tenant(id: $id) { id } }`, { id: h.seed.platformTenantId }, demo.accessToken);
    expect(other.errors).toBeUndefined();
    expect(other.data.tenant).toBeNull();
    const refs = await h.call(`query($r: [_Any!]!) { _entities(representations: $r) { ... on Tenant { id slug } } }`, {
      r: [{ __typename: 'Tenant', id: h.seed.demoTenantId }, { __typename: 'Tenant', id: h.seed.platformTenantId }],
    }, demo.accessToken);
    expect(refs.data._entities).toEqual([{ id: h.seed.demoTenantId, slug: 'demo' }, null]);
  });

  test('invalid tenant input returns userErrors and creates nothing', async () => {
    const token = await h.platformToken();
    const before = await h.adminSql('select count(*)::int as n from identity.tenants');
    const bad = await h.call(CREATE_TENANT, { input: { slug: '-Bad Slug', name: ' ', currency: 'XYZ', timezone: 'Mars/Olympus_Mons', hostnames: ['not a host'] } }, token);
    expect(bad.errors).toBeUndefined();
    expect(bad.data.createTenant.tenant).toBeNull();
    expect(bad.data.createTenant.userErrors.map((e: any) => [e.code, e.field]).sort()).toEqual([
      ['INVALID_CURRENCY', 'currency'], ['INVALID_HOSTNAME', 'hostnames'], ['INVALID_NAME', 'name'], ['INVALID_SLUG', 'slug'], ['INVALID_TIMEZONE', 'timezone'],
    ]);
    const dupSlug = await h.call(CREATE_TENANT, { input: { slug: 'demo', name: 'Again' } }, token);
    expect(dupSlug.data.createTenant.userErrors).toEqual([expect.objectContaining({ code: 'SLUG_TAKEN', field: 'slug' })]);
    const dupHost = await h.call(CREATE_TENANT, { input: { slug: 'fresh', name: 'Fresh', hostnames: ['fresh.test', 'demo.localhost'] } }, token);
    expect(dupHost.data.createTenant.userErrors).toEqual([expect.objectContaining({ code: 'HOSTNAME_TAKEN', field: 'hostnames' })]);
    expect(await h.adminSql('select count(*)::int as n from identity.tenants')).toEqual(before);
    expect(await h.adminSql(`select * from identity.tenant_hostnames where hostname = 'fresh.test'`)).toEqual([]);
    expect(await h.adminSql(`select * from identity.outbox where envelope->'data'->>'slug' = 'fresh'`)).toEqual([]);
  });

  test('only platform admins create or update tenants', async () => {
    const demo = await h.login('demo', 'admin@demo.localhost', DEMO_PASSWORD);
    const forbidden = await h.call(CREATE_TENANT, { input: { slug: 'sneaky', name: 'Sneaky' } }, demo.accessToken);
    expect(forbidden.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const anonymous = await h.call(CREATE_TENANT, { input: { slug: 'sneaky', name: 'Sneaky' } });
    expect(anonymous.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    const update = await h.call(`mutation($input: UpdateTenantInput!) { updateTenant(input: $input) { tenant { id } } }`, { input: { id: h.seed.demoTenantId, status: 'SUSPENDED' } }, demo.accessToken);
    expect(update.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const list = await h.call(`{ tenants { edges { node { id } } } }`, {}, demo.accessToken);
    expect(list.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  test('a suspended tenant cannot sign in, shows SUSPENDED as its current tenant, and works again once reactivated', async () => {
    const t = await h.newTenant('suspendme');
    const token = await h.platformToken();
    const UPDATE = `mutation($input: UpdateTenantInput!) { updateTenant(input: $input) { tenant { id status name } userErrors { code field } } }`;
    const suspended = await h.call(UPDATE, { input: { id: t.tenantId, status: 'SUSPENDED', name: 'Renamed' } }, token);
    expect(suspended.data.updateTenant).toEqual({ tenant: { id: t.tenantId, status: 'SUSPENDED', name: 'Renamed' }, userErrors: [] });
    const current = await h.call(`{ currentTenant { id status } }`, {}, t.token);
    expect(current.data.currentTenant).toEqual({ id: t.tenantId, status: 'SUSPENDED' });
    const refused = await h.login('suspendme', t.adminEmail, 'admin-password-1');
    expect(refused.accessToken).toBeNull();
    expect(refused.userErrors.map((e: any) => e.code)).toEqual(['TENANT_SUSPENDED']);
    const badTz = await h.call(UPDATE, { input: { id: t.tenantId, status: 'ACTIVE', timezone: 'Nowhere/City' } }, token);
    expect(badTz.data.updateTenant.userErrors).toEqual([{ code: 'INVALID_TIMEZONE', field: 'timezone' }]);
    const reactivated = await h.call(UPDATE, { input: { id: t.tenantId, status: 'ACTIVE' } }, token);
    expect(reactivated.data.updateTenant.tenant.status).toBe('ACTIVE');
    const ok = await h.login('suspendme', t.adminEmail, 'admin-password-1');
    expect(ok.userErrors).toEqual([]);
    const events = await h.adminSql(`select envelope->'data' as data from identity.outbox where subject = 'identity.tenant.updated' and tenant_id = $1 order by created_at`, [t.tenantId]);
    expect(events.map((e) => [e.data.changes, e.data.status])).toEqual([[['name', 'status'], 'SUSPENDED'], [['status'], 'ACTIVE']]);
  });

  test('the JWKS endpoint publishes the key that verifies the access tokens identity issues', async () => {
    const res = await fetch(h.url.replace('/graphql', '/.well-known/jwks.json'));
    expect(res.status).toBe(200);
    const jwks = await res.json() as { keys: { kid: string; d?: string }[] };
    expect(jwks.keys).toHaveLength(1);
    expect(jwks.keys[0]!.d).toBeUndefined();
    const verifier = new TokenVerifier([{ issuer: h.issuer.issuer, audience: h.issuer.audience, jwks: jwks as any }]);
    const session = await h.login('demo', 'admin@demo.localhost', DEMO_PASSWORD);
    await expect(verifier.verify(session.accessToken)).resolves.toMatchObject({ tenantId: h.seed.demoTenantId, roles: ['tenant_admin'] });
  });
});
