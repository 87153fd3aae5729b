/**
 * The staff console in a real browser (Debian's chromium through playwright-core) against the whole
 * platform (identity, lending, audit, notifications, flow and the gateway serving the built console
 * at /console/): one journey per module, screenshots of each as artifacts, axe-core on every page.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { waitFor } from '@imagy/platform/testing';
import { CREATE_USER, DEV_PASSWORD, startPlatform, type Platform } from '../harness';
import { ensureConsoleBuild, launchBrowser, screenshot, seriousViolations, watchPage } from './browser';

jest.setTimeout(240_000);

describe('console in the browser', () => {
  let p: Platform;
  let browser: Browser;
  let base: string;
  let admin: { accessToken: string; user: { id: string } };
  const contexts: BrowserContext[] = [];
  const problems: string[][] = [];
  const PASSWORD = 'console-password-1';

  beforeAll(async () => {
    const dist = ensureConsoleBuild();
    p = await startPlatform({ label: 'e2econsole', console: dist });
    base = p.gatewayUrl.replace(/\/graphql$/, '/console/');
    admin = await p.login('demo', 'admin@demo.localhost', DEV_PASSWORD);
    for (const [email, roles] of [['maker@demo.test', ['product_manager']], ['checker@demo.test', ['product_checker']], ['reader@demo.test', ['auditor']]] as const) {
      const r = await p.call(CREATE_USER, { input: { email, displayName: email.split('@')[0], roles, password: PASSWORD } }, admin.accessToken);
      expect(r.data.createUser.userErrors).toEqual([]);
    }
    browser = await launchBrowser();
  });
  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    await p?.stop();
  });
  afterEach(() => {
    // No page of the test logged an error (a CSP refusal, a failed operation, an exception).
    for (const list of problems.splice(0)) expect(list).toEqual([]);
  });

  async function signIn(email: string, password: string, locale = 'en-US'): Promise<Page> {
    const context = await browser.newContext({ locale, viewport: { width: 1280, height: 900 } });
    contexts.push(context);
    const page = await context.newPage();
    problems.push(watchPage(page));
    await page.goto(base);
    await page.getByLabel(/Organisation|Organización/).fill('demo');
    await page.getByLabel(/E-mail|Correo/).fill(email);
    await page.getByLabel(/Password|Contraseña/).fill(password);
    await page.getByRole('button', { name: /Sign in|Ingresar/ }).click();
    await page.getByRole('navigation', { name: /Modules|Módulos/ }).waitFor();
    return page;
  }

  async function check(page: Page, name: string) {
    await screenshot(page, name);
    expect(await seriousViolations(page)).toEqual([]);
  }

  test('the login page passes axe, speaks the browser language, and refuses a wrong password with the API message', async () => {
    const context = await browser.newContext({ locale: 'es-EC' });
    contexts.push(context);
    const page = await context.newPage();
    problems.push(watchPage(page));
    await page.goto(base);
    await page.getByRole('heading', { name: 'Consola Imagy' }).waitFor();
    await check(page, '00-login');
    await page.getByLabel('Organización (tenant)').fill('demo');
    await page.getByLabel('Correo electrónico').fill('admin@demo.localhost');
    await page.getByLabel('Contraseña').fill('not-the-password');
    await page.getByRole('button', { name: 'Ingresar' }).click();
    await page.getByRole('alert').waitFor();
    expect(await page.getByRole('alert').textContent()).toMatch(/\S/);
    problems[problems.length - 1]!.length = 0;
  });

  test('products: a maker creates a product and requests publication; a checker sees the diff and approves it', async () => {
    const maker = await signIn('maker@demo.test', PASSWORD);
    // A maker sees products but not the audit module (its roles do not open it).
    await expect(maker.getByRole('link', { name: 'Credit products' }).isVisible()).resolves.toBe(true);
    expect(await maker.getByRole('link', { name: 'Audit' }).count()).toBe(0);
    await maker.getByRole('link', { name: 'Credit products' }).click();
    await maker.getByText('No credit products yet').waitFor();
    await check(maker, '10-products-empty');
    await maker.getByRole('link', { name: 'New product' }).click();
    await maker.getByLabel('Code').fill('CONSUMO');
    await maker.getByLabel('Name').fill('Consumo');
    await maker.getByLabel('Maximum amount').fill('12000.00');
    await check(maker, '11-products-new');
    await maker.getByRole('button', { name: 'Create product' }).click();
    await maker.getByRole('heading', { name: 'Product CONSUMO' }).waitFor();
    await maker.getByRole('button', { name: 'Request publication' }).click();
    await maker.getByText('Publication requested').waitFor();
    await check(maker, '12-products-detail-draft');
    // The maker is not a checker: no approve button, even on the inbox.
    await maker.getByRole('link', { name: 'Credit products' }).click();
    await maker.getByRole('link', { name: 'Maker-checker inbox' }).click();
    await maker.getByRole('cell', { name: /CONSUMO/ }).waitFor();
    expect(await maker.getByRole('button', { name: 'Approve' }).count()).toBe(0);

    const checker = await signIn('checker@demo.test', PASSWORD);
    await checker.getByRole('link', { name: 'Credit products' }).click();
    await checker.getByRole('link', { name: 'Maker-checker inbox' }).click();
    await checker.getByRole('cell', { name: /CONSUMO/ }).waitFor();
    await checker.getByRole('button', { name: 'Changes' }).click();
    const dialog = checker.getByRole('dialog');
    await dialog.getByText('No published version yet').waitFor();
    expect(await dialog.getByRole('row', { name: /Maximum amount/ }).textContent()).toContain('12,000.00');
    await check(checker, '13-products-inbox-diff');
    await dialog.getByRole('button', { name: 'Close' }).click();
    await checker.getByRole('button', { name: 'Approve' }).click();
    await checker.getByText('Approved.').waitFor();
    await check(checker, '14-products-inbox-approved');

    const published = await p.call(`{ creditProducts(first: 5) { edges { node { code status publishedVersion { number } } } } }`, {}, admin.accessToken);
    expect(published.data.creditProducts.edges.map((e: { node: unknown }) => e.node)).toEqual([{ code: 'CONSUMO', status: 'ACTIVE', publishedVersion: { number: 1 } }]);
    await checker.getByRole('link', { name: 'Products', exact: true }).click();
    await checker.getByRole('cell', { name: 'v1' }).waitFor();
  });
});
