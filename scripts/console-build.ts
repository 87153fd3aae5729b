/**
 * The console's production build (clients/console/dist, `vite build`), made when it is missing or
 * older than its sources: used by `npm start` (the gateway serves it at /console/) and by the
 * browser tests. `npm run build:console` builds unconditionally.
 */
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';

const root = path.resolve(__dirname, '..');
export const CONSOLE_DIR = path.join(root, 'clients', 'console');
export const CONSOLE_DIST = path.join(CONSOLE_DIR, 'dist');
const SOURCES = ['src', 'index.html', 'vite.config.ts', 'package.json'];

function newestMtime(entry: string): number {
  const stat = fs.statSync(entry);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(stat.mtimeMs, ...fs.readdirSync(entry).map((e) => newestMtime(path.join(entry, e))));
}

export function consoleBuildIsStale(): boolean {
  if (!fs.existsSync(CONSOLE_DIR)) return false;
  const built = path.join(CONSOLE_DIST, 'index.html');
  if (!fs.existsSync(built)) return true;
  const sources = Math.max(...SOURCES.filter((f) => fs.existsSync(path.join(CONSOLE_DIR, f))).map((f) => newestMtime(path.join(CONSOLE_DIR, f))));
  return fs.statSync(built).mtimeMs < sources;
}

/** Builds when stale; returns the dist folder, or null when there is no console in this checkout. */
export function ensureConsoleBuild(log: (line: string) => void = () => {}): string | null {
  if (!fs.existsSync(CONSOLE_DIR)) return null;
  if (consoleBuildIsStale()) {
    log('building the console (vite build, clients/console/dist)');
    // NODE_ENV=production whatever the caller's is (jest sets `test`): React's production build.
    const r = spawnSync('npm', ['run', 'build', '--workspace', '@imagy/console', '--loglevel=warn'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, NODE_ENV: 'production' } });
    if (r.status !== 0) throw new Error(`the console build failed (npm run build:console exited with ${r.status})`);
  }
  return CONSOLE_DIST;
}
