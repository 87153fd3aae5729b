/**
 * First-party clients' persisted documents (runnable by id by users, never by API keys) and the
 * console's static files at /console/ with their security headers.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { clientManifestFiles, loadManifest, type PersistedQueryManifest } from '../src/persisted-queries';
import { CONSOLE_CSP } from '../src/console';
import { bearer, startWorld, type World } from './support';

const sha256 = (s: string) => crypto.createHash('sha256').update(s).digest('hex');
const pq = (hash: string) => ({ persistedQuery: { version: 1, sha256Hash: hash } });
const CONSOLE_GREETING = 'query ConsoleGreeting { __typename greeting }';
const clientDocs: PersistedQueryManifest = {
  format: 'apollo-persisted-query-manifest',
  version: 1,
  operations: [{ id: sha256(CONSOLE_GREETING), name: 'ConsoleGreeting', type: 'query', body: CONSOLE_GREETING }],
};

let world: World;
let dist: string;
beforeAll(async () => {
  dist = fs.mkdtempSync(path.join(os.tmpdir(), 'console-dist-'));
  fs.mkdirSync(path.join(dist, 'assets'));
  fs.writeFileSync(path.join(dist, 'index.html'), '<!doctype html><html><head><script type="module" src="/console/assets/app-abc123.js"></script></head><body><div id="root"></div></body></html>');
  fs.writeFileSync(path.join(dist, 'assets', 'app-abc123.js'), 'console.log("app")');
  world = await startWorld({ persistedQueries: { format: 'apollo-persisted-query-manifest', version: 1, operations: [] }, clientDocuments: [clientDocs], console: dist });
});
afterAll(async () => {
  await world?.stop();
  fs.rmSync(dist, { recursive: true, force: true });
});

const code = (res: { body: any }) => res.body.errors?.[0]?.extensions?.code;

describe("first-party clients' persisted documents", () => {
  it('runs a client document by id for a user, and never for an API key', async () => {
    const user = await world.gql({ extensions: pq(sha256(CONSOLE_GREETING)) }, bearer(await world.userToken()));
    expect(user.body).toEqual({ data: { __typename: 'Query', greeting: 'hello' } });
    const key = await world.gql({ extensions: pq(sha256(CONSOLE_GREETING)) }, bearer(await world.apiKeyToken()));
    expect(key.status).toBe(400);
    expect(code(key)).toBe('PERSISTED_QUERY_NOT_IN_LIST');
  });

  it('does not let a registration body replace a client document', async () => {
    const res = await world.gql({ query: CONSOLE_GREETING, extensions: pq(sha256(CONSOLE_GREETING)) }, bearer(await world.userToken()));
    expect(res.body).toEqual({ data: { __typename: 'Query', greeting: 'hello' } });
  });

  it('finds the committed console manifest in schema/ and it is valid, with the sign-in operations', () => {
    const files = clientManifestFiles();
    expect(files.map((f) => path.basename(f))).toContain('persisted-documents.console.json');
    const ops = loadManifest(files.find((f) => f.endsWith('persisted-documents.console.json'))!);
    expect([...ops.values()].map((o) => o.name)).toEqual(expect.arrayContaining(['ConsoleLogin', 'ConsoleRefresh', 'ConsoleLogout', 'ConsoleAuditTail']));
  });
});

describe('the console at /console/', () => {
  const base = () => world.gateway.url.replace(/\/graphql$/, '');

  it('redirects /console to /console/ and serves index.html with the CSP', async () => {
    const redirect = await fetch(`${base()}/console`, { redirect: 'manual' });
    expect(redirect.status).toBe(301);
    expect(redirect.headers.get('location')).toBe('/console/');
    const index = await fetch(`${base()}/console/`);
    expect(index.status).toBe(200);
    expect(index.headers.get('content-security-policy')).toBe(CONSOLE_CSP);
    expect(index.headers.get('x-frame-options')).toBe('DENY');
    expect(index.headers.get('cache-control')).toBe('no-cache');
    expect(await index.text()).toContain('<div id="root">');
  });

  it("answers a client-side route with the app's index.html", async () => {
    const res = await fetch(`${base()}/console/products/123?status=PENDING`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    expect(await res.text()).toContain('<div id="root">');
  });

  it('serves hashed assets as immutable, and a missing asset is a 404 (never the index)', async () => {
    const asset = await fetch(`${base()}/console/assets/app-abc123.js`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('cache-control')).toMatch(/immutable/);
    const missing = await fetch(`${base()}/console/assets/nope-000.js`);
    expect(missing.status).toBe(404);
    expect(await missing.text()).not.toContain('<div id="root">');
  });

  it('does not serve files outside the build folder', async () => {
    const res = await fetch(`${base()}/console/..%2f..%2fpackage.json`);
    expect([400, 403, 404]).toContain(res.status);
    expect(await res.text()).not.toContain('"workspaces"');
  });
});
