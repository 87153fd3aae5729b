/**
 * The tenant is the host (seed 5.12): an unknown host gets a page that says so; each tenant's host
 * shows that tenant's name and products only, in its own colours; the token pages work on any host.
 * axe-core on every page; screenshots in e2e/artifacts/portal/.
 */
import { DESKTOP, PHONE, startPortalWorld, type PortalWorld } from './setup';

describe('portal: tenants by host', () => {
  let w: PortalWorld;
  beforeAll(async () => { w = await startPortalWorld('e2eportaltenants', ['presto', 'andes']); }, 240_000);
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

  test("each tenant's host shows its own name and products, never the other's", async () => {
    const andes = await w.page(DESKTOP);
    await andes.goto(`${w.origin('andes')}/p/ANDES`);
    await andes.getByRole('heading', { name: 'Préstamo Andes' }).waitFor();
    await andes.getByRole('link', { name: /Andes Crédito/ }).waitFor();
    await w.check(andes, 'tenants-20-andes-landing');
    // Presto's product does not exist on Andes' host, and Andes' name is nowhere on Presto's.
    await andes.goto(`${w.origin('andes')}/p/PRESTO`);
    await andes.getByRole('heading', { name: 'Este producto no está disponible.' }).waitFor();
    expect(await andes.content()).not.toContain('Presto');
    const presto = await w.page(PHONE);
    await presto.goto(`${w.origin('presto')}/p/PRESTO`);
    await presto.getByRole('heading', { name: 'Crédito Presto' }).waitFor();
    await presto.getByTestId('installment').waitFor();
    expect(await presto.content()).not.toContain('Andes');
    await w.check(presto, 'tenants-21-presto-landing');
  });
});
