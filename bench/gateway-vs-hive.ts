/**
 * Our gateway against stock @apollo/gateway and Hive Gateway in the side-by-side harness
 * (../shared/perf, see its README), with the fair protocol of Grafbase's federation benchmarks:
 * **a distinct, validly signed token on every request**, verified by our gateway and forwarded to
 * the subgraphs by every gateway, so no gateway can share work between requests (inbound
 * deduplication, identical subgraph fetches):
 *
 *  - `token-pool.mjs` (the harness's) mints an Ed25519 JWKS and 20 000 distinct tokens (issuer
 *    https://bench.test, audience bench) in a temp folder; `BENCH_AUTH_POOL` makes the load
 *    generator send the next one on every request;
 *  - `ours`: gateway/src/main.ts under node + tsx, verifying each token with that JWKS (`--jwks
 *    --issuer --audience`), no tenant lookup (the perf supergraph has no identity subgraph:
 *    `--no-tenant-check`), defaults otherwise (inbound and fetch deduplication stay on: with a
 *    distinct token they share nothing), one process (`--workers 1`, as Hive's `--fork 1`);
 *    `ours-w2` the same with two workers;
 *  - peers: `apollo` (stock @apollo/gateway), `hive-jit-prop` and `hive-rr-prop` (Hive Gateway with
 *    JIT, or on Hive Router's runtime, both forwarding the Authorization header).
 *  Extra variants for lever measurements (`--only ...`): `ours-nobatch` (`--no-fetch-batching`: the
 *  stock fetch-by-fetch execution of the plan), `ours-nodedup` (no inbound deduplication),
 *  `ours-telemetry-off`, `ours-nodedup-telemetry-off` (bench/telemetry.sh).
 *
 * After the harness's own report it prints the issue-15 table: heavy req/s, gw CPU ms/req, subgraph
 * fetches/req, direct req/s, each with its ratio to `hive-rr-prop`, and ours on `direct` against the
 * subgraph alone (`subgraph-direct`).
 *
 *   npx tsx bench/gateway-vs-hive.ts                                   # full: 2 rounds, defaults (~18 min)
 *   npx tsx bench/gateway-vs-hive.ts --rounds 1 --warmup 2 --duration 10 # development run
 *   npx tsx bench/gateway-vs-hive.ts --only ours,ours-nobatch --tests heavy --rounds 1 --warmup 2 --duration 10
 *
 * Extra arguments go to bench.mjs (a later `--only` replaces the default list). `PERF_DIR` moves
 * the harness, `GWBENCH_DIR` its scratch folder (default: a fresh temp folder, kept).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..');
const PERF_DIR = path.resolve(process.env.PERF_DIR ?? path.join(ROOT, '..', 'shared', 'perf'));
const ISSUER = 'https://bench.test';
const AUDIENCE = 'bench';
const TOKENS = 20_000;
const REFERENCE = 'hive-rr-prop';
const DEFAULT_GATEWAYS = ['apollo', 'hive-jit-prop', 'hive-rr-prop', 'ours', 'ours-w2'];

interface Run { gateway: string; test: string; rps?: number; gwCpuMsPerReq?: number; sgReqPerReq?: number; incorrect?: boolean; failed?: string; mismatches?: number; non2xx?: number; errors?: number }

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const child = spawn(cmd, args, { cwd: PERF_DIR, stdio: 'inherit', env });
  return new Promise<number>((resolve) => child.on('exit', (c, s) => resolve(c ?? (s ? 1 : 0))));
}

const median = (xs: (number | undefined)[]): number | null => {
  const s = xs.filter((x): x is number => typeof x === 'number').sort((a, b) => a - b);
  if (!s.length) return null;
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/** The issue-15 table from the harness's results file. */
export function issueTable(runs: Run[], gateways: string[]): string {
  const of = (g: string, t: string, k: keyof Run) => median(runs.filter((r) => r.gateway === g && r.test === t && r.rps != null).map((r) => r[k] as number | undefined));
  const fmt = (x: number | null, d: number) => (x == null ? '-' : x.toFixed(d));
  const ratio = (x: number | null, ref: number | null) => (x == null || !ref ? '' : ` (${(x / ref).toFixed(2)}x)`);
  const ref = { heavy: of(REFERENCE, 'heavy', 'rps'), cpu: of(REFERENCE, 'heavy', 'gwCpuMsPerReq'), fetches: of(REFERENCE, 'heavy', 'sgReqPerReq'), direct: of(REFERENCE, 'direct', 'rps') };
  const bad = (g: string) => runs.filter((r) => r.gateway === g).reduce((a, r) => a + (r.non2xx ?? 0) + (r.errors ?? 0) + (r.mismatches ?? 0) + (r.incorrect || r.failed ? 1 : 0), 0);
  const lines = [
    `| gateway | heavy req/s | gw CPU ms/req | subgraph fetches/req | direct req/s | bad |`,
    `| --- | --- | --- | --- | --- | --- |`,
  ];
  for (const g of gateways) {
    const heavy = of(g, 'heavy', 'rps'); const cpu = of(g, 'heavy', 'gwCpuMsPerReq'); const fetches = of(g, 'heavy', 'sgReqPerReq'); const direct = of(g, 'direct', 'rps');
    lines.push(`| ${g} | ${fmt(heavy, 1)}${ratio(heavy, ref.heavy)} | ${fmt(cpu, 1)}${ratio(cpu, ref.cpu)} | ${fmt(fetches, 1)}${ratio(fetches, ref.fetches)} | ${fmt(direct, 0)}${ratio(direct, ref.direct)} | ${bad(g)} |`);
  }
  const alone = median(runs.filter((r) => r.gateway === 'subgraph-direct').map((r) => r.rps));
  if (alone) {
    lines.push('', `subgraph alone (direct): ${alone.toFixed(0)} req/s; ` + gateways.map((g) => {
      const d = of(g, 'direct', 'rps');
      return `${g} ${d ? (alone / d).toFixed(2) : '-'}x slower`;
    }).join(', '));
  }
  lines.push('', `Ratios in parentheses: to ${REFERENCE} in the same run (req/s: higher is better; CPU and fetches: lower is better).`);
  return lines.join('\n');
}

async function main(): Promise<void> {
  if (!fs.existsSync(path.join(PERF_DIR, 'bench.mjs'))) throw new Error(`no harness at ${PERF_DIR} (set PERF_DIR)`);
  if (!fs.existsSync(path.join(PERF_DIR, 'node_modules'))) throw new Error(`run \`cd ${PERF_DIR} && npm ci\` first`);

  const pool = fs.mkdtempSync(path.join(os.tmpdir(), 'imagy-bench-pool-'));
  const scratch = process.env.GWBENCH_DIR ?? fs.mkdtempSync(path.join(os.tmpdir(), 'imagy-gwbench-'));
  const env = { ...process.env, GWBENCH_DIR: scratch };
  if (await run(process.execPath, ['token-pool.mjs', '--dir', pool, '--count', String(TOKENS), '--issuer', ISSUER, '--audience', AUDIENCE], env) !== 0) throw new Error('token-pool.mjs failed');
  const poolFile = path.join(pool, 'pool.txt');
  const firstToken = fs.readFileSync(poolFile, 'utf8').split('\n', 1)[0]!;

  const tsx = path.join(ROOT, 'node_modules', 'tsx', 'dist', 'loader.mjs');
  const main = path.join(ROOT, 'gateway', 'src', 'main.ts');
  const ours = `node --import ${tsx} ${main} --supergraph {supergraph} --port {port} --host 127.0.0.1 `
    + `--jwks ${path.join(pool, 'jwks.json')} --issuer ${ISSUER} --audience ${AUDIENCE} --no-tenant-check`;
  const userArgs = process.argv.slice(2);
  const onlyAt = userArgs.lastIndexOf('--only');
  const gateways = onlyAt >= 0 ? userArgs[onlyAt + 1]!.split(',') : DEFAULT_GATEWAYS;
  const args = [
    'bench.mjs',
    '--only', DEFAULT_GATEWAYS.join(','),
    '--gateway', `ours=${ours} --workers 1`,
    '--gateway', `ours-w2=${ours} --workers 2`,
    // Levers (pass --only to use them).
    '--gateway', `ours-nobatch=${ours} --workers 1 --no-fetch-batching`,
    '--gateway', `ours-nodedup=${ours} --no-dedup`,
    '--gateway', `ours-telemetry-off=${ours} --workers 1 --no-telemetry`,
    '--gateway', `ours-nodedup-telemetry-off=${ours} --no-dedup --no-telemetry`,
    '--rounds', '2',
    ...userArgs,
  ];
  process.stderr.write(`bench: ${TOKENS} distinct tokens in ${poolFile} (BENCH_AUTH_POOL), JWKS ${pool}/jwks.json, scratch ${scratch}\n`
    + `bench: cd ${PERF_DIR} && node ${args.map((a) => (/\s/.test(a) ? `'${a}'` : a)).join(' ')}\n`);
  const before = new Set(fs.existsSync(path.join(scratch, 'results')) ? fs.readdirSync(path.join(scratch, 'results')) : []);
  const code = await run(process.execPath, args, {
    ...env,
    BENCH_AUTH_POOL: poolFile,
    BENCH_AUTH: firstToken,
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
    // Telemetry on for every variant but the `-telemetry-off` ones (their `--no-telemetry` wins).
    GATEWAY_TELEMETRY: 'on',
    // The heavy query costs 121 122 under the gateway's cost model (lists without `first` count
    // 10 items per level, 7 levels deep); the default limit (5000) refuses it. Limits stay on.
    GATEWAY_MAX_COST: process.env.GATEWAY_MAX_COST ?? '200000',
  });
  const results = fs.existsSync(path.join(scratch, 'results'))
    ? fs.readdirSync(path.join(scratch, 'results')).filter((f) => f.endsWith('.json') && !before.has(f)).sort() : [];
  if (results.length) {
    const { runs } = JSON.parse(fs.readFileSync(path.join(scratch, 'results', results.at(-1)!), 'utf8')) as { runs: Run[] };
    process.stdout.write(`\n## Distinct token per request (issue 15)\n\n${issueTable(runs, gateways)}\n`);
  }
  fs.rmSync(pool, { recursive: true, force: true });
  process.exit(code);
}

if (require.main === module) {
  main().catch((e: unknown) => {
    process.stderr.write(`bench: ${(e as Error).stack ?? String(e)}\n`);
    process.exit(1);
  });
}
