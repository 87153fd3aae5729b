/**
 * Cold load of the console's first page (seed 002: under 3 s on this machine): the whole platform
 * in-process (e2e harness) with the gateway serving the production build at /console/, Debian's
 * chromium with an empty cache per run. Measured: navigation start to the sign-in form being
 * interactive (its submit button visible), and to the first module page after signing in.
 *
 *   npm run bench:console            (RUNS=5 by default)
 */
import { performance } from 'node:perf_hooks';
import { DEV_PASSWORD, startPlatform } from '../e2e/harness';
import { ensureConsoleBuild, launchBrowser } from '../e2e/console/browser';

const RUNS = Number(process.env.RUNS ?? 5);

async function main() {
  const dist = ensureConsoleBuild()!;
  const p = await startPlatform({ label: 'benchconsole', console: dist });
  const browser = await launchBrowser();
  const base = p.gatewayUrl.replace(/\/graphql$/, '/console/');
  const login: number[] = [];
  const firstPage: number[] = [];
  const transferred: number[] = [];
  try {
    for (let i = 0; i < RUNS; i++) {
      const context = await browser.newContext({ locale: 'en-US' }); // a fresh context: empty cache
      const page = await context.newPage();
      let bytes = 0;
      page.on('response', (r) => { void r.body().then((b) => { bytes += b.length; }, () => undefined); });
      const t0 = performance.now();
      await page.goto(base);
      await page.getByRole('button', { name: 'Sign in' }).waitFor();
      login.push(performance.now() - t0);
      await page.getByLabel('Organisation (tenant)').fill('demo');
      await page.getByLabel('E-mail').fill('admin@demo.localhost');
      await page.getByLabel('Password').fill(DEV_PASSWORD);
      const t1 = performance.now();
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('heading', { name: 'Credit products' }).waitFor();
      firstPage.push(performance.now() - t1);
      transferred.push(bytes);
      await context.close();
    }
  } finally {
    await browser.close();
    await p.stop();
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const fmt = (xs: number[]) => `median ${median(xs).toFixed(0)} ms (min ${Math.min(...xs).toFixed(0)}, max ${Math.max(...xs).toFixed(0)})`;
  console.log(`console cold load, ${RUNS} runs, empty cache each:`);
  console.log(`  sign-in page interactive:           ${fmt(login)}`);
  console.log(`  sign-in to the first module's page: ${fmt(firstPage)}`);
  console.log(`  bytes received (first run, with the first page): ${(transferred[0]! / 1024).toFixed(0)} KiB uncompressed`);
  process.exit(0);
}

main().catch((e) => { console.error(e); process.exit(1); });
