/**
 * Resolver maps as subgraphs write them, and the one place they become what @apollo/subgraph takes.
 */
import { GraphQLScalarType } from 'graphql';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper';

/**
 * What a subgraph may pass as its resolvers: per type name, an object of field resolvers (or enum
 * values, or `__resolveReference` / `__resolveType`), or a custom scalar. graphql-codegen's
 * generated `Resolvers<Context>` (typescript-resolvers, `federation: true`: a type alias whose
 * members are all optional) and plain object literals both fit it without a cast; what each field
 * resolver's arguments and context are is checked where the map is written (by `Resolvers<Ctx>`).
 */
export type ResolverMapLike = {
  readonly [typeName: string]: GraphQLScalarType | { readonly [field: string]: unknown } | undefined;
};

/** Merges feature resolver maps type by type (later maps add fields to earlier types; a scalar replaces). */
export function mergeResolvers(...maps: ResolverMapLike[]): ResolverMapLike {
  const out: Record<string, GraphQLScalarType | Record<string, unknown>> = {};
  for (const m of maps) {
    for (const [type, fields] of Object.entries(m)) {
      if (!fields) continue;
      const earlier = out[type];
      out[type] = fields instanceof GraphQLScalarType || !earlier || earlier instanceof GraphQLScalarType ? fields : { ...earlier, ...fields };
    }
  }
  return out;
}

/**
 * The single conversion of a subgraph's resolver map to @apollo/subgraph's `GraphQLResolverMap`.
 * It cannot be typed through: `GraphQLResolverMap` wants every field resolver to be a
 * `GraphQLFieldResolver<any, TContext>` of one context type and plain `{ [arg]: any }` arguments,
 * while the generated `Resolvers<Ctx>` types each field with its own parent, args and result (and
 * federation's `__resolveReference` with a reference type), which TypeScript does not see as the
 * same function type. At run time both are exactly the object graphql-js reads, so the map is
 * handed over as is; the typing that matters happened where the map was written.
 */
export function toApolloResolverMap(resolvers: ResolverMapLike): GraphQLResolverMap<unknown> {
  return resolvers as GraphQLResolverMap<unknown>;
}
