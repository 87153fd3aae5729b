/**
 * `npm run check` step: exits 1 when a graphql-codegen output on disk (git-ignored, made by
 * `npm ci`; docs/adr/0005) or a client's persisted-documents manifest in schema/ (committed) differs from what codegen.ts generates now from the SDL files,
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

  // codegen can report a failed output and still resolve (e.g. a preset it cannot load): every
  // target must have produced its files, or the comparison below would pass on nothing.
  const produced = [...expected.keys()];
  const missingTargets = [
    ...serverTargets(dir).map((t) => t.output).filter((f) => !expected.has(f)),
    ...clientNames(dir).map((c) => `clients/${c}/src/__generated__/`).filter((d) => !produced.some((f) => f.startsWith(d))),
  ];
  if (missingTargets.length) throw new Error(`graphql-codegen generated nothing for: ${missingTargets.join(', ')}`);

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
      console.error(`Generated GraphQL types are stale or missing: run \`npm run codegen\` (git-ignored, made by \`npm ci\`; docs/adr/0005); a persisted-documents manifest in schema/ is committed.\n${stale.map((s) => `- ${s}`).join('\n')}`);
      process.exit(1);
    }
    console.error('Generated GraphQL types are up to date.');
  }, (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
