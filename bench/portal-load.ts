/**
 * Cold load of the borrower portal's landing (seed 002: frontends load in under 3 s on this machine):
 * the whole platform in-process (e2e harness) with the gateway serving the production build at /,
 * a tenant on presto.localhost with a published product, Debian's chromium with an empty cache per
 * run at a phone viewport. Measured: navigation start to the landing's title, and to the
 * simulator's first figures (the tenant, the landing and the first simulation answered by the API).
 *
 *   npm run bench:portal            (RUNS=5 by default)
 */
import { performance } from 'node:perf_hooks';
import { PHONE, startPortalWorld } from '../e2e/portal/setup';

const RUNS = Number(process.env.RUNS ?? 5);

async function main() {
  const w = await startPortalWorld('benchportal', ['presto']);
  const url = `${w.origin('presto')}/p/PRESTO`;
  const title: number[] = [];
  const simulated: number[] = [];
  const transferred: number[] = [];
  try {
    for (let i = 0; i < RUNS; i++) {
      const context = await w.browser.newContext({ locale: 'es-MX', viewport: PHONE }); // a fresh context: empty cache
      const page = await context.newPage();
      let bytes = 0;
      page.on('response', (r) => { void r.body().then((b) => { bytes += b.length; }, () => undefined); });
      const t0 = performance.now();
      await page.goto(url);
      await page.getByRole('heading', { name: 'Crédito Presto' }).waitFor();
      title.push(performance.now() - t0);
      await page.getByTestId('installment').waitFor();
      simulated.push(performance.now() - t0);
      transferred.push(bytes);
      await context.close();
    }
  } finally {
    await w.stop();
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const fmt = (xs: number[]) => `median ${median(xs).toFixed(0)} ms (min ${Math.min(...xs).toFixed(0)}, max ${Math.max(...xs).toFixed(0)})`;
  console.log(`portal cold load of a tenant's landing, ${RUNS} runs, empty cache each, 390x844:`);
  console.log(`  landing title shown:              ${fmt(title)}`);
  console.log(`  simulator's first figures shown:  ${fmt(simulated)}`);
  console.log(`  bytes received (first run): ${(transferred[0]! / 1024).toFixed(0)} KiB uncompressed`);
  process.exit(0);
}

main().catch((e) => { console.error(e); process.exit(1); });
