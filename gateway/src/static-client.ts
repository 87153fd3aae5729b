/**
 * A browser client's Vite build served by the gateway on the same origin as `/graphql` (no CORS,
 * graphql-ws on the same host): the staff console at `/console/` (console.ts) and the borrower
 * portal at `/` (portal.ts).
 *
 *  - `<base>/assets/*`: hashed file names, cached for a year (immutable); a missing one is a 404.
 *  - any other GET under the base: the file when it exists, else `index.html` (the app's own router
 *    reads the path), never cached so that a new build is picked up at the next load. Paths with a
 *    dot that match no file are 404s, and the `reserved` prefixes (the gateway's own routes) are
 *    never answered with the app.
 *  - a non-empty base without its trailing slash redirects to it (relative asset URLs need it).
 *
 * Every answer carries the client's Content-Security-Policy, nosniff, no referrer and no framing.
 */
import fs from 'node:fs';
import path from 'node:path';
import express, { type Router } from 'express';

export interface StaticClientOptions {
  /** The build folder (holding index.html and assets/). */
  dir: string;
  /** Where the router is mounted: `/console`, or `` for the root. */
  base: string;
  csp: string;
  /** Path prefixes under the base that are not the app's (answered by the next handler, 404 when none). */
  reserved?: readonly string[];
  /** What to build when the folder has no index.html (for the error message). */
  buildCommand: string;
}

/**
 * A client's Content-Security-Policy: scripts, fonts, connections (HTTP and WebSocket) and
 * everything else from this origin only, no framing, no plugins, no base-uri or form-action
 * elsewhere; the clients differ in styles (inline style attributes or not) and images.
 */
export function clientCsp({ styleSrc, imgSrc }: { styleSrc: string; imgSrc: string }): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    `style-src ${styleSrc}`,
    `img-src ${imgSrc}`,
    "font-src 'self'",
    // ws: / wss: of this origin: 'self' covers them in current browsers; explicit for older ones.
    "connect-src 'self' ws: wss:",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** `env[variable]`, else the default folder; null when there is no build there. */
export function clientDirFromEnv(variable: string, fallback: string, env: NodeJS.ProcessEnv = process.env): string | null {
  const dir = env[variable] ? path.resolve(env[variable]!) : path.resolve(fallback);
  return fs.existsSync(path.join(dir, 'index.html')) ? dir : null;
}

/** express router serving a client build folder (mount it at `options.base`, or at the root when empty). */
export function staticClientRouter(options: StaticClientOptions): Router {
  const { dir, base, csp } = options;
  const reserved = options.reserved ?? [];
  const index = path.join(dir, 'index.html');
  if (!fs.existsSync(index)) throw new Error(`client build not found: ${index} (run \`${options.buildCommand}\`)`);
  const isReserved = (p: string) => reserved.some((r) => p === r || p.startsWith(`${r}/`));
  const router = express.Router();
  router.use((req, res, next) => {
    if (isReserved(req.path)) return next('router');
    // `<base>` itself: relative asset URLs need the trailing slash.
    if (base && req.originalUrl.split('?')[0] === base) return res.redirect(301, `${base}/`);
    res.setHeader('content-security-policy', csp);
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
