/**
 * The borrower portal (clients/portal, a Vite build) served by the gateway at `/` on every host: the
 * portal resolves the tenant from the host it was reached on (`tenantByHost`). Everything the
 * gateway itself answers (GraphQL, the console, health, metrics, flow's files, the JWKS) is
 * reserved: those paths never get the portal's index.html.
 *
 * Its Content-Security-Policy is stricter than the console's for styles (no inline styles at all:
 * the tenant's colours are set as CSS variables through the CSSOM, which CSP does not restrict) and
 * wider for images: a tenant's logo is an https URL of the tenant's choice (or a data: URL).
 */
import path from 'node:path';
import type { Router } from 'express';
import { clientCsp, clientDirFromEnv, staticClientRouter } from './static-client';

export const PORTAL_CSP = clientCsp({ styleSrc: "'self'", imgSrc: "'self' https: data:" });

/** The gateway's own routes: never the portal's. */
export const PORTAL_RESERVED = ['/graphql', '/console', '/health', '/ready', '/metrics', '/flow/files', '/.well-known'] as const;

/** `PORTAL_DIST`, else clients/portal/dist of this checkout; null when there is no build there. */
export function portalDirFromEnv(env: NodeJS.ProcessEnv = process.env): string | null {
  return clientDirFromEnv('PORTAL_DIST', path.resolve(__dirname, '..', '..', 'clients', 'portal', 'dist'), env);
}

/** express router serving a portal build folder (mounted at the root, after every other route). */
export function portalRouter(dir: string): Router {
  return staticClientRouter({ dir, base: '', csp: PORTAL_CSP, reserved: PORTAL_RESERVED, buildCommand: 'npm run build:portal' });
}
