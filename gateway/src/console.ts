/**
 * The staff console (clients/console, a Vite build) served by the gateway at `/console/`, on the
 * same origin as `/graphql`: no CORS, and graphql-ws connects to the same host.
 *
 *  - `/console/assets/*`: hashed file names, cached for a year (immutable).
 *  - any other `/console/...` path: the file when it exists, else `index.html` (the app's own router
 *    reads the path), never cached so that a new build is picked up at the next load.
 *  - `/console` redirects to `/console/`.
 *
 * Every answer carries a strict Content-Security-Policy: scripts and styles from this origin only
 * (style attributes are allowed: the chart library sets them), connections to this origin (HTTP
 * and WebSocket), no framing, no plugins, no base-uri changes.
 */
import fs from 'node:fs';
import path from 'node:path';
import express, { type Router } from 'express';

export const CONSOLE_PATH = '/console';

export const CONSOLE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self'",
  // ws: / wss: of this origin: 'self' covers them in current browsers; explicit for older ones.
  "connect-src 'self' ws: wss:",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** `CONSOLE_DIST`, else clients/console/dist of this checkout; null when there is no build there. */
export function consoleDirFromEnv(env: NodeJS.ProcessEnv = process.env): string | null {
  const dir = env.CONSOLE_DIST ? path.resolve(env.CONSOLE_DIST) : path.resolve(__dirname, '..', '..', 'clients', 'console', 'dist');
  return fs.existsSync(path.join(dir, 'index.html')) ? dir : null;
}

/** express router serving a console build folder (mounted at CONSOLE_PATH). */
export function consoleRouter(dir: string): Router {
  const index = path.join(dir, 'index.html');
  if (!fs.existsSync(index)) throw new Error(`console build not found: ${index} (run \`npm run build:console\`)`);
  const router = express.Router();
  router.use((req, res, next) => {
    // `/console` itself: relative asset URLs need the trailing slash.
    if (req.originalUrl.split('?')[0] === CONSOLE_PATH) return res.redirect(301, `${CONSOLE_PATH}/`);
    res.setHeader('content-security-policy', CONSOLE_CSP);
    res.setHeader('x-content-type-options', 'nosniff');
    res.setHeader('referrer-policy', 'no-referrer');
    res.setHeader('x-frame-options', 'DENY');
    next();
  });
  router.use('/assets', express.static(path.join(dir, 'assets'), { immutable: true, maxAge: '365d', index: false, fallthrough: false }));
  router.use(express.static(dir, { index: false, maxAge: 0, redirect: false }));
  // Client-side routes: the app's index.html (read per request, so a rebuild needs no restart).
  router.get(/.*/, (req, res, next) => {
    if (req.path.includes('.')) return next();
    res.setHeader('cache-control', 'no-cache');
    res.type('html').send(fs.readFileSync(index, 'utf8'));
  });
  return router;
}
