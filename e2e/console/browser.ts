/**
 * Browser tests of the console: the build (made when missing or older than its sources), Debian's
 * chromium driven by playwright-core, axe-core on each page, and screenshots as test artifacts
 * (e2e/artifacts/console/, git-ignored).
 */
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

const root = path.resolve(__dirname, '..', '..');
export const ARTIFACTS = path.join(root, 'e2e', 'artifacts', 'console');
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export { ensureConsoleBuild, ensurePortalBuild } from '../../scripts/client-build';

export async function launchBrowser(): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`chromium not found at ${CHROMIUM}: apt-get install -y chromium (or set CHROMIUM_PATH)`);
  return chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox'] });
}

/**
 * The browser half of a browser suite, registered in the calling `describe`: chromium launched before
 * the suite and closed after it with every context a test opened (`contexts`), and a test fails when
 * one of its pages logged a problem (`problems`, one list per page, see watchPage).
 */
export function browserSuite(): { readonly browser: Browser; contexts: BrowserContext[]; problems: string[][] } {
  let launched: Browser | null = null;
  const contexts: BrowserContext[] = [];
  const problems: string[][] = [];
  beforeAll(async () => { launched = await launchBrowser(); });
  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await launched?.close();
  });
  afterEach(() => {
    // No page of the test logged an error (a CSP refusal, a failed operation, an exception).
    for (const list of problems.splice(0)) expect(list).toEqual([]);
  });
  return {
    get browser(): Browser {
      if (!launched) throw new Error('the browser is launched in beforeAll');
      return launched;
    },
    contexts,
    problems,
  };
}

/**
 * Every problem the page reports: console errors (CSP violations among them), uncaught exceptions,
 * and any GraphQL request that carries a query body instead of a persisted-document id only.
 */
export function watchPage(page: Page): string[] {
  const problems: string[] = [];
  page.on('console', (msg) => { if (msg.type() === 'error') problems.push(`console: ${msg.text()}`); });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('request', (req) => {
    if (!req.url().endsWith('/graphql') || req.method() !== 'POST') return;
    const body = req.postDataJSON() as { query?: string; extensions?: { persistedQuery?: { sha256Hash?: string } } } | null;
    if (body?.query || !/^[0-9a-f]{64}$/.test(body?.extensions?.persistedQuery?.sha256Hash ?? '')) problems.push(`request sent without a persisted id only: ${req.postData()?.slice(0, 200)}`);
  });
  page.on('websocket', (ws) => ws.on('framesent', ({ payload }) => {
    const msg = JSON.parse(String(payload)) as { type?: string; payload?: { query?: string; extensions?: { persistedQuery?: unknown } } };
    if (msg.type === 'subscribe' && (msg.payload?.query || !msg.payload?.extensions?.persistedQuery)) problems.push(`subscription sent without a persisted id only: ${String(payload).slice(0, 200)}`);
  }));
  return problems;
}

export async function screenshot(page: Page, name: string, dir = ARTIFACTS): Promise<string> {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

const AXE_SOURCE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

export interface AxeViolation { id: string; impact: string | null; help: string; nodes: { target: string[] }[] }

/** axe-core on the page as it is (evaluated through the DevTools protocol: the page's CSP stays on). */
export async function seriousViolations(page: Page): Promise<AxeViolation[]> {
  await page.evaluate(AXE_SOURCE);
  // Runs in the page (a string: the test's tsconfig has no DOM types).
  const violations = await page.evaluate<AxeViolation[]>(`(async () => {
    const r = await window.axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => ({ target: n.target })) }));
  })()`);
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

/**
 * Signs in to the console (tenant `demo`) in a fresh browser context; the context is kept in
 * `track.contexts` (closed by the suite) and the page's problems in `track.problems` (asserted empty).
 */
export async function signInPage(browser: Browser, base: string, track: { contexts: BrowserContext[]; problems: string[][] }, email: string, password: string, locale = 'en-US'): Promise<Page> {
  const context = await browser.newContext({ locale, viewport: { width: 1280, height: 900 } });
  track.contexts.push(context);
  const page = await context.newPage();
  track.problems.push(watchPage(page));
  await page.goto(base);
  await page.getByLabel(/Organisation|Organización/).fill('demo');
  await page.getByLabel(/E-mail|Correo/).fill(email);
  await page.getByLabel(/Password|Contraseña/).fill(password);
  await page.getByRole('button', { name: /Sign in|Ingresar/ }).click();
  await page.getByRole('navigation', { name: /Modules|Módulos/ }).waitFor();
  return page;
}

/** The page as a screenshot artifact (in `dir`, default the console's), then axe-core: no serious or critical violation. */
export async function checkPage(page: Page, name: string, dir = ARTIFACTS): Promise<void> {
  await screenshot(page, name, dir);
  expect(await seriousViolations(page)).toEqual([]);
}
