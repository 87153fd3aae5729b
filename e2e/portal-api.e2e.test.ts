/**
 * The server side of the public portal, through the gateway: the demo data `npm start` writes
 * (scripts/demo-portal.ts, through the same API) gives the seeded tenants `demo` and `andes` their
 * own branding and published product; an anonymous visitor resolves the tenant by host and sees its
 * branding and its products' landings, never the other tenant's; a tenant admin changes the
 * branding and the visitor sees it; audit records the change; a second seeding run changes nothing.
 * Then a borrower goes from the demo landing to a disbursed credit on the built-in providers (flow's
 * mock provider, notifications' local mailbox, sign's own signing): the seeded pipeline needs no
 * account anywhere and no staff for a clean applicant.
 */
import { waitFor } from '@imagy/platform/testing';
import { seedPortalDemo } from '../scripts/demo-portal';
import { DEV_PASSWORD, startPlatform, type Platform } from './harness';

const HOME = `query($host: String!) {
  tenantByHost(host: $host) { name hostnames branding { displayName logoUrl primaryColor accentColor legalName legalFooter supportEmail supportPhone } }
  originationLandings(host: $host) { productCode productName currency minAmount maxAmount title legalFooter legalDocuments { code version } }
}`;
const UPDATE = `mutation($input: UpdateTenantBrandingInput!) { updateTenantBranding(input: $input) { tenant { branding { displayName primaryColor } } userErrors { code field } } }`;

describe('portal API through the gateway', () => {
  let p: Platform;
  beforeAll(async () => {
    p = await startPlatform({ label: 'e2eportal' });
  });
  afterAll(async () => { await p?.stop(); });

  test('the demo seed gives demo and andes their own branding and product; an anonymous visitor sees only the host\'s tenant', async () => {
    const created = await seedPortalDemo({ gatewayUrl: p.gatewayUrl, password: DEV_PASSWORD });
    expect(created).toEqual(expect.arrayContaining(['demo: product PERSONAL', 'demo: PERSONAL published', 'andes: product PYME', 'andes: PYME published']));

    const demo = await waitFor(async () => {
      const r = await p.call(HOME, { host: 'demo.localhost:4000' });
      return r.data?.originationLandings?.length ? r : null;
    }, 20_000, 200);
    expect(demo.errors).toBeUndefined();
    expect(demo.data.tenantByHost).toMatchObject({ name: 'Demo Financiera', hostnames: null, branding: { displayName: 'Demo Financiera', primaryColor: '#1f4e79', accentColor: '#f2a900', supportEmail: 'soporte@demo.localhost' } });
    expect(demo.data.tenantByHost.branding.logoUrl).toMatch(/^data:image\/svg\+xml;base64,/);
    expect(demo.data.originationLandings).toEqual([{
      productCode: 'PERSONAL', productName: 'Crédito Personal', currency: 'MXN', minAmount: '1000.00', maxAmount: '50000.00', title: 'Crédito Personal Demo',
      legalFooter: 'Demo Financiera, S.A. de C.V., SOFOM, E.N.R. Producto de demostración.', legalDocuments: [{ code: 'TERMS', version: 1 }, { code: 'PRIVACY', version: 1 }],
    }]);

    const andes = await waitFor(async () => {
      const r = await p.call(HOME, { host: 'andes.localhost' });
      return r.data?.originationLandings?.length ? r : null;
    }, 20_000, 200);
    expect(andes.data.tenantByHost.branding).toMatchObject({ displayName: 'Andes Crédito', primaryColor: '#0b6e4f', accentColor: '#e4572e' });
    expect(andes.data.originationLandings.map((l: { productCode: string; currency: string }) => [l.productCode, l.currency])).toEqual([['PYME', 'PEN']]);

    const nobody = await p.call(HOME, { host: 'nobody.localhost' });
    expect(nobody.errors).toBeUndefined();
    expect(nobody.data).toEqual({ tenantByHost: null, originationLandings: [] });

    // Idempotent: a second run (a second `npm start`) creates nothing.
    expect(await seedPortalDemo({ gatewayUrl: p.gatewayUrl, password: DEV_PASSWORD })).toEqual([]);
    expect((await p.call(HOME, { host: 'demo.localhost' })).data.originationLandings).toHaveLength(1);
  }, 240_000);

  test('a tenant admin changes the branding; anonymous visitors see it, staff cannot change it, and audit records it', async () => {
    const admin = await p.login('demo', 'admin@demo.localhost', DEV_PASSWORD);
    const refused = await p.call(UPDATE, { input: { primaryColor: '#ffd700' } }, admin.accessToken);
    expect(refused.data.updateTenantBranding).toEqual({ tenant: null, userErrors: [{ code: 'BRANDING_CONTRAST_LOW', field: 'primaryColor' }] });
    const changed = await p.call(UPDATE, { input: { displayName: 'Demo Financiera Plus', primaryColor: '#8b1e3f' } }, admin.accessToken);
    expect(changed.data.updateTenantBranding).toEqual({ tenant: { branding: { displayName: 'Demo Financiera Plus', primaryColor: '#8b1e3f' } }, userErrors: [] });

    const visitor = await p.call(`{ tenantByHost(host: "demo.localhost") { name branding { displayName primaryColor } } }`);
    expect(visitor.data.tenantByHost).toEqual({ name: 'Demo Financiera', branding: { displayName: 'Demo Financiera Plus', primaryColor: '#8b1e3f' } });
    // Andes is untouched.
    const other = await p.call(`{ tenantByHost(host: "andes.localhost") { branding { displayName primaryColor } } }`);
    expect(other.data.tenantByHost.branding).toEqual({ displayName: 'Andes Crédito', primaryColor: '#0b6e4f' });

    // The seeded checker (product_checker) may not change it.
    const checker = await p.login('demo', 'checker@demo.localhost', DEV_PASSWORD);
    const forbidden = await p.call(UPDATE, { input: { displayName: 'Checker' } }, checker.accessToken);
    expect(forbidden.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');

    const recorded = await waitFor(async () => {
      const r = await p.call(`query($f: AuditEventFilter) { auditEvents(filter: $f, first: 20) { edges { node { message activityName resourceType actorUserId } } } }`, { f: { resourceType: 'tenant', actorUserId: admin.user.id } }, admin.accessToken);
      return r.data?.auditEvents.edges.map((e: { node: unknown }) => e.node).find((n: { message: string }) => /branding updated/.test(n.message));
    }, 30_000, 250);
    expect(recorded).toMatchObject({ activityName: 'Update', resourceType: 'tenant', message: 'Tenant demo branding updated (displayName, primaryColor)' });
  }, 120_000);

  test('a borrower goes from the seeded demo landing to a disbursed credit: every step runs on the built-in providers, no staff, no account', async () => {
    const REGISTER = `mutation($input: RegisterApplicantInput!) { registerApplicant(input: $input) { userId userErrors { code field } } }`;
    const registered = await p.call(REGISTER, { input: { host: 'demo.localhost', email: 'lucia@demo.test', displayName: 'Lucía Gómez', password: 'lucia-password-1', phone: '+525511112222' } });
    expect(registered.data.registerApplicant.userErrors).toEqual([]);
    const lucia = await p.login('demo', 'lucia@demo.test', 'lucia-password-1');
    const staff = (await p.login('demo', 'admin@demo.localhost', DEV_PASSWORD)).accessToken;
    const products = await p.call(`{ creditProducts(first: 5) { edges { node { id code } } } }`, {}, staff);
    const productId = products.data.creditProducts.edges.find((e: { node: { code: string } }) => e.node.code === 'PERSONAL').node.id;

    const started = await waitFor(async () => {
      const r = await p.call(`mutation($input: StartApplicationInput!) { startApplication(input: $input) { application { id currentStep } userErrors { code } } }`, { input: { productId, amount: '15000', term: 12, idempotencyKey: 'portal-e2e-1' } }, lucia.accessToken);
      return r.data?.startApplication.userErrors[0]?.code === 'BORROWER_NOT_FOUND' ? null : r.data.startApplication;
    }, 20_000, 200);
    expect(started).toMatchObject({ userErrors: [], application: { currentStep: 'consent' } });
    const id = started.application.id;
    const SUBMIT = `mutation($input: SubmitApplicationStepInput!) { submitApplicationStep(input: $input) { application { currentStep } userErrors { code field } } }`;
    const submit = async (stepKey: string, data: unknown) => {
      const r = await p.call(SUBMIT, { input: { applicationId: id, stepKey, data, idempotencyKey: `${stepKey}-${JSON.stringify(data)}` } }, lucia.accessToken);
      expect(r.errors).toBeUndefined();
      expect(r.data.submitApplicationStep.userErrors).toEqual([]);
      return r.data.submitApplicationStep.application;
    };
    const mails = async () => ((await p.call(`query($r: String) { localMailbox(first: 20, recipient: $r) { edges { node { body } } } }`, { r: 'lucia@demo.test' }, staff)).data.localMailbox.edges as { node: { body: string } }[]).map((e) => e.node.body);

    expect(await submit('consent', { accepted: [{ code: 'TERMS', version: 1 }, { code: 'PRIVACY', version: 1 }] })).toMatchObject({ currentStep: 'contact' });
    await submit('contact', { destination: 'lucia@demo.test' });
    const otp = await waitFor(async () => (await mails())[0], 20_000, 200);
    expect(await submit('contact', { code: /(\d{6})/.exec(otp)![1] })).toMatchObject({ currentStep: 'form' });
    await submit('form', { values: { fullName: 'Lucía Gómez', documentNumber: '12345678', phone: '+525511112222', monthlyIncome: '30000' } });

    // Compliance on flow's mock provider (score 720 >= 700) passes review without staff; KYC runs;
    // lending issues the contract and sign invites the borrower by e-mail.
    const invitation = await waitFor(async () => (await mails()).find((b) => b.includes('/sign/')), 60_000, 250);
    const signingToken = /\/sign\/(sgn_[A-Za-z0-9_-]+)/.exec(invitation)![1]!;
    const before = (await mails()).length;
    const asked = await p.call(`mutation($token: String!) { requestSigningCode(input: { token: $token }) { userErrors { code } } }`, { token: signingToken });
    expect(asked.data.requestSigningCode.userErrors).toEqual([]);
    const codeMail = await waitFor(async () => { const all = await mails(); return all.length > before ? all[0] : null; }, 20_000, 200);
    const signed = await p.call(`mutation($input: SignDocumentInput!) { signDocument(input: $input) { session { requestStatus } userErrors { code } } }`, { input: { token: signingToken, code: /(\d{6})/.exec(codeMail!)![1], accept: true } });
    expect(signed.data.signDocument).toEqual({ session: { requestStatus: 'COMPLETED' }, userErrors: [] });

    const me = await waitFor(async () => {
      const r = await p.call(`{ me { applications { status steps { key state } credit { status principal currency } } } }`, {}, lucia.accessToken);
      return r.data?.me.applications[0]?.status === 'DISBURSED' ? r.data.me : null;
    }, 30_000, 250);
    expect(me.applications[0].credit).toEqual({ status: 'ACTIVE', principal: '15000.00', currency: 'MXN' });
    expect(me.applications[0].steps.map((s: { key: string; state: string }) => `${s.key}:${s.state}`)).toEqual([
      'landing:COMPLETED', 'registration:COMPLETED', 'consent:COMPLETED', 'contact:COMPLETED', 'form:COMPLETED', 'compliance:COMPLETED',
      'review:COMPLETED', 'identity:COMPLETED', 'signature:COMPLETED', 'disbursement:COMPLETED',
    ]);
  }, 240_000);
});
