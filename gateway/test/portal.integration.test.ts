/**
 * The borrower portal's static files at / on every host (static-client.ts, portal.ts): the SPA
 * fallback for client-side routes, the gateway's own routes never answered with the portal, the CSP
 * and cache headers; and the portal's persisted documents runnable by id without a token (the
 * landing, the simulator and the registration are anonymous).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { PersistedQueryManifest } from '../src/persisted-queries';
import { PORTAL_CSP } from '../src/portal';
import { startWorld, type World } from './support';

const sha256 = (s: string) => crypto.createHash('sha256').update(s).digest('hex');
const TENANT_BY_HOST = 'query PortalTenant($host: String!) { tenantByHost(host: $host) { id slug name } }';
const portalDocs: PersistedQueryManifest = {
  format: 'apollo-persisted-query-manifest',
  version: 1,
  operations: [{ id: sha256(TENANT_BY_HOST), name: 'PortalTenant', type: 'query', body: TENANT_BY_HOST }],
};
const INDEX = '<!doctype html><html><head><script type="module" src="/assets/index-abc123.js"></script></head><body><div id="root"></div></body></html>';

let world: World;
let dist: string;
beforeAll(async () => {
  dist = fs.mkdtempSync(path.join(os.tmpdir(), 'portal-dist-'));
  fs.mkdirSync(path.join(dist, 'assets'));
  fs.writeFileSync(path.join(dist, 'index.html'), INDEX);
  fs.writeFileSync(path.join(dist, 'assets', 'index-abc123.js'), 'console.log("portal")');
  world = await startWorld({ persistedQueries: { format: 'apollo-persisted-query-manifest', version: 1, operations: [] }, clientDocuments: [portalDocs], console: false, portal: dist });
});
afterAll(async () => {
  await world?.stop();
  fs.rmSync(dist, { recursive: true, force: true });
});

const base = () => world.gateway.url.replace(/\/graphql$/, '');

describe('the portal at /', () => {
  it('serves index.html at / with the CSP (https: and data: images for tenant logos, no inline styles or scripts) and no caching', async () => {
    const res = await fetch(`${base()}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toBe(PORTAL_CSP);
    expect(PORTAL_CSP).toContain("img-src 'self' https: data:");
    expect(PORTAL_CSP).toContain("script-src 'self';");
    expect(PORTAL_CSP).toContain("style-src 'self';");
    expect(PORTAL_CSP).toContain("frame-ancestors 'none'");
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('cache-control')).toBe('no-cache');
    expect(await res.text()).toBe(INDEX);
  });

  it.each(['/p/PRESTO', '/solicitud/0b8f6a1e-2d43-4a53-9d53-0d0f1c7a3e11', '/mi-cuenta/creditos/x?tab=1', '/sign/sgn_abc', '/flujo/flw_abc', '/ingresar'])("answers the client-side route %s with the app's index.html", async (route) => {
    const res = await fetch(`${base()}${route}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    expect(await res.text()).toBe(INDEX);
  });

  it('serves hashed assets as immutable; a missing asset or file is a 404, never the index', async () => {
    const asset = await fetch(`${base()}/assets/index-abc123.js`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('cache-control')).toMatch(/immutable/);
    expect(asset.headers.get('cache-control')).toMatch(/max-age=31536000/);
    for (const missing of ['/assets/nope-000.js', '/favicon.ico', '/robots.txt']) {
      const res = await fetch(`${base()}${missing}`);
      expect(res.status).toBe(404);
      expect(await res.text()).not.toContain('<div id="root">');
    }
  });

  it("never answers the gateway's own routes with the portal", async () => {
    const health = await fetch(`${base()}/health`);
    expect(health.headers.get('content-type')).toMatch(/json/);
    expect(health.headers.get('content-security-policy')).toBeNull();
    const metrics = await fetch(`${base()}/metrics`);
    expect(await metrics.text()).not.toContain('<div id="root">');
    // The console is not served by this gateway: /console is a 404, not the portal.
    for (const route of ['/console', '/console/products', '/flow/files/x', '/.well-known/jwks.json', '/ready']) {
      const res = await fetch(`${base()}${route}`);
      expect(await res.text()).not.toContain('<div id="root">');
    }
    const graphqlGet = await fetch(`${base()}/graphql?query=%7B__typename%7D`, { headers: { 'apollo-require-preflight': 'true' } });
    expect(await graphqlGet.text()).not.toContain('<div id="root">');
  });

  it('does not serve files outside the build folder', async () => {
    for (const route of ['/..%2f..%2fpackage.json', '/assets/..%2f..%2fpackage.json']) {
      const res = await fetch(`${base()}${route}`);
      expect(await res.text()).not.toContain('"workspaces"');
    }
  });
});

describe("the portal's persisted documents", () => {
  it('run by id without a token (the public pages are anonymous)', async () => {
    const res = await world.gql({ operationName: 'PortalTenant', variables: { host: 'acme.example' }, extensions: { persistedQuery: { version: 1, sha256Hash: sha256(TENANT_BY_HOST) } } });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ data: { tenantByHost: { id: expect.any(String), slug: 'acme', name: 'Acme' } } });
  });

  it('an unknown id is refused without a token too (no body runs)', async () => {
    const res = await world.gql({ extensions: { persistedQuery: { version: 1, sha256Hash: sha256('query Other { __typename }') } } });
    expect(res.body.errors?.[0]?.extensions?.code).toBe('PERSISTED_QUERY_NOT_FOUND');
  });
});
