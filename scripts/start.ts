/**
 * `npm start`: the whole platform on one machine.
 *  1. PostgreSQL and NATS: used when they answer, otherwise started locally (scripts/infra.ts).
 *  2. Each subgraph as its own process (`tsx subgraphs/<name>/src/main.ts`), identity first (it
 *     runs migrations and seeds the demo tenant), then the gateway on the committed supergraph.
 *  3. Prints the URLs, the demo credentials and a demo token.
 *
 * Then it supervises: a child that dies is started again after a backoff (0.5 s, doubling to 30 s;
 * reset once it has stayed up for a minute) while the others keep serving. A child that dies more
 * than MAX_CRASHES times within CRASH_WINDOW_MS is not coming back by itself: everything is stopped
 * with a message saying which one. Ctrl-C / SIGTERM stops every child (gateway first, then the
 * subgraphs), waits for them to exit, then stops the local PostgreSQL / NATS it started; a second
 * Ctrl-C kills what is still running. Children run in their own process groups so that the
 * terminal's Ctrl-C reaches only this script and the order holds (SIGHUP is handled the same way).
 *
 * Ports (for running two copies side by side, e.g. the e2e test of this script): IMAGY_PORT_BASE
 * (4000) gives the gateway base+0 and each subgraph of rover.yaml base + (its routing port - 4000), e.g.
 * identity +1, lending +2, audit +7; IMAGY_PORT_GATEWAY (or PORT),
 * IMAGY_PORT_<NAME> (any subgraph of rover.yaml, e.g. IMAGY_PORT_SIGN) set one each; IMAGY_PORT_POSTGRES (5439)
 * and IMAGY_PORT_NATS (4229) are used only when the embedded ones are started. IMAGY_GATEWAY_WORKERS
 * sets the gateway's `--workers` (default: one per CPU). IMAGY_STATE_DIR moves `.imagy`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { spawn, type ChildProcess } from 'node:child_process';
import { ensureInfra, InfraError, type Infra } from './infra';
import { ensureConsoleBuild, ensurePortalBuild } from './client-build';
import { seedPortalDemo } from './demo-portal';

const root = path.resolve(__dirname, '..');
const say = (line: string) => process.stderr.write(`[imagy] ${line}\n`);

const BACKOFF_INITIAL_MS = 500;
const BACKOFF_MAX_MS = 30_000;
/** A child that ran this long before dying starts again from the initial backoff. */
const STABLE_AFTER_MS = 60_000;
const MAX_CRASHES = 5;
const CRASH_WINDOW_MS = 120_000;
const STOP_GRACE_MS = 10_000;
/** Generous: a first start compiles every TypeScript file, and a busy machine is slow at it. */
const READY_TIMEOUT_MS = 180_000;

function port(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0 || n > 65535) throw new InfraError(`${name} must be a TCP port, got "${raw}"`);
  return n;
}

const BASE = port('IMAGY_PORT_BASE', 4000);
const GATEWAY_PORT = port('IMAGY_PORT_GATEWAY', port('PORT', BASE));
/**
 * Every subgraph rover.yaml lists (the scaffold registers new ones there), identity first; its port
 * is the routing URL's offset from 4000 added to IMAGY_PORT_BASE, or IMAGY_PORT_<NAME>.
 */
function subgraphsOfRover(): { name: string; port: number }[] {
  const config = parseYaml(fs.readFileSync(path.join(root, 'rover.yaml'), 'utf8')) as { subgraphs: Record<string, { routing_url: string }> };
  return Object.entries(config.subgraphs)
    .map(([name, sg]) => ({ name, port: port(`IMAGY_PORT_${name.toUpperCase()}`, BASE + (Number(new URL(sg.routing_url).port) - 4000)) }))
    .sort((a, b) => Number(b.name === 'identity') - Number(a.name === 'identity'));
}
const SUBGRAPHS = subgraphsOfRover();
const DEMO_PASSWORD_HINT = process.env.DEMO_ADMIN_PASSWORD ? '(from DEMO_ADMIN_PASSWORD)' : 'Imagy-demo-2026!';

interface Service {
  name: string;
  entry: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  readyUrl: string;
  child?: ChildProcess;
  exited?: Promise<void>;
  /** Became ready at least once: from then on a death is a crash to recover from, not a failed start. */
  wasReady: boolean;
  startedAt: number;
  crashes: number[];
  backoffMs: number;
  restartTimer?: NodeJS.Timeout;
}

const services: Service[] = [];
let infra: Infra | undefined;
let shuttingDown = false;
let started = false;

function spawnService(svc: Service): void {
  // Own process group: Ctrl-C in the terminal reaches only us, and we stop the children in order.
  const child = spawn(process.execPath, ['--import', 'tsx', svc.entry, ...svc.args], { cwd: root, env: svc.env, stdio: ['ignore', 'inherit', 'inherit'], detached: true });
  svc.child = child;
  svc.startedAt = Date.now();
  svc.exited = new Promise((resolve) => {
    child.once('exit', (code, signal) => {
      resolve();
      // Deferred one turn, so that a stop requested at the same moment is seen first.
      setImmediate(() => onExit(svc, child, code, signal));
    });
    child.once('error', (e) => { say(`${svc.name} could not be started: ${e.message}`); resolve(); });
  });
}

function onExit(svc: Service, child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
  if (shuttingDown || svc.child !== child) return;
  const how = signal ?? `code ${code}`;
  if (!svc.wasReady && !started) {
    // Nothing is serving yet and its own output (above) says why; retrying would only repeat it.
    void shutdown(1, `${svc.name} exited during startup (${how}); stopping`);
    return;
  }
  const now = Date.now();
  svc.crashes = svc.crashes.filter((t) => t > now - CRASH_WINDOW_MS);
  svc.crashes.push(now);
  if (svc.crashes.length > MAX_CRASHES) {
    void shutdown(1, `${svc.name} died ${svc.crashes.length} times within ${CRASH_WINDOW_MS / 1000} s (last: ${how}); giving up and stopping everything`);
    return;
  }
  if (now - svc.startedAt >= STABLE_AFTER_MS) svc.backoffMs = BACKOFF_INITIAL_MS;
  const delay = svc.backoffMs;
  svc.backoffMs = Math.min(svc.backoffMs * 2, BACKOFF_MAX_MS);
  say(`${svc.name} exited (${how}); restarting it in ${delay / 1000} s, the other services keep serving`);
  svc.restartTimer = setTimeout(() => {
    svc.restartTimer = undefined;
    if (shuttingDown) return;
    spawnService(svc);
    waitReady(svc).then(
      () => say(`${svc.name} is back (${svc.readyUrl})`),
      (e: Error) => {
        if (shuttingDown || svc.child?.exitCode !== null || svc.child?.signalCode !== null) return; // its exit is handled (and counted) by onExit
        say(`${e.message}; restarting it`);
        svc.child?.kill('SIGKILL');
      },
    );
  }, delay);
}

async function waitReady(svc: Service, timeoutMs = READY_TIMEOUT_MS): Promise<void> {
  const child = svc.child!;
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null || shuttingDown) throw new Error(`${svc.name} exited before it was ready`);
    try {
      const res = await fetch(svc.readyUrl, { signal: AbortSignal.timeout(2_000) });
      if (res.ok) {
        svc.wasReady = true;
        return;
      }
    } catch { /* not yet */ }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${svc.name} did not become ready at ${svc.readyUrl} within ${timeoutMs / 1000} s`);
}

function addService(name: string, entry: string, env: NodeJS.ProcessEnv, readyUrl: string, args: string[] = []): Service {
  const svc: Service = { name, entry, args, env, readyUrl, wasReady: false, startedAt: 0, crashes: [], backoffMs: BACKOFF_INITIAL_MS };
  services.push(svc);
  spawnService(svc);
  return svc;
}

async function stopService(svc: Service, force: () => boolean): Promise<void> {
  if (svc.restartTimer) clearTimeout(svc.restartTimer);
  const child = svc.child;
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const deadline = Date.now() + STOP_GRACE_MS;
  let killed = false;
  const exited = svc.exited!;
  let done = false;
  void exited.then(() => { done = true; });
  while (!done) {
    if (!killed && (force() || Date.now() > deadline)) {
      if (!force()) say(`${svc.name} did not stop within ${STOP_GRACE_MS / 1000} s; killing it`);
      child.kill('SIGKILL');
      killed = true;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

let forceStop = false;
let exitCode = 0;
async function shutdown(code: number, reason?: string): Promise<void> {
  if (reason) say(reason);
  exitCode = Math.max(exitCode, code);
  if (shuttingDown) return;
  shuttingDown = true;
  const force = () => forceStop;
  // The gateway first (no new requests reach subgraphs that are going away), then the subgraphs.
  const gateway = services.filter((s) => s.name === 'gateway');
  for (const s of gateway) await stopService(s, force);
  await Promise.all(services.filter((s) => s.name !== 'gateway').map((s) => stopService(s, force)));
  await infra?.stop().catch((e) => say(`could not stop the local infrastructure: ${(e as Error).message}`));
  process.exit(exitCode);
}

function onSignal(signal: NodeJS.Signals) {
  if (shuttingDown) {
    if (!forceStop) say(`${signal} again: killing what is still running`);
    forceStop = true;
    return;
  }
  say(`${signal}: stopping`);
  void shutdown(0);
}

async function main() {
  // The staff console and the borrower portal, built when missing or older than their sources
  // (before any child runs: the builds are synchronous); the gateway serves them at /console/ and /.
  const consoleDist = ensureConsoleBuild(say);
  const portalDist = ensurePortalBuild(say);
  infra = await ensureInfra(say);
  infra.onUnexpectedExit((what) => { if (!shuttingDown) void shutdown(1, `${what}; stopping everything`); });
  const url = (p: number, suffix: string) => `http://127.0.0.1:${p}${suffix}`;
  const identityPort = SUBGRAPHS.find((s) => s.name === 'identity')!.port;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: infra.databaseUrl,
    NATS_URL: infra.natsUrl,
    APOLLO_TELEMETRY_DISABLED: '1',
    NODE_ENV: process.env.NODE_ENV ?? 'development',
    // Signing links open the portal's signing page on the gateway (any host: the token names the tenant).
    SIGN_SIGNING_BASE_URL: process.env.SIGN_SIGNING_BASE_URL ?? `http://localhost:${GATEWAY_PORT}/sign`,
    // Subgraphs believe X-Forwarded-For only from the gateway: it sends the installation's gateway
    // secret, generated into .imagy/keys at first start and read by every process (gateway-proof.ts).
    // Where the processes find each other when the ports are not the committed defaults.
    IMAGY_JWKS_URL: process.env.IMAGY_JWKS_URL ?? url(identityPort, '/.well-known/jwks.json'),
    ...Object.fromEntries(SUBGRAPHS.map((s) => [`SUBGRAPH_${s.name.toUpperCase()}_URL`, url(s.port, '/graphql')])),
  };
  const startSubgraph = async (sg: { name: string; port: number }) => {
    const svc = addService(sg.name, `subgraphs/${sg.name}/src/main.ts`, { ...env, PORT: String(sg.port), IDENTITY_SEED: sg.name === 'identity' ? '1' : undefined }, url(sg.port, '/ready'));
    await waitReady(svc);
    say(`${sg.name} ready on http://localhost:${sg.port}/graphql`);
  };
  // Identity migrates and seeds the demo tenants first; the others do not depend on each other.
  await startSubgraph(SUBGRAPHS[0]!);
  await Promise.all(SUBGRAPHS.slice(1).map(startSubgraph));
  const workers = process.env.IMAGY_GATEWAY_WORKERS ? ['--workers', process.env.IMAGY_GATEWAY_WORKERS] : [];
  const gateway = addService('gateway', 'gateway/src/main.ts', { ...env, PORT: String(GATEWAY_PORT), ...(consoleDist && { CONSOLE_DIST: consoleDist }), ...(portalDist && { PORTAL_DIST: portalDist }) }, url(GATEWAY_PORT, '/health'), workers);
  // The token needs only the database and the keys: mint it while the gateway boots.
  const [token] = await Promise.all([demoToken(env), waitReady(gateway)]);
  // The portal's demo products, through the gateway's API (idempotent; a failure is reported, not fatal).
  await seedPortalDemo({ gatewayUrl: `http://127.0.0.1:${GATEWAY_PORT}/graphql`, password: process.env.DEMO_ADMIN_PASSWORD || 'Imagy-demo-2026!', log: say })
    .catch((e) => say(`portal demo data not written: ${(e as Error).message}`));
  started = true;

  process.stdout.write([
    '',
    'Imagy is up.',
    `  GraphQL + Apollo Sandbox:  http://localhost:${GATEWAY_PORT}/graphql`,
    ...(consoleDist ? [`  Staff console:             http://localhost:${GATEWAY_PORT}/console/`] : []),
    `  JWKS:                      http://localhost:${GATEWAY_PORT}/.well-known/jwks.json`,
    `  Demo tenants:              demo (host demo.localhost), andes (host andes.localhost)`,
    ...(portalDist ? [
      `  Portal:                    http://demo.localhost:${GATEWAY_PORT}/`,
      `                             http://andes.localhost:${GATEWAY_PORT}/ (a tenant's host: <slug>.localhost)`,
    ] : []),
    `  Demo admins:               admin@demo.localhost, admin@andes.localhost / ${DEMO_PASSWORD_HINT}`,
    `  Platform admin:            admin@platform.localhost / ${process.env.PLATFORM_ADMIN_PASSWORD ? '(from PLATFORM_ADMIN_PASSWORD)' : 'Imagy-demo-2026!'}`,
    '  Demo token (tenant_admin of demo, 30 min), for the Authorization header as "Bearer <token>":',
    `  ${token}`,
    '  A service that dies is restarted; Ctrl-C stops everything.',
    '',
  ].join('\n'));
}

function demoToken(env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/token.ts', '--tenant', 'demo', '--roles', 'tenant_admin'], { cwd: root, env, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout!.on('data', (d) => { out += d; });
    child.once('error', (e) => reject(new Error(`could not mint the demo token: ${e.message}`)));
    child.once('exit', (code) => (code === 0 ? resolve(out.trim()) : reject(new Error(`could not mint the demo token (scripts/token.ts exited with ${code})`))));
  });
}

/** The real cause, whatever was thrown (a library once rejected with `undefined` here). */
function causeOf(e: unknown): string {
  if (e instanceof InfraError) return e.message;
  if (e instanceof Error) return e.stack ?? e.message;
  return `unexpected failure: ${String(e)}`;
}

process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);
// The terminal closed: the children are in their own process groups and would not hear it.
process.on('SIGHUP', onSignal);
main().catch((e) => {
  if (shuttingDown) return; // a stop requested during startup, or already reported
  void shutdown(1, causeOf(e));
});
