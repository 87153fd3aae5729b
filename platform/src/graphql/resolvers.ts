/**
 * Typed merging of feature resolver maps. Each feature exports a map typed by the subgraph's
 * generated `Resolvers`; the subgraph combines them without losing that type (platform/server's
 * mergeResolvers takes untyped maps and cannot hold a GraphQLScalarType).
 */

const isPlainObject = (v: unknown): v is Record<string, unknown> => {
  if (!v || typeof v !== 'object') return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
};

/**
 * Merges resolver maps type by type: later maps add fields to (or replace fields of) earlier
 * types; a scalar (a GraphQLScalarType) or any other non-plain value replaces the entry whole.
 *
 *   export const resolvers = combineResolvers<Resolvers>(tenantResolvers, userResolvers, scalarResolvers(typeDefs));
 */
export function combineResolvers<R extends object>(...maps: R[]): R {
  const out: Record<string, unknown> = {};
  for (const map of maps) {
    for (const [type, entry] of Object.entries(map)) {
      const current = out[type];
      out[type] = isPlainObject(current) && isPlainObject(entry) ? { ...current, ...entry } : entry;
    }
  }
  return out as R;
}
