/**
 * Composes schema/supergraph.graphql from the subgraph SDL files listed in rover.yaml, with
 * @apollo/composition (the library rover itself uses), so no rover binary is needed.
 *   npm run compose            write the file
 *   npm run compose -- --check exit 1 if the committed file is out of date (CI)
 * Routing URLs can be overridden per subgraph for other environments with
 * SUBGRAPH_<NAME>_URL (e.g. SUBGRAPH_IDENTITY_URL=http://identity:4001/graphql).
 */
import fs from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { parse } from 'graphql';
import { composeServices } from '@apollo/composition';

interface RoverConfig {
  federation_version: string | number;
  subgraphs: Record<string, { routing_url: string; schema: { file: string } }>;
}

const root = path.resolve(__dirname, '..');

export function composeSupergraph(configPath = path.join(root, 'rover.yaml'), urls: Record<string, string> = {}): string {
  const config = parseYaml(fs.readFileSync(configPath, 'utf8')) as RoverConfig;
  const services = Object.entries(config.subgraphs).map(([name, sg]) => ({
    name,
    url: urls[name] ?? process.env[`SUBGRAPH_${name.toUpperCase()}_URL`] ?? sg.routing_url,
    typeDefs: parse(fs.readFileSync(path.resolve(path.dirname(configPath), sg.schema.file), 'utf8')),
  }));
  const result = composeServices(services);
  if (result.errors) {
    throw new Error(`Composition failed:\n${result.errors.map((e) => `- ${e.message}`).join('\n')}`);
  }
  return result.supergraphSdl;
}

if (require.main === module) {
  const target = path.join(root, 'schema', 'supergraph.graphql');
  const sdl = composeSupergraph();
  if (process.argv.includes('--check')) {
    const current = fs.existsSync(target) ? fs.readFileSync(target, 'utf8') : '';
    if (current !== sdl) {
      console.error('schema/supergraph.graphql is out of date: run `npm run compose` and commit it.');
      process.exit(1);
    }
    console.error('schema/supergraph.graphql is up to date.');
  } else {
    fs.writeFileSync(target, sdl);
    console.error(`Wrote ${path.relative(process.cwd(), target)}`);
  }
}
