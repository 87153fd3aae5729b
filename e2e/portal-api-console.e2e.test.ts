/**
 * The console's Institution settings in a real browser (Debian's chromium through playwright-core)
 * against the whole platform: a tenant admin sees the seeded branding, the live preview follows the
 * form, a colour white text cannot be read on is refused next to its field (nothing saved), a valid
 * change is saved and the public tenantByHost shows it; a user without tenant_admin does not get
 * the module. axe-core on each page; screenshots in e2e/artifacts/console/ (p70-p72).
 */
import { CREATE_USER, DEV_PASSWORD, startPlatform, type Platform } from './harness';
import { checkPage, ensureConsoleBuild, browserSuite, signInPage } from './console/browser';

jest.setTimeout(240_000);

describe('console: Institution settings (portal branding)', () => {
  let p: Platform;
  const suite = browserSuite();
  let base: string;
  const { contexts, problems } = suite;

  beforeAll(async () => {
    const dist = ensureConsoleBuild()!;
    p = await startPlatform({ label: 'e2eportalconsole', console: dist });
    base = p.gatewayUrl.replace(/\/graphql$/, '/console/');
  });
  afterAll(async () => {
    await p?.stop();
  });

  test('a tenant admin edits the branding with a live preview; a refused colour is shown next to its field; the saved branding is public', async () => {
    const page = await signInPage(suite.browser, base, { contexts, problems }, 'admin@demo.localhost', DEV_PASSWORD);
    await page.getByRole('link', { name: 'Institution' }).click();
    await page.getByRole('heading', { name: 'Institution' }).waitFor();
    const preview = page.getByRole('region', { name: 'Portal preview' });
    await preview.getByText('Demo Financiera').first().waitFor();
    expect(await page.getByLabel('Name shown').inputValue()).toBe('Demo Financiera');
    expect(await page.getByLabel('Primary colour', { exact: true }).inputValue()).toBe('#1f4e79');
    await checkPage(page, 'p70-settings-branding');

    // A yellow white text cannot be read on: the hint says so live, the server refuses it next to the field.
    await page.getByLabel('Name shown').fill('Demo Plus');
    await preview.getByText('Demo Plus').waitFor();
    await page.getByLabel('Primary colour', { exact: true }).fill('#f2a900');
    await page.getByText('White text on it has only 2.00:1; at least 4.5:1 is needed.').waitFor();
    // The preview never draws an unreadable header: it keeps the saved colour and says so.
    await preview.getByText(/showing the saved primary colour until the new one is readable/).waitFor();
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText(/White text on this colour has a contrast of 2\.00:1/).waitFor();
    await checkPage(page, 'p71-settings-contrast-refused');
    const unchanged = await p.call(`{ tenantByHost(host: "demo.localhost") { branding { displayName primaryColor } } }`);
    expect(unchanged.data.tenantByHost.branding).toEqual({ displayName: 'Demo Financiera', primaryColor: '#1f4e79' });

    await page.getByLabel('Primary colour', { exact: true }).fill('#8b1e3f');
    await page.getByLabel('Legal footer').fill('Demo Plus S.A.\nRegistro 42');
    await preview.getByText('Registro 42').waitFor();
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Branding saved: the portal shows it now.').waitFor();
    await checkPage(page, 'p72-settings-saved');
    const saved = await p.call(`{ tenantByHost(host: "demo.localhost") { branding { displayName primaryColor legalFooter } } }`);
    expect(saved.data.tenantByHost.branding).toEqual({ displayName: 'Demo Plus', primaryColor: '#8b1e3f', legalFooter: 'Demo Plus S.A.\nRegistro 42' });
  });

  test('a user without tenant_admin does not get the Institution module', async () => {
    const admin = await p.login('demo', 'admin@demo.localhost', DEV_PASSWORD);
    const r = await p.call(CREATE_USER, { input: { email: 'staff@demo.test', displayName: 'Staff', roles: ['staff'], password: 'staff-password-1' } }, admin.accessToken);
    expect(r.data.createUser.userErrors).toEqual([]);
    const page = await signInPage(suite.browser, base, { contexts, problems }, 'staff@demo.test', 'staff-password-1');
    expect(await page.getByRole('link', { name: 'Institution' }).count()).toBe(0);
  });
});
