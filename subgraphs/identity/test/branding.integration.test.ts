/**
 * Tenant branding (the public portal's look) on real PostgreSQL and JetStream, through GraphQL:
 * defaults, update and read back, every refused field named and nothing written, who may change
 * it, tenant isolation, anonymous tenantByHost, and the event on the bus.
 */
import { EventConsumer, type EventEnvelope } from '@imagy/platform/events';
import { waitFor } from '@imagy/platform/testing';
import { startHarness, type Harness } from './harness';

const BRANDING = 'displayName logoUrl primaryColor accentColor legalName legalFooter supportEmail supportPhone';
const UPDATE = `mutation($input: UpdateTenantBrandingInput!) { updateTenantBranding(input: $input) { tenant { id slug branding { ${BRANDING} } } userErrors { code message field } } }`;
const b64 = (text: string | Buffer) => Buffer.from(text).toString('base64');
const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(32, 1)]);

describe('identity: tenant branding', () => {
  let h: Harness;
  let consumer: EventConsumer;
  const seen: EventEnvelope[] = [];
  let a: Awaited<ReturnType<Harness['newTenant']>>;
  let b: Awaited<ReturnType<Harness['newTenant']>>;

  beforeAll(async () => {
    h = await startHarness('idbranding');
    consumer = new EventConsumer({
      orm: h.identity.orm, nc: h.bus.nc, ns: h.bus.ns, signer: h.bus.signer, name: 'identity-branding-test', domains: ['identity'],
      handler: async (_em, e) => { seen.push(e); },
    });
    await consumer.start();
    a = await h.newTenant('brand-a');
    b = await h.newTenant('brand-b');
  });
  afterAll(async () => {
    await consumer?.stop();
    await h?.close();
  });

  const rows = async (tenantId: string) => h.adminSql('select display_name, logo_url, primary_color, accent_color, legal_name, legal_footer, support_email, support_phone from identity.tenant_branding where tenant_id = $1', [tenantId]);

  test('a tenant that never set its branding shows the defaults: its name and the platform colours', async () => {
    const r = await h.call(`query($id: ID!) { tenant(id: $id) { name branding { ${BRANDING} } } }`, { id: a.tenantId }, a.token);
    expect(r.errors).toBeUndefined();
    expect(r.data.tenant.branding).toEqual({
      displayName: 'Tenant brand-a', logoUrl: null, primaryColor: '#1f4e79', accentColor: '#f2a900', legalName: null, legalFooter: null, supportEmail: null, supportPhone: null,
    });
  });

  test('a tenant admin updates the branding, reads it back, and an absent field keeps its value while null resets it', async () => {
    const logo = `data:image/png;base64,${b64(PNG)}`;
    const r = await h.call(UPDATE, { input: {
      displayName: '  Financiera A ', logoUrl: logo, primaryColor: '#0B6E4F', accentColor: '#fa0', legalName: 'Financiera A S.A.',
      legalFooter: 'Registro CNBV 123\r\nAv. Reforma 1', supportEmail: 'Ayuda@A.example', supportPhone: '+52 55 1234 5678',
    } }, a.token);
    expect(r.errors).toBeUndefined();
    expect(r.data.updateTenantBranding).toEqual({ userErrors: [], tenant: { id: a.tenantId, slug: 'brand-a', branding: {
      displayName: 'Financiera A', logoUrl: logo, primaryColor: '#0b6e4f', accentColor: '#ffaa00', legalName: 'Financiera A S.A.',
      legalFooter: 'Registro CNBV 123\nAv. Reforma 1', supportEmail: 'ayuda@a.example', supportPhone: '+525512345678',
    } } });

    const partial = await h.call(UPDATE, { input: { accentColor: '#123456', legalName: null, supportPhone: '' } }, a.token);
    expect(partial.data.updateTenantBranding.userErrors).toEqual([]);
    expect(partial.data.updateTenantBranding.tenant.branding).toMatchObject({ displayName: 'Financiera A', logoUrl: logo, accentColor: '#123456', legalName: null, supportPhone: null });

    const back = await h.call(`{ currentTenant { branding { ${BRANDING} } } }`, {}, a.token);
    expect(back.data.currentTenant.branding).toEqual(partial.data.updateTenantBranding.tenant.branding);
    expect(await rows(a.tenantId)).toEqual([expect.objectContaining({ primary_color: '#0b6e4f', accent_color: '#123456', legal_name: null, support_phone: null })]);
  });

  test('every refused field is a userError naming it, in the request language, and nothing is written', async () => {
    const before = await rows(a.tenantId);
    const svgWith = (body: string) => `data:image/svg+xml;base64,${b64(`<svg xmlns="http://www.w3.org/2000/svg">${body}</svg>`)}`;
    const cases: [Record<string, unknown>, string, string][] = [
      [{ primaryColor: 'blue' }, 'INVALID_COLOR', 'primaryColor'],
      [{ accentColor: '#12345g' }, 'INVALID_COLOR', 'accentColor'],
      [{ primaryColor: '#f2a900' }, 'BRANDING_CONTRAST_LOW', 'primaryColor'],
      [{ primaryColor: '#777777' }, 'BRANDING_CONTRAST_LOW', 'primaryColor'],
      [{ logoUrl: 'http://cdn.example/logo.png' }, 'INVALID_LOGO', 'logoUrl'],
      [{ logoUrl: 'javascript:alert(1)' }, 'INVALID_LOGO', 'logoUrl'],
      [{ logoUrl: 'https://user:pw@cdn.example/logo.png' }, 'INVALID_LOGO', 'logoUrl'],
      [{ logoUrl: `data:text/html;base64,${b64('<script>alert(1)</script>')}` }, 'INVALID_LOGO', 'logoUrl'],
      [{ logoUrl: `data:image/png;base64,${b64('<html>not a png</html>')}` }, 'INVALID_LOGO', 'logoUrl'],
      [{ logoUrl: `data:image/png;base64,${b64(Buffer.concat([PNG, Buffer.alloc(64 * 1024)]))}` }, 'LOGO_TOO_LARGE', 'logoUrl'],
      [{ logoUrl: svgWith('<script>alert(1)</script>') }, 'LOGO_UNSAFE', 'logoUrl'],
      [{ logoUrl: svgWith('<rect onload="alert(1)"/>') }, 'LOGO_UNSAFE', 'logoUrl'],
      [{ logoUrl: svgWith('<a href="javascript:alert(1)"><rect/></a>') }, 'LOGO_UNSAFE', 'logoUrl'],
      [{ legalFooter: 'x'.repeat(2001) }, 'FOOTER_TOO_LONG', 'legalFooter'],
      [{ legalFooter: 'Legal\u202Etxet' }, 'INVALID_FOOTER', 'legalFooter'],
      [{ supportEmail: 'not-an-email' }, 'INVALID_EMAIL', 'supportEmail'],
      [{ supportPhone: '5512345678' }, 'INVALID_PHONE', 'supportPhone'],
      [{ displayName: 'A'.repeat(201) }, 'INVALID_NAME', 'displayName'],
      [{ legalName: 'Evil\u001B[2J' }, 'INVALID_NAME', 'legalName'],
    ];
    for (const [input, code, field] of cases) {
      // A valid field next to the refused one: it is not written either.
      const r = await h.call(UPDATE, { input: { displayName: 'Should not be stored', ...input } }, a.token);
      expect(r.errors).toBeUndefined();
      expect({ input, result: r.data.updateTenantBranding }).toEqual({ input, result: { tenant: null, userErrors: [{ code, field, message: expect.any(String) }] } });
    }
    const low = await h.call(UPDATE, { input: { primaryColor: '#f2a900' } }, a.token, { 'accept-language': 'es' });
    expect(low.data.updateTenantBranding.userErrors[0].message).toBe('El texto blanco sobre este color tiene un contraste de 2.00:1; se necesita al menos 4.5:1 (WCAG AA). Elija un color más oscuro.');
    const several = await h.call(UPDATE, { input: { primaryColor: 'x', supportEmail: 'y', legalFooter: 'z'.repeat(3000) } }, a.token);
    expect(several.data.updateTenantBranding.userErrors.map((e: { field: string }) => e.field).sort()).toEqual(['legalFooter', 'primaryColor', 'supportEmail']);
    expect(await rows(a.tenantId)).toEqual(before);
  });

  test('only a tenant_admin may change it: staff and anonymous callers are refused and nothing changes', async () => {
    await h.createUser(a.token, { email: 'staff@brand-a.test', displayName: 'Staff', roles: ['staff'], password: 'staff-password-1' });
    const staff = (await h.login('brand-a', 'staff@brand-a.test', 'staff-password-1')).accessToken;
    const before = await rows(a.tenantId);
    const asStaff = await h.call(UPDATE, { input: { displayName: 'Staff was here' } }, staff);
    expect(asStaff.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const anonymous = await h.call(UPDATE, { input: { displayName: 'Anyone was here' } });
    expect(anonymous.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    const platformAdmin = await h.call(UPDATE, { input: { displayName: 'Platform was here' } }, await h.platformToken());
    expect(platformAdmin.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(await rows(a.tenantId)).toEqual(before);
  });

  test("tenant B's admin changes only B: A's branding stays, and A's private fields stay hidden from B", async () => {
    const aBefore = await rows(a.tenantId);
    const r = await h.call(UPDATE, { input: { displayName: 'Financiera B', primaryColor: '#2d3142' } }, b.token);
    expect(r.data.updateTenantBranding.tenant).toMatchObject({ id: b.tenantId, branding: { displayName: 'Financiera B', primaryColor: '#2d3142' } });
    expect(await rows(a.tenantId)).toEqual(aBefore);
    // B reads A by id: nothing; by host: the public face only (branding included, hostnames and timezone not).
    const byId = await h.call(`query($id: ID!) { tenant(id: $id) { id branding { displayName } } }`, { id: a.tenantId }, b.token);
    expect(byId.data.tenant).toBeNull();
    const byHost = await h.call(`{ tenantByHost(host: "brand-a.example.test") { id hostnames timezone createdAt branding { displayName primaryColor } } }`, {}, b.token);
    expect(byHost.data.tenantByHost).toEqual({ id: a.tenantId, hostnames: null, timezone: null, createdAt: null, branding: { displayName: 'Financiera A', primaryColor: '#0b6e4f' } });
  });

  test('anonymous tenantByHost shows the branding (every field is public)', async () => {
    const r = await h.call(`{ tenantByHost(host: "BRAND-A.example.test:8080") { name hostnames branding { ${BRANDING} } } }`);
    expect(r.errors).toBeUndefined();
    expect(r.data.tenantByHost).toMatchObject({ name: 'Tenant brand-a', hostnames: null, branding: { displayName: 'Financiera A', primaryColor: '#0b6e4f', accentColor: '#123456', supportEmail: 'ayuda@a.example' } });
    const seeded = await h.call(`{ demo: tenantByHost(host: "demo.localhost") { branding { displayName primaryColor logoUrl } } andes: tenantByHost(host: "andes.localhost") { branding { displayName primaryColor } } }`);
    expect(seeded.data.demo.branding).toMatchObject({ displayName: 'Demo Financiera', primaryColor: '#1f4e79', logoUrl: expect.stringMatching(/^data:image\/svg\+xml;base64,/) });
    expect(seeded.data.andes.branding).toEqual({ displayName: 'Andes Crédito', primaryColor: '#0b6e4f' });
  });

  test('a change publishes identity.tenant.branding_updated naming the fields, signed, with the admin as actor', async () => {
    const r = await h.call(UPDATE, { input: { supportEmail: 'soporte@b.example' } }, b.token);
    expect(r.data.updateTenantBranding.userErrors).toEqual([]);
    const event = await waitFor(async () => seen.find((e) => e.subject === 'identity.tenant.branding_updated' && e.tenantId === b.tenantId && (e.data as { changes: string[] }).changes.includes('supportEmail')), 15_000);
    expect(event.data).toEqual({ tenantId: b.tenantId, slug: 'brand-b', changes: ['supportEmail'] });
    expect(event.actor).toMatchObject({ kind: 'user', userId: b.adminId });
    expect(h.bus.signer.verify(event)).toBe(true);
  });
});
