/**
 * Cluster mode of the CLI: `--workers 2` forks two workers sharing one port, with authentication on
 * (`--jwks` file, `--issuer`, `--audience`, `--no-tenant-check`: a supergraph without identity),
 * under NODE_ENV=production; they answer, and the whole group exits 0 on SIGTERM.
 */
import { execFileSync, spawn } from 'node:child_process';
import { freePort, waitFor } from '@imagy/platform/testing';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'graphql';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { startStandaloneServer } from '@apollo/server/standalone';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { composeServices } from '@apollo/composition';
import { exportJWK, generateKeyPair } from 'jose';
import { signToken, type SigningKey } from '@imagy/platform/auth';

const REPO_ROOT = path.resolve(__dirname, '..', '..');
const ISSUER = 'https://issuer.cluster.imagy';
const AUDIENCE = 'imagy-cluster';


describe('gateway --workers', () => {
  let subgraph: ApolloServer;
  let dir: string;

  beforeAll(async () => {
    const typeDefs = parse(`
      extend schema @link(url: "https://specs.apollo.dev/federation/v2.6", import: ["@key"])
      type Query { hello: String! pid: Int! }
    `);
    subgraph = new ApolloServer({ schema: buildSubgraphSchema([{ typeDefs, resolvers: { Query: { hello: () => 'world', pid: () => process.pid } } as never }]), plugins: [ApolloServerPluginInlineTraceDisabled()] });
    const { url } = await startStandaloneServer(subgraph, { listen: { port: 0, host: '127.0.0.1' } });
    const composed = composeServices([{ name: 'hello', url, typeDefs }]);
    if (!composed.supergraphSdl) throw new Error('composition failed');
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'imagy-cluster-'));
    fs.writeFileSync(path.join(dir, 'supergraph.graphql'), composed.supergraphSdl);
  });

  afterAll(async () => {
    await subgraph?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('answers authenticated requests from two workers and exits 0 on SIGTERM', async () => {
    const { privateKey, publicKey } = await generateKeyPair('EdDSA');
    const key: SigningKey = { kid: 'c', alg: 'EdDSA', privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid: 'c', alg: 'EdDSA', use: 'sig' } };
    const jwksFile = path.join(dir, 'jwks.json');
    fs.writeFileSync(jwksFile, JSON.stringify({ keys: [key.publicJwk] }));
    const token = await signToken(key, { sub: 'u', tid: 't', roles: [] }, { issuer: ISSUER, audience: AUDIENCE, ttlSeconds: 300 });
    const port = await freePort();
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(REPO_ROOT, 'gateway', 'src', 'main.ts'),
      '--workers', '2', '--supergraph', path.join(dir, 'supergraph.graphql'), '--port', String(port), '--host', '127.0.0.1',
      '--jwks', jwksFile, '--issuer', ISSUER, '--audience', AUDIENCE, '--no-tenant-check'], {
      cwd: REPO_ROOT,
      env: { ...process.env, NODE_ENV: 'production', LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    let stdout = '';
    child.stderr!.on('data', (d) => { stderr += String(d); });
    child.stdout!.on('data', (d) => { stdout += String(d); });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const post = (authorization?: string) => fetch(`http://127.0.0.1:${port}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(authorization && { authorization }) },
      body: JSON.stringify({ query: '{ hello }' }),
    });
    try {
      // Marker: the gateway answers 200 (or the process exited, which fails at once). Three tsx
      // processes compile the gateway at start: on a loaded 2-core machine that took over 50 s.
      const state = await waitFor(async () => (child.exitCode !== null ? 'exited'
        : (await post(`Bearer ${token}`).then((r) => r.status, () => 0)) === 200 ? 'up' : null), 150_000, 250).catch(() => 'timeout');
      if (state !== 'up') throw new Error(`gateway not answering (${state}): ${stderr}`);

      // Children of the primary running the gateway (tsx may also run an esbuild service child).
      const workers = execFileSync('ps', ['-o', 'pid=,args=', '--ppid', String(child.pid)], { encoding: 'utf8' })
        .split('\n').filter((l) => l.includes('main.ts')).map((l) => l.trim().split(/\s+/)[0]!);
      expect(workers).toHaveLength(2);

      const answers = await Promise.all(Array.from({ length: 20 }, () => post(`Bearer ${token}`).then(async (r) => ({ status: r.status, body: await r.json() }))));
      for (const a of answers) expect(a).toEqual({ status: 200, body: { data: { hello: 'world' } } });
      // Authentication is on in every worker.
      const refused = await Promise.all(Array.from({ length: 4 }, () => post(`Bearer ${token.slice(0, -4)}AAAA`).then((r) => r.status)));
      expect(refused).toEqual([401, 401, 401, 401]);

      child.kill('SIGTERM');
      // The primary exits 1 when it had to kill workers at its deadline; 0 means every worker
      // stopped gracefully on its own. Timings belong in bench/.
      const code = await exited;
      expect(code).toBe(0);
      expect(stdout).not.toMatch(/replacing it/);
      for (const pid of workers) expect(() => process.kill(Number(pid), 0)).toThrow();
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  }, 240_000);

  it('refuses --issuer without --jwks (exit code 2)', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(REPO_ROOT, 'gateway', 'src', 'main.ts'),
      '--supergraph', path.join(dir, 'supergraph.graphql'), '--port', '0', '--issuer', ISSUER], { cwd: REPO_ROOT, stdio: 'ignore' });
    const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
    expect(code).toBe(2);
  });
});
