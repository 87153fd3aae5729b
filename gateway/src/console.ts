/**
 * The staff console (clients/console, a Vite build) served by the gateway at `/console/`
 * (static-client.ts: immutable hashed assets, index.html for client-side routes, security headers).
 *
 * Its Content-Security-Policy: scripts and styles from this origin only (style attributes are
 * allowed: the chart library sets them), connections to this origin (HTTP and WebSocket), no
 * framing, no plugins, no base-uri changes.
 */
import path from 'node:path';
import type { Router } from 'express';
import { clientCsp, clientDirFromEnv, staticClientRouter } from './static-client';

export const CONSOLE_PATH = '/console';

// Style attributes are allowed: the chart library sets them.
export const CONSOLE_CSP = clientCsp({ styleSrc: "'self' 'unsafe-inline'", imgSrc: "'self' data:" });

/** `CONSOLE_DIST`, else clients/console/dist of this checkout; null when there is no build there. */
export function consoleDirFromEnv(env: NodeJS.ProcessEnv = process.env): string | null {
  return clientDirFromEnv('CONSOLE_DIST', path.resolve(__dirname, '..', '..', 'clients', 'console', 'dist'), env);
}

/** express router serving a console build folder (mounted at CONSOLE_PATH). */
export function consoleRouter(dir: string): Router {
  return staticClientRouter({ dir, base: CONSOLE_PATH, csp: CONSOLE_CSP, buildCommand: 'npm run build:console' });
}
