/**
 * Our gateway against stock @apollo/gateway and Hive Gateway in the side-by-side harness
 * (../shared/perf, see its README), with authentication ON:
 *
 *  - a fresh Ed25519 key pair and its JWKS file in a temp folder, a token minted with the platform
 *    `signToken` (1 day), sent on every request as `BENCH_AUTH='Bearer <token>'`;
 *  - `ours`: gateway/src/main.ts under node + tsx, verifying that token (`--jwks --issuer
 *    --audience`), no tenant lookup (the perf supergraph has no identity subgraph:
 *    `--no-tenant-check`), in-flight deduplication on, one process (`--workers 1`, as Hive's
 *    `--fork 1`); compared with `hive-jit-dedup`;
 *  - `ours-nodedup`: inbound deduplication off (`--no-dedup`), one worker per core, compared with
 *    `hive-jit` (Hive without inbound deduplication); `ours-nodedup-w1` the same in one process.
 *  Extra variants (`--only ...`): `ours-cluster` (deduplication, one worker per core),
 *  `ours-nofetchdedup` (no deduplication at all), and telemetry off (`--no-telemetry`: no metrics
 *  of requests/fetches/planning, no trace context): `ours-telemetry-off` (= `ours`),
 *  `ours-nodedup-telemetry-off` (= `ours-nodedup`). Every other variant has telemetry on
 *  (`GATEWAY_TELEMETRY=on` is set for the harness, whatever the caller's environment says);
 *  bench/telemetry.sh compares the two no-dedup variants.
 *
 *   npx tsx bench/gateway-vs-hive.ts                                   # full: 2 rounds, defaults (~20 min)
 *   npx tsx bench/gateway-vs-hive.ts --rounds 1 --warmup 2 --duration 5 # smoke
 *   PERF_DIR=/path/to/perf npx tsx bench/gateway-vs-hive.ts --only ours,hive-jit-dedup
 *
 * Extra arguments go to bench.mjs (a later `--only` replaces the default list).
 */
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { exportJWK, generateKeyPair } from 'jose';
import { signToken, type SigningKey } from '@imagy/platform/auth';

const ROOT = path.resolve(__dirname, '..');
const PERF_DIR = path.resolve(process.env.PERF_DIR ?? path.join(ROOT, '..', 'shared', 'perf'));
const ISSUER = 'https://bench.imagy.test';
const AUDIENCE = 'imagy-bench';

async function main(): Promise<void> {
  if (!fs.existsSync(path.join(PERF_DIR, 'bench.mjs'))) throw new Error(`no harness at ${PERF_DIR} (set PERF_DIR)`);
  if (!fs.existsSync(path.join(PERF_DIR, 'node_modules'))) throw new Error(`run \`cd ${PERF_DIR} && npm ci\` first`);

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'imagy-bench-'));
  const { privateKey, publicKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
  const kid = crypto.randomBytes(8).toString('hex');
  const key: SigningKey = { kid, alg: 'EdDSA', privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg: 'EdDSA', use: 'sig' } };
  const jwksFile = path.join(dir, 'jwks.json');
  fs.writeFileSync(jwksFile, JSON.stringify({ keys: [key.publicJwk] }));
  const token = await signToken(key, { sub: 'bench-user', tid: '00000000-0000-4000-8000-000000000001', roles: ['staff'], scope: 'bench' },
    { issuer: ISSUER, audience: AUDIENCE, ttlSeconds: 86_400 });

  const tsx = path.join(ROOT, 'node_modules', 'tsx', 'dist', 'loader.mjs');
  const main = path.join(ROOT, 'gateway', 'src', 'main.ts');
  const ours = `node --import ${tsx} ${main} --supergraph {supergraph} --port {port} --host 127.0.0.1 `
    + `--jwks ${jwksFile} --issuer ${ISSUER} --audience ${AUDIENCE} --no-tenant-check`;
  const args = [
    'bench.mjs',
    '--only', 'apollo,hive-jit,hive-jit-dedup,ours,ours-nodedup,ours-nodedup-w1',
    // One process, like Hive's `--fork 1`: identical requests of one caller meet in one in-flight table.
    '--gateway', `ours=${ours} --workers 1`,
    // Inbound deduplication off (subgraph-fetch deduplication stays on, as in hive-jit); workers = cores.
    '--gateway', `ours-nodedup=${ours} --no-dedup`,
    '--gateway', `ours-nodedup-w1=${ours} --no-dedup --workers 1`,
    // Further variants for lever measurements (pass --only to use them).
    '--gateway', `ours-cluster=${ours}`,
    '--gateway', `ours-nofetchdedup=${ours} --no-dedup --no-fetch-dedup`,
    // Telemetry off (metrics of requests, fetches and planning; trace context): the cost of telemetry.
    '--gateway', `ours-telemetry-off=${ours} --workers 1 --no-telemetry`,
    '--gateway', `ours-nodedup-telemetry-off=${ours} --no-dedup --no-telemetry`,
    '--rounds', '2',
    ...process.argv.slice(2),
  ];
  process.stderr.write(`bench: token for ${ISSUER} in BENCH_AUTH, JWKS ${jwksFile}\nbench: cd ${PERF_DIR} && node ${args.map((a) => (/\s/.test(a) ? `'${a}'` : a)).join(' ')}\n`);
  const child = spawn(process.execPath, args, {
    cwd: PERF_DIR,
    stdio: 'inherit',
    env: {
      ...process.env,
      BENCH_AUTH: `Bearer ${token}`,
      LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
      // Telemetry on for every variant but the `-telemetry-off` ones (their `--no-telemetry` wins).
      GATEWAY_TELEMETRY: 'on',
      // The heavy query costs 121 122 under the gateway's cost model (lists without `first` count
      // 10 items per level, 7 levels deep); the default limit (2000) refuses it. Limits stay on.
      GATEWAY_MAX_COST: process.env.GATEWAY_MAX_COST ?? '200000',
    },
  });
  const code = await new Promise<number>((resolve) => child.on('exit', (c, s) => resolve(c ?? (s ? 1 : 0))));
  fs.rmSync(dir, { recursive: true, force: true });
  process.exit(code);
}

main().catch((e: unknown) => {
  process.stderr.write(`bench: ${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
