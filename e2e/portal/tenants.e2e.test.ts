/**
 * The tenant is the host (seed 5.12): an unknown host gets a page that says so; each tenant's host
 * shows that tenant's name and products only, in its own colours; the token pages work on any host.
 * axe-core on every page; screenshots in e2e/artifacts/portal/.
 */
import { DESKTOP, PHONE, startPortalWorld, type PortalWorld } from './setup';

describe('portal: tenants by host', () => {
  let w: PortalWorld;
  beforeAll(async () => { w = await startPortalWorld('e2eportaltenants', ['presto', 'cumbre']); }, 240_000);
  afterAll(async () => { await w?.stop(); });
  afterEach(() => { for (const list of w.problems) expect(list).toEqual([]); });

  test('an unknown host gets a clear page (es and en), never a blank one; a token page still opens there', async () => {
    const page = await w.page(PHONE);
    await page.goto(`${w.origin('nobody')}/`);
    await page.getByRole('heading', { name: 'No hay un portal de crédito en esta dirección' }).waitFor();
    await page.getByText('nobody.localhost no corresponde a ninguna').waitFor();
    await w.check(page, 'tenants-10-unknown-host-es');
    const en = await w.page(DESKTOP, 'en-US');
    await en.goto(`${w.origin('nobody')}/p/PRESTO`);
    await en.getByRole('heading', { name: 'There is no credit portal at this address' }).waitFor();
    await w.check(en, 'tenants-11-unknown-host-en');
    // The signing page works on any host (the token names the tenant): a forged token is refused by sign.
    await page.goto(`${w.origin('nobody')}/sign/sgn_forged`);
    await page.getByRole('alert').waitFor();
    await w.check(page, 'tenants-12-sign-invalid-token');
  });

  test("each tenant's host shows its own branding and products, never the other's", async () => {
    // Cumbre's admin sets its branding (identity's updateTenantBranding): name, logo, colours, legal texts.
    const LOGO = 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';
    const branded = await w.p.call(`mutation($input: UpdateTenantBrandingInput!) { updateTenantBranding(input: $input) { tenant { branding { primaryColor } } userErrors { code field } } }`,
      { input: { displayName: 'Cumbre', logoUrl: LOGO, primaryColor: '#7a1f3d', accentColor: '#f2a900', legalName: 'Cumbre Crédito S.A.', legalFooter: 'Registro CNBV 0042. Av. La Cumbre 100.', supportEmail: 'ayuda@cumbre.test', supportPhone: '+525512340000' } }, w.tenants.cumbre!.admin);
    expect(branded.data.updateTenantBranding).toEqual({ tenant: { branding: { primaryColor: '#7a1f3d' } }, userErrors: [] });

    const cumbre = await w.page(DESKTOP);
    await cumbre.goto(`${w.origin('cumbre')}/`);
    await cumbre.getByRole('heading', { name: 'Cumbre', level: 1 }).waitFor();
    // Its products only.
    await cumbre.getByRole('link', { name: 'Simular y solicitar: Préstamo Cumbre' }).waitFor();
    expect(await cumbre.getByRole('link', { name: /Simular y solicitar/ }).count()).toBe(1);
    // Its colours (CSS variables on <html>), logo and legal texts. (Expressions, not functions: the page's CSP refuses eval.)
    expect(await cumbre.evaluate<string>("getComputedStyle(document.documentElement).getPropertyValue('--brand').trim()")).toBe('#7a1f3d');
    expect(await cumbre.evaluate<string>("getComputedStyle(document.querySelector('.header')).backgroundColor")).toBe('rgb(122, 31, 61)');
    expect(await cumbre.locator('header img.logo').getAttribute('src')).toBe(LOGO);
    await cumbre.getByText('Registro CNBV 0042. Av. La Cumbre 100.').waitFor();
    await cumbre.getByRole('link', { name: 'ayuda@cumbre.test' }).waitFor();
    expect(await cumbre.title()).toBe('Cumbre');
    await w.check(cumbre, 'tenants-20-cumbre-home');
    await cumbre.getByRole('link', { name: 'Simular y solicitar: Préstamo Cumbre' }).click();
    await cumbre.getByRole('heading', { name: 'Préstamo Cumbre' }).waitFor();
    await cumbre.getByTestId('installment').waitFor();
    await w.check(cumbre, 'tenants-21-cumbre-landing');
    // Presto's product does not exist on Cumbre's host, and nothing of Presto shows there.
    await cumbre.goto(`${w.origin('cumbre')}/p/PRESTO`);
    await cumbre.getByRole('heading', { name: 'Este producto no está disponible.' }).waitFor();
    expect(await cumbre.content()).not.toContain('Presto');

    // Presto keeps its own (default) branding and products, with nothing of Cumbre.
    const presto = await w.page(PHONE);
    await presto.goto(`${w.origin('presto')}/`);
    await presto.getByRole('heading', { name: 'Presto Financiera', level: 1 }).waitFor();
    await presto.getByRole('link', { name: 'Simular y solicitar: Crédito Presto' }).waitFor();
    expect(await presto.getByRole('link', { name: /Simular y solicitar/ }).count()).toBe(1);
    expect(await presto.evaluate<string>("getComputedStyle(document.documentElement).getPropertyValue('--brand').trim()")).not.toBe('#7a1f3d');
    expect(await presto.locator('header img').count()).toBe(0);
    expect(await presto.content()).not.toContain('Cumbre');
    await w.check(presto, 'tenants-22-presto-home');
  });
});
