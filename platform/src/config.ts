/**
 * Environment reading shared by every process. Defaults are for a developer machine; production
 * sets everything explicitly (see docs/ARCHITECTURE.md, "Configuration").
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export function env(name: string, fallback?: string): string {
  const value = process.env[name];
  if (value !== undefined && value !== '') return value;
  if (fallback !== undefined) return fallback;
  throw new Error(`Missing required environment variable ${name}`);
}

export function envInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number.parseInt(raw, 10);
  if (!Number.isFinite(n)) throw new Error(`Environment variable ${name} must be an integer, got "${raw}"`);
  return n;
}

export const isProduction = () => process.env.NODE_ENV === 'production';

/** Root of the repository: generated dev keys and local data live under `<root>/.imagy` (git-ignored). */
export function repoRoot(): string {
  return path.resolve(__dirname, '..', '..');
}

export function localStateDir(): string {
  return env('IMAGY_STATE_DIR', path.join(repoRoot(), '.imagy'));
}

/** Admin connection used only to provision databases, schemas and roles (never by request handling). */
export const adminDatabaseUrl = () => env('DATABASE_URL', 'postgres://postgres@127.0.0.1:5432/imagy');
export const natsUrl = () => env('NATS_URL', 'nats://127.0.0.1:4222');
/**
 * Prefix of every NATS subject and stream name. Empty in normal runs; tests set a unique one so
 * parallel suites on the shared NATS never see each other's events.
 */
export const natsNamespace = () => env('NATS_NAMESPACE', '');
/**
 * Interface a subgraph listens on. Loopback by default: only the gateway on the same machine calls
 * subgraphs directly. Containers set HOST=0.0.0.0 (the gateway reaches them over the compose network).
 */
export const listenHost = () => env('HOST', '127.0.0.1');

/**
 * A 32-byte secret shared by the processes of one installation: `envVar` (base64) when set, as
 * production does; else generated at first start into `<dir>/<file>` (default `<state dir>/keys`, git-ignored,
 * mode 0600) and read back by every later process. Written to a temporary file and linked into
 * place, so processes starting together agree on one value and none reads a half-written file.
 */
export function installationSecret(envVar: string, file: string, dir = path.join(localStateDir(), 'keys')): Buffer {
  const fromEnv = process.env[envVar];
  if (fromEnv) return Buffer.from(fromEnv, 'base64');
  return Buffer.from(createOnce(path.join(dir, file), () => crypto.randomBytes(32).toString('base64')).trim(), 'base64');
}

/**
 * The content of `target`, written first from `make()` when the file does not exist (mode 0600, its
 * folder 0700). Written to a temporary file and linked into place, so processes starting together
 * agree on one content and none reads a half-written file. For generated dev keys and certificates.
 */
export function createOnce(target: string, make: () => string): string {
  if (!fs.existsSync(target)) {
    fs.mkdirSync(path.dirname(target), { recursive: true, mode: 0o700 });
    const temporary = `${target}.${process.pid}.${crypto.randomBytes(4).toString('hex')}`;
    fs.writeFileSync(temporary, make(), { mode: 0o600, flag: 'wx' });
    try {
      fs.linkSync(temporary, target);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    } finally {
      fs.rmSync(temporary, { force: true });
    }
  }
  return fs.readFileSync(target, 'utf8');
}
