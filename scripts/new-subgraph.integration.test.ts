/**
 * The scaffold proves itself: it writes a subgraph into a temporary copy of the repository's
 * registry files (rover.yaml, docker-compose.yml, every subgraph's SDL), and the result composes
 * with the others, type-checks under the repository's strict settings, and its own tests (tenant B
 * can neither read nor write tenant A's row) pass on the real PostgreSQL and NATS.
 */
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { scaffold } from './new-subgraph';

const repo = path.resolve(__dirname, '..');
const bin = (name: string) => path.join(repo, 'node_modules', '.bin', name);

describe('npm run new:subgraph', () => {
  let root: string;

  beforeAll(() => {
    // Inside the repository (git-ignored) so the copy resolves the workspace's node_modules.
    root = fs.mkdtempSync(path.join(repo, 'scaffold-tmp-'));
    for (const file of ['rover.yaml', 'docker-compose.yml', 'tsconfig.base.json']) fs.copyFileSync(path.join(repo, file), path.join(root, file));
    for (const name of fs.readdirSync(path.join(repo, 'subgraphs'))) {
      const sdl = path.join(repo, 'subgraphs', name, 'schema.graphql');
      if (!fs.existsSync(sdl)) continue;
      fs.mkdirSync(path.join(root, 'subgraphs', name), { recursive: true });
      fs.copyFileSync(sdl, path.join(root, 'subgraphs', name, 'schema.graphql'));
    }
    fs.symlinkSync(path.join(repo, 'node_modules'), path.join(root, 'node_modules'));
  });

  afterAll(() => {
    if (root) fs.rmSync(root, { recursive: true, force: true });
  });

  test('writes the skeleton, registers it, and the result composes, type-checks and passes its tests', async () => {
    const written = await scaffold({ name: 'sample', port: 4099, root, register: true });
    for (const file of ['schema.graphql', 'README.md', 'src/main.ts', 'src/app.ts', 'src/context.ts', 'src/items/items.store.ts', 'src/items/items.service.ts',
      'src/items/items.resolvers.ts', 'src/items/items.loaders.ts', 'src/i18n/messages.ts', 'migrations/index.ts', 'test/items.integration.test.ts']) {
      expect(written).toContain(path.join('subgraphs', 'sample', file));
    }
    expect(fs.existsSync(path.join(root, 'subgraphs/sample/src/__generated__/graphql.ts'))).toBe(true);
    expect(fs.readFileSync(path.join(root, 'rover.yaml'), 'utf8')).toMatch(/ {2}sample:\n {4}routing_url: http:\/\/localhost:4099\/graphql/);
    const compose = fs.readFileSync(path.join(root, 'docker-compose.yml'), 'utf8');
    expect(compose).toContain('subgraphs/sample/src/main.ts');
    expect(compose).toContain('SUBGRAPH_SAMPLE_URL: http://sample:4099/graphql');
    const supergraph = fs.readFileSync(path.join(root, 'schema/supergraph.graphql'), 'utf8');
    expect(supergraph).toMatch(/SAMPLE @join__graph\(name: "sample", url: "http:\/\/localhost:4099\/graphql"\)/);
    expect(supergraph).toMatch(/type SampleItem\s+@join__type\(graph: SAMPLE, key: "id"\)/);
    // A second scaffold of the same name or port is refused instead of overwriting.
    await expect(scaffold({ name: 'sample', port: 4098, root, register: false })).rejects.toThrow(/already exists/);
    await expect(scaffold({ name: 'other', port: 4099, root, register: false })).rejects.toThrow(/already used/);

    fs.writeFileSync(path.join(root, 'tsconfig.json'), JSON.stringify({ extends: './tsconfig.base.json', compilerOptions: { noEmit: true }, include: ['subgraphs/sample'] }));
    const tsc = spawnSync(bin('tsc'), ['-p', path.join(root, 'tsconfig.json')], { cwd: root, encoding: 'utf8' });
    expect(tsc.stdout + tsc.stderr).toBe('');
    expect(tsc.status).toBe(0);

    const config = {
      rootDir: root,
      roots: ['<rootDir>/subgraphs/sample'],
      testEnvironment: 'node',
      testMatch: ['**/*.test.ts'],
      transform: { '^.+\\.(t|j|mj)sx?$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } }] },
      transformIgnorePatterns: ['/node_modules/(?!(jose|graphql-ws)/)'],
      testTimeout: 60_000,
    };
    const jest = spawnSync(bin('jest'), ['--config', JSON.stringify(config), '--ci'], { cwd: root, encoding: 'utf8', env: { ...process.env, NODE_ENV: 'test' } });
    const report = jest.stdout + jest.stderr;
    expect(report).toMatch(/Tests:\s+4 passed, 4 total/);
    expect(jest.status).toBe(0);
  });
});
