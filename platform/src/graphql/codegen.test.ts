/**
 * The root codegen.ts picks up any subgraphs/<name>/schema.graphql (as the scaffold writes one),
 * and scripts/check-codegen.ts reports its generated file missing, stale or orphaned.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { clientNames, codegenConfig, manifestOf, pascal, serverTargets } from '../../../codegen';
import { staleGeneratedFiles } from '../../../scripts/check-codegen';

const repo = path.resolve(__dirname, '..', '..', '..');

describe('codegen configuration', () => {
  let root: string;

  beforeAll(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'imagy-codegen-'));
    // graphql-codegen resolves its plugins from the working directory's node_modules.
    fs.symlinkSync(path.join(repo, 'node_modules'), path.join(root, 'node_modules'), 'dir');
    fs.mkdirSync(path.join(root, 'subgraphs', 'risk-score', 'src'), { recursive: true });
    fs.writeFileSync(path.join(root, 'subgraphs', 'risk-score', 'schema.graphql'), [
      'extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])',
      'scalar Decimal',
      'type Score @key(fields: "id") { id: ID! value: Decimal! }',
      'type Query { score(id: ID!): Score }',
    ].join('\n'));
  });

  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  test('a new subgraph folder is a target with its Pascal-cased context, and no clients folder means no client targets', () => {
    expect(serverTargets(root)).toEqual([{ name: 'risk-score', schema: 'subgraphs/risk-score/schema.graphql', output: 'subgraphs/risk-score/src/__generated__/graphql.ts' }]);
    expect(pascal('risk-score')).toBe('RiskScore');
    const out = codegenConfig(root).generates['subgraphs/risk-score/src/__generated__/graphql.ts'] as { config: { contextType: string; scalars: Record<string, unknown> } };
    expect(out.config.contextType).toBe('../context#RiskScoreContext');
    expect(Object.keys(out.config.scalars).sort()).toEqual(['Decimal', '_FieldSet']);
    expect(clientNames(root)).toEqual([]);
    expect(serverTargets(repo).map((t) => t.name)).toEqual(expect.arrayContaining(['identity', 'lending', 'audit', 'fixture']));
    // Apps only: clients/web-kit (shared code, no index.html, no documents) gets no client target.
    expect(clientNames(repo)).toEqual(['console', 'portal']);
  });

  test('a scalar platform has no type for fails codegen with what to do', () => {
    const dir = path.join(root, 'subgraphs', 'money-x');
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'schema.graphql'), 'scalar Money\ntype Query { a: Money }');
    try {
      expect(() => codegenConfig(root)).toThrow('subgraphs/money-x/schema.graphql declares scalar Money: give it a TypeScript type in SCALARS (codegen.ts)');
    } finally {
      fs.rmSync(dir, { recursive: true });
    }
  });

  test('the check reports a missing generated file, then nothing once written, then a stale one', async () => {
    expect(await staleGeneratedFiles(root)).toEqual(['subgraphs/risk-score/src/__generated__/graphql.ts (missing)']);
    const { generate } = await import('@graphql-codegen/cli');
    const cwd = process.cwd();
    process.chdir(root);
    try {
      await generate({ ...codegenConfig(root), cwd: root }, true);
    } finally {
      process.chdir(cwd);
    }
    const generated = fs.readFileSync(path.join(root, 'subgraphs/risk-score/src/__generated__/graphql.ts'), 'utf8');
    expect(generated).toContain("import type { RiskScoreContext } from '../context';");
    expect(generated).toContain('Decimal: { input: string; output: string; }');
    expect(await staleGeneratedFiles(root)).toEqual([]);
    fs.appendFileSync(path.join(root, 'subgraphs/risk-score/schema.graphql'), '\ntype Extra { a: Int }\n');
    expect(await staleGeneratedFiles(root)).toEqual(['subgraphs/risk-score/src/__generated__/graphql.ts (out of date)']);
  });

  test('a client\'s persisted documents become the gateway\'s manifest, ids being the sha256 of the bodies', () => {
    const body = 'query Me { me { id } }';
    const id = crypto.createHash('sha256').update(body).digest('hex');
    expect(JSON.parse(manifestOf({ [id]: body }))).toEqual({ format: 'apollo-persisted-query-manifest', version: 1, operations: [{ id, name: 'Me', type: 'query', body }] });
    expect(() => manifestOf({ ['0'.repeat(64)]: body })).toThrow('is not the sha256 of its body');
    const anonymous = '{ me { id } }';
    expect(() => manifestOf({ [crypto.createHash('sha256').update(anonymous).digest('hex')]: anonymous })).toThrow('has no named operation');
  });
});
