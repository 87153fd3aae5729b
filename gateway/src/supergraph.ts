/**
 * Reading the routing URLs out of a composed supergraph: the `join__Graph` enum values carry
 * `@join__graph(name: "identity", url: "http://...")`. A plain parse, no schema building.
 */
import { Kind, parse, type ConstArgumentNode } from 'graphql';

export function subgraphUrls(supergraphSdl: string): Map<string, string> {
  const urls = new Map<string, string>();
  const doc = parse(supergraphSdl, { noLocation: true });
  for (const def of doc.definitions) {
    if (def.kind !== Kind.ENUM_TYPE_DEFINITION || def.name.value !== 'join__Graph') continue;
    for (const value of def.values ?? []) {
      const directive = value.directives?.find((d) => d.name.value === 'join__graph');
      const name = stringArg(directive?.arguments, 'name');
      const url = stringArg(directive?.arguments, 'url');
      if (name && url) urls.set(name, routingUrl(name, url));
    }
  }
  return urls;
}

function stringArg(args: readonly ConstArgumentNode[] | undefined, name: string): string | undefined {
  const arg = args?.find((a) => a.name.value === name);
  return arg && arg.value.kind === Kind.STRING ? arg.value.value : undefined;
}

/** `http://host:4001/graphql` -> `http://host:4001/.well-known/jwks.json`. */
export function jwksUrlOf(subgraphUrl: string): string {
  return new URL('/.well-known/jwks.json', subgraphUrl).toString();
}

/**
 * The committed supergraph carries development URLs; other environments (docker-compose, k8s)
 * override each with `SUBGRAPH_<NAME>_URL` without recomposing.
 */
export function routingUrl(name: string, composedUrl: string): string {
  return process.env[`SUBGRAPH_${name.toUpperCase()}_URL`] ?? composedUrl;
}
