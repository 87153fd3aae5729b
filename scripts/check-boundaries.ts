/**
 * Import boundaries that keep the code livable (DESIGN.md, "Rules that keep it livable"):
 *  - platform/ never imports a subgraph or the gateway;
 *  - a subgraph never imports another subgraph's code (its tests may start one in-process: `src/app` only);
 *  - services (*.service.ts) and the pure modules never import `graphql`.
 * Exits 1 listing every violation.
 */
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(__dirname, '..');
const violations: string[] = [];

function walk(dir: string, out: string[] = []): string[] {
  if (!fs.existsSync(dir)) return out;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) walk(full, out);
    else if (/\.ts$/.test(entry.name)) out.push(full);
  }
  return out;
}

const importRe = /(?:from\s+|import\s*\(\s*|require\s*\(\s*)['"]([^'"]+)['"]/g;

function importsOf(file: string): string[] {
  const src = fs.readFileSync(file, 'utf8');
  return [...src.matchAll(importRe)].map((m) => m[1]!);
}

const subgraphs = fs.existsSync(path.join(root, 'subgraphs')) ? fs.readdirSync(path.join(root, 'subgraphs')) : [];

for (const file of walk(path.join(root, 'platform'))) {
  for (const spec of importsOf(file)) {
    if (/@imagy\/(?!platform)/.test(spec) || /subgraphs\/|gateway\//.test(spec)) violations.push(`${path.relative(root, file)}: platform imports ${spec}`);
  }
}

for (const name of subgraphs) {
  const dir = path.join(root, 'subgraphs', name);
  for (const file of walk(dir)) {
    const rel = path.relative(root, file);
    for (const spec of importsOf(file)) {
      const other = subgraphs.find((o) => o !== name && (spec === `@imagy/${o}` || spec.startsWith(`@imagy/${o}/`) || (spec.startsWith('.') && path.resolve(path.dirname(file), spec).startsWith(path.join(root, 'subgraphs', o)))));
      // A subgraph's integration tests may start another subgraph in-process (its src/app starter) to
      // test a contract through the bus, as the e2e harness does; nothing else of it.
      const starter = other && /\/test\//.test(rel) && spec.startsWith('.') && path.resolve(path.dirname(file), spec) === path.join(root, 'subgraphs', other, 'src', 'app');
      if (other && !starter) violations.push(`${rel}: imports subgraph ${other} (${spec})`);
      if (/\.service\.ts$|\/loan-math\//.test(rel) && (spec === 'graphql' || spec.startsWith('graphql/') || spec.startsWith('@apollo/'))) {
        violations.push(`${rel}: domain code imports ${spec}`);
      }
    }
  }
}

if (violations.length) {
  console.error(`Import boundary violations:\n${violations.map((v) => `  ${v}`).join('\n')}`);
  process.exit(1);
}
console.error(`Import boundaries hold (${subgraphs.length} subgraphs checked).`);
