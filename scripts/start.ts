/**
 * `npm start`: the whole platform on one machine.
 *  1. PostgreSQL and NATS: used when they answer, otherwise started locally (scripts/infra.ts).
 *  2. Each subgraph as its own process (`tsx subgraphs/<name>/src/main.ts`), identity first (it
 *     runs migrations and seeds the demo tenant), then the gateway on the committed supergraph.
 *  3. Prints the URLs, the demo credentials and a demo token.
 * Ctrl-C stops everything it started.
 */
import path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { ensureInfra } from './infra';

const root = path.resolve(__dirname, '..');
const SUBGRAPHS: { name: string; port: number }[] = [
  { name: 'identity', port: 4001 },
  { name: 'lending', port: 4002 },
  { name: 'audit', port: 4007 },
];
const GATEWAY_PORT = Number(process.env.PORT ?? 4000);
const DEMO_PASSWORD_HINT = process.env.DEMO_ADMIN_PASSWORD ? '(from DEMO_ADMIN_PASSWORD)' : 'Imagy-demo-2026!';

const say = (line: string) => process.stderr.write(`[imagy] ${line}\n`);
const children: ChildProcess[] = [];

function run(label: string, entry: string, env: NodeJS.ProcessEnv): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', entry], { cwd: root, env, stdio: ['ignore', 'inherit', 'inherit'] });
  child.once('exit', (code, signal) => {
    if (!shuttingDown) say(`${label} exited (${signal ?? code}); stopping`);
    void shutdown(1);
  });
  children.push(child);
  return child;
}

async function waitReady(url: string, label: string, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch { /* not yet */ }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${label} did not become ready at ${url} within ${timeoutMs / 1000}s`);
}

let shuttingDown = false;
let stopInfra: () => Promise<void> = async () => undefined;
async function shutdown(code: number) {
  if (shuttingDown) return;
  shuttingDown = true;
  for (const c of children) c.kill('SIGTERM');
  await stopInfra();
  process.exit(code);
}

async function main() {
  const infra = await ensureInfra(say);
  stopInfra = infra.stop;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: infra.databaseUrl,
    NATS_URL: infra.natsUrl,
    APOLLO_TELEMETRY_DISABLED: '1',
    NODE_ENV: process.env.NODE_ENV ?? 'development',
    // Subgraphs believe X-Forwarded-For from the gateway on this machine only.
    TRUST_PROXY: process.env.TRUST_PROXY ?? 'loopback',
  };
  for (const sg of SUBGRAPHS) {
    run(sg.name, `subgraphs/${sg.name}/src/main.ts`, { ...env, PORT: String(sg.port), IDENTITY_SEED: sg.name === 'identity' ? '1' : undefined });
    await waitReady(`http://127.0.0.1:${sg.port}/ready`, sg.name);
    say(`${sg.name} ready on http://localhost:${sg.port}/graphql`);
  }
  run('gateway', 'gateway/src/main.ts', { ...env, PORT: String(GATEWAY_PORT) });
  await waitReady(`http://127.0.0.1:${GATEWAY_PORT}/health`, 'gateway');

  const token = await demoToken(env);
  process.stdout.write([
    '',
    'Imagy is up.',
    `  GraphQL + Apollo Sandbox:  http://localhost:${GATEWAY_PORT}/graphql`,
    `  JWKS:                      http://localhost:${GATEWAY_PORT}/.well-known/jwks.json`,
    `  Demo tenant:               demo (host demo.localhost)`,
    `  Demo admin:                admin@demo.localhost / ${DEMO_PASSWORD_HINT}`,
    `  Platform admin:            admin@platform.localhost / ${process.env.PLATFORM_ADMIN_PASSWORD ? '(from PLATFORM_ADMIN_PASSWORD)' : 'Imagy-demo-2026!'}`,
    '  Demo token (tenant_admin of demo, 30 min), for the Authorization header as "Bearer <token>":',
    `  ${token}`,
    '',
  ].join('\n'));
}

function demoToken(env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/token.ts', '--tenant', 'demo', '--roles', 'tenant_admin'], { cwd: root, env, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout!.on('data', (d) => { out += d; });
    child.once('exit', (code) => (code === 0 ? resolve(out.trim()) : reject(new Error('could not mint the demo token'))));
  });
}

process.on('SIGINT', () => void shutdown(0));
process.on('SIGTERM', () => void shutdown(0));
main().catch((e) => { say((e as Error).message); void shutdown(1); });
