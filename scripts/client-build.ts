/**
 * The browser clients' production builds (clients/<name>/dist, `vite build`), made when missing or
 * older than their sources: used by `npm start` (the gateway serves the console at /console/ and the
 * portal at /) and by the browser tests. `npm run build:console` / `npm run build:portal` build
 * unconditionally.
 */
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';

const root = path.resolve(__dirname, '..');
export type ClientName = 'console' | 'portal';
export const clientDir = (name: ClientName) => path.join(root, 'clients', name);
export const clientDist = (name: ClientName) => path.join(clientDir(name), 'dist');
export const CONSOLE_DIR = clientDir('console');
export const CONSOLE_DIST = clientDist('console');
export const PORTAL_DIST = clientDist('portal');
const SOURCES = ['src', 'index.html', 'vite.config.ts', 'package.json'];
// The shared code both clients import from source: a change there makes both builds stale.
const SHARED = path.join(root, 'clients', 'web-kit', 'src');

function newestMtime(entry: string): number {
  const stat = fs.statSync(entry);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(stat.mtimeMs, ...fs.readdirSync(entry).map((e) => newestMtime(path.join(entry, e))));
}

export function clientBuildIsStale(name: ClientName): boolean {
  const dir = clientDir(name);
  if (!fs.existsSync(dir)) return false;
  const built = path.join(clientDist(name), 'index.html');
  if (!fs.existsSync(built)) return true;
  const inputs = [...SOURCES.map((f) => path.join(dir, f)), SHARED].filter((f) => fs.existsSync(f));
  return fs.statSync(built).mtimeMs < Math.max(...inputs.map(newestMtime));
}

/** Builds when stale; returns the dist folder, or null when there is no such client in this checkout. */
export function ensureClientBuild(name: ClientName, log: (line: string) => void = () => {}): string | null {
  if (!fs.existsSync(clientDir(name))) return null;
  if (clientBuildIsStale(name)) {
    log(`building the ${name} (vite build, clients/${name}/dist)`);
    // NODE_ENV=production whatever the caller's is (jest sets `test`): React's production build.
    const r = spawnSync('npm', ['run', 'build', '--workspace', `@imagy/${name}`, '--loglevel=warn'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, NODE_ENV: 'production' } });
    if (r.status !== 0) throw new Error(`the ${name} build failed (npm run build:${name} exited with ${r.status})`);
  }
  return clientDist(name);
}

export const consoleBuildIsStale = () => clientBuildIsStale('console');
export const ensureConsoleBuild = (log?: (line: string) => void) => ensureClientBuild('console', log);
export const ensurePortalBuild = (log?: (line: string) => void) => ensureClientBuild('portal', log);
