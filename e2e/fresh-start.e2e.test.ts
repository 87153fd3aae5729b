/**
 * `npm start` on a fresh machine, as a newcomer runs it: no PostgreSQL and no NATS answer at the
 * configured URLs, so the start script must bring up the embedded PostgreSQL (as root too: these
 * machines and many containers run as root) and a local nats-server, migrate, seed, start every
 * subgraph and the gateway. Then the supervisor: the audit process killed with SIGKILL comes back
 * while the gateway keeps answering. Finally Ctrl-C's signal stops it and nothing is left running.
 *
 * Everything runs on ports of its own and a temporary state directory, so this suite runs beside
 * the other suites and beside a developer's own `npm start`.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { freePort, gql, tcpAnswers, waitFor } from '@imagy/platform/testing';
import { DEV_PASSWORD, LOGIN } from './harness';

const root = path.resolve(__dirname, '..');
/** A wait, not a measure: a cold start on a machine busy with the other suites can take minutes. */
const START_TIMEOUT_MS = 420_000;

interface Ports { gateway: number; identity: number; lending: number; audit: number; postgres: number; nats: number; deadPostgres: number; deadNats: number }

/** pid -> parent pid of every process on the machine. */
function processTable(): Map<number, { ppid: number; args: string }> {
  const out = execFileSync('ps', ['-eo', 'pid=,ppid=,args='], { encoding: 'utf8' });
  const table = new Map<number, { ppid: number; args: string }>();
  for (const line of out.split('\n')) {
    const m = /^\s*(\d+)\s+(\d+)\s+(.*)$/.exec(line);
    if (m) table.set(Number(m[1]), { ppid: Number(m[2]), args: m[3]! });
  }
  return table;
}

/** The process and all its descendants. */
function processTree(pid: number): { pid: number; args: string }[] {
  const table = processTable();
  const found: { pid: number; args: string }[] = [];
  const walk = (p: number) => {
    for (const [child, info] of table) if (info.ppid === p) { found.push({ pid: child, args: info.args }); walk(child); }
  };
  const self = table.get(pid);
  if (self) found.push({ pid, args: self.args });
  walk(pid);
  return found;
}

/** Running means it exists and is not a zombie (a zombie has exited; only its exit status is left). */
function isRunning(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    try { process.kill(pid, 0); return true; } catch { return false; }
  }
}

describe('npm start on a machine where no PostgreSQL and no NATS answer', () => {
  let ports: Ports;
  let stateDir: string;
  let start: ChildProcess;
  let output = '';
  let exited: Promise<number | null>;
  const gatewayUrl = () => `http://127.0.0.1:${ports.gateway}/graphql`;
  const withOutput = async <T>(what: Promise<T>): Promise<T> => {
    try { return await what; } catch (e) {
      throw new Error(`${(e as Error).message}\n--- npm start output (last 4000 chars) ---\n${output.slice(-4000)}`);
    }
  };

  beforeAll(async () => {
    const p = await Promise.all(Array.from({ length: 8 }, () => freePort()));
    // Eight distinct ports: the OS may hand the same free port out twice in a row.
    if (new Set(p).size !== p.length) throw new Error(`freePort returned duplicates: ${p.join(',')}`);
    ports = { gateway: p[0]!, identity: p[1]!, lending: p[2]!, audit: p[3]!, postgres: p[4]!, nats: p[5]!, deadPostgres: p[6]!, deadNats: p[7]! };
    stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'imagy-fresh-'));
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      DATABASE_URL: `postgres://postgres@127.0.0.1:${ports.deadPostgres}/imagy`,
      NATS_URL: `nats://127.0.0.1:${ports.deadNats}`,
      IMAGY_STATE_DIR: stateDir,
      IMAGY_PORT_GATEWAY: String(ports.gateway),
      IMAGY_PORT_IDENTITY: String(ports.identity),
      IMAGY_PORT_LENDING: String(ports.lending),
      IMAGY_PORT_AUDIT: String(ports.audit),
      IMAGY_PORT_POSTGRES: String(ports.postgres),
      IMAGY_PORT_NATS: String(ports.nats),
      // One gateway process instead of one per CPU: the suite shares the machine with the others.
      IMAGY_GATEWAY_WORKERS: '1',
      NODE_ENV: 'development',
      LOG_LEVEL: 'warn',
    };
    for (const k of ['PORT', 'IMAGY_PORT_BASE', 'NATS_NAMESPACE', 'IMAGY_JWKS_URL', 'JWT_ISSUERS', 'EVENT_SIGNING_KEY']) delete env[k];
    start = spawn(process.execPath, ['--import', 'tsx', 'scripts/start.ts'], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    start.stdout!.on('data', (d) => { output += d; });
    start.stderr!.on('data', (d) => { output += d; });
    exited = new Promise((resolve) => start.once('exit', (code) => resolve(code)));
  }, 30_000);

  afterAll(async () => {
    // Only when a test failed half-way: kill what this suite started, nothing else.
    if (start && isRunning(start.pid!)) {
      for (const p of processTree(start.pid!).reverse()) { try { process.kill(p.pid, 'SIGKILL'); } catch { /* gone */ } }
    }
    if (stateDir) fs.rmSync(stateDir, { recursive: true, force: true });
  }, 30_000);

  test('starts the embedded PostgreSQL and a nats-server, then serves a demo login through the gateway', async () => {
    // Up, or failed: the start script stops everything and exits when a service dies during startup,
    // and then there is nothing left to wait for.
    const failed = exited.then((code) => { throw new Error(`npm start exited with ${code} before it was up`); });
    await withOutput(Promise.race([waitFor(() => Promise.resolve(output.includes('Imagy is up.')), START_TIMEOUT_MS, 250), failed]));
    expect(output).toContain('starting an embedded PostgreSQL');
    expect(output).toContain('starting nats-server -js');
    const health = await fetch(`http://127.0.0.1:${ports.gateway}/health`);
    expect(health.status).toBe(200);

    const login = await gql(gatewayUrl(), LOGIN, { input: { tenantSlug: 'demo', email: 'admin@demo.localhost', password: DEV_PASSWORD } });
    expect(login.errors).toBeUndefined();
    expect(login.data.login.userErrors).toEqual([]);
    const me = await gql(gatewayUrl(), '{ me { email } }', undefined, { token: login.data.login.accessToken });
    expect(me.errors).toBeUndefined();
    expect(me.data.me.email).toBe('admin@demo.localhost');
    // The data lives in the embedded cluster under the suite's own state directory.
    expect(fs.existsSync(path.join(stateDir, 'pg', 'PG_VERSION'))).toBe(true);
  }, START_TIMEOUT_MS + 10_000);

  test('a killed audit process is restarted while the gateway keeps answering', async () => {
    const isAudit = (args: string) => args.includes('subgraphs/audit/src/main.ts');
    const audit = processTree(start.pid!).find((p) => isAudit(p.args));
    expect(audit).toBeDefined();
    const login = await gql(gatewayUrl(), LOGIN, { input: { tenantSlug: 'demo', email: 'admin@demo.localhost', password: DEV_PASSWORD } });
    const token: string = login.data.login.accessToken;

    process.kill(audit!.pid, 'SIGKILL');
    await waitFor(() => Promise.resolve(!isRunning(audit!.pid)), 10_000);
    // The rest of the platform serves while audit is down (identity answers through the gateway).
    const me = await gql(gatewayUrl(), '{ me { email } }', undefined, { token });
    expect(me.errors).toBeUndefined();
    expect(me.data.me.email).toBe('admin@demo.localhost');

    await withOutput(waitFor(async () => (await fetch(`http://127.0.0.1:${ports.audit}/health`)).ok, 120_000, 250));
    const again = processTree(start.pid!).find((p) => isAudit(p.args));
    expect(again).toBeDefined();
    expect(again!.pid).not.toBe(audit!.pid);
    expect(output).toMatch(/audit exited \(SIGKILL\); restarting it/);
    // And audit answers through the gateway again.
    const events = await withOutput(waitFor(async () => {
      const r = await gql(gatewayUrl(), '{ auditEvents(first: 1) { edges { node { id } } } }', undefined, { token });
      return r.errors ? null : r;
    }, 60_000, 250));
    expect(events.data.auditEvents.edges).toBeInstanceOf(Array);
    expect(isRunning(start.pid!)).toBe(true);
  }, 180_000);

  test('SIGTERM stops every process it started and frees every port', async () => {
    const tree = processTree(start.pid!);
    // The start script, three subgraphs, the gateway, nats-server and PostgreSQL at least.
    expect(tree.length).toBeGreaterThanOrEqual(7);
    start.kill('SIGTERM');
    const code = await withOutput(Promise.race([exited, new Promise<never>((_, reject) => setTimeout(() => reject(new Error('npm start did not exit within 60 s of SIGTERM')), 60_000).unref())]));
    expect(code).toBe(0);
    expect(tree.filter((p) => isRunning(p.pid))).toEqual([]);
    const listening: string[] = [];
    for (const [name, port] of Object.entries(ports)) if (await tcpAnswers(port)) listening.push(`${name}:${port}`);
    expect(listening).toEqual([]);
  }, 90_000);
});
