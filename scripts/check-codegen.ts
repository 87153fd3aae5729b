/**
 * `npm run check` step: exits 1 when a committed graphql-codegen output (or a client's persisted
 * documents manifest in schema/) differs from what codegen.ts generates now from the SDL files,
 * or when a generated file no longer has a source. Generates in memory; writes nothing.
 */
import fs from 'node:fs';
import path from 'node:path';
import { generate } from '@graphql-codegen/cli';
import { clientManifests, clientNames, codegenConfig, serverTargets } from '../codegen';

const root = path.resolve(__dirname, '..');

export async function staleGeneratedFiles(dir = root): Promise<string[]> {
  const config = codegenConfig(dir);
  const outputs = (await generate({ ...config, hooks: {}, cwd: dir }, false)) as { filename: string; content: string }[];
  const expected = new Map<string, string>();
  for (const o of outputs) expected.set(path.relative(dir, path.resolve(dir, o.filename)), o.content);
  for (const m of clientManifests(dir, (rel) => expected.get(rel) ?? null)) expected.set(m.file, m.content);

  const stale: string[] = [];
  for (const [file, content] of expected) {
    const full = path.join(dir, file);
    const current = fs.existsSync(full) ? fs.readFileSync(full, 'utf8') : null;
    if (current === null) stale.push(`${file} (missing)`);
    else if (current !== content) stale.push(`${file} (out of date)`);
  }
  // A subgraph folder or client that was removed or renamed leaves its generated file behind.
  const known = new Set([...serverTargets(dir).map((t) => path.dirname(t.output)), ...clientNames(dir).map((c) => `clients/${c}/src/__generated__`)]);
  for (const parent of ['subgraphs', 'clients']) {
    const base = path.join(dir, parent);
    if (!fs.existsSync(base)) continue;
    for (const name of fs.readdirSync(base)) {
      const generated = path.join(parent, name, 'src', '__generated__');
      if (fs.existsSync(path.join(dir, generated)) && !known.has(generated)) stale.push(`${generated} (no schema.graphql or src/ generates it)`);
    }
  }
  return stale;
}

if (require.main === module) {
  staleGeneratedFiles().then((stale) => {
    if (stale.length) {
      console.error(`Generated GraphQL types are stale: run \`npm run codegen\` and commit the result.\n${stale.map((s) => `- ${s}`).join('\n')}`);
      process.exit(1);
    }
    console.error('Generated GraphQL types are up to date.');
  }, (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
