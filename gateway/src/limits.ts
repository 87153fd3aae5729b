/**
 * Operation limits, checked before any planning or subgraph fetch. A refused operation gets one
 * error `{ code: 'OPERATION_LIMIT_EXCEEDED', limit, max, actual }` and HTTP 400.
 *
 *  limit          default  env                        what is counted
 *  maxTokens      2000     GATEWAY_MAX_TOKENS         lexer tokens of the document, before parsing
 *  maxDepth       15       GATEWAY_MAX_DEPTH          deepest field nesting (root field = 1);
 *                                                     introspection operations are exempt
 *  maxAliases     30       GATEWAY_MAX_ALIASES        aliased fields, fragments expanded
 *  maxRootFields  20       GATEWAY_MAX_ROOT_FIELDS    fields selected at the root, fragments expanded
 *  maxCost        2000     GATEWAY_MAX_COST           see below
 *  maxBatchSize   10       GATEWAY_MAX_BATCH_SIZE     operations in one array (batched) HTTP body
 *
 * Cost: every field costs 1 (`__typename` 0) times how many times it may be resolved. A field with
 * an integer `first` or `last` argument (literal or variable) multiplies what is below it by that
 * number (at least 1); a list field without one multiplies by 10, except a list directly below a
 * field that had `first`/`last` (a Relay connection's `edges`/`nodes`), which is already counted.
 * Inside introspection (`__schema`, `__type`) nothing multiplies. Example: `{ a(first: 5) { edges {
 * node { id name } } } }` costs 1 + 5 * (1 + 1 * (1 + 2)) = 21.
 */
import {
  GraphQLError,
  Kind,
  Lexer,
  Source,
  TokenKind,
  SchemaMetaFieldDef,
  TypeMetaFieldDef,
  getNamedType,
  getNullableType,
  isInterfaceType,
  isListType,
  isObjectType,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLField,
  type GraphQLNamedType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValueNode,
} from 'graphql';

export interface OperationLimits {
  maxTokens: number;
  maxDepth: number;
  maxAliases: number;
  maxRootFields: number;
  maxCost: number;
  maxBatchSize: number;
}

export type LimitName = keyof OperationLimits;

export const DEFAULT_LIMITS: Readonly<OperationLimits> = {
  maxTokens: 2000,
  maxDepth: 15,
  maxAliases: 30,
  maxRootFields: 20,
  maxCost: 2000,
  maxBatchSize: 10,
};

const ENV: Record<LimitName, string> = {
  maxTokens: 'GATEWAY_MAX_TOKENS',
  maxDepth: 'GATEWAY_MAX_DEPTH',
  maxAliases: 'GATEWAY_MAX_ALIASES',
  maxRootFields: 'GATEWAY_MAX_ROOT_FIELDS',
  maxCost: 'GATEWAY_MAX_COST',
  maxBatchSize: 'GATEWAY_MAX_BATCH_SIZE',
};

/** Defaults overridden by `GATEWAY_MAX_*`; a value that is not a positive integer fails startup. */
export function limitsFromEnv(env: NodeJS.ProcessEnv = process.env): OperationLimits {
  const limits = { ...DEFAULT_LIMITS };
  for (const [name, variable] of Object.entries(ENV) as [LimitName, string][]) {
    const raw = env[variable];
    if (raw === undefined || raw === '') continue;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < 1) throw new Error(`${variable} must be a positive integer, got "${raw}"`);
    limits[name] = value;
  }
  return limits;
}

export interface LimitViolation {
  limit: LimitName;
  max: number;
  actual: number;
}

const DESCRIPTIONS: Record<LimitName, string> = {
  maxTokens: 'Operation has too many tokens',
  maxDepth: 'Operation is too deep',
  maxAliases: 'Operation has too many aliases',
  maxRootFields: 'Operation selects too many root fields',
  maxCost: 'Operation is too expensive',
  maxBatchSize: 'Batch has too many operations',
};

export function limitError(v: LimitViolation): GraphQLError {
  const actual = v.limit === 'maxTokens' ? `more than ${v.max}` : String(v.actual);
  return new GraphQLError(`${DESCRIPTIONS[v.limit]}: ${actual}, the limit (${v.limit}) is ${v.max}`, {
    extensions: { code: 'OPERATION_LIMIT_EXCEEDED', limit: v.limit, max: v.max, actual: v.actual, http: { status: 400 } },
  });
}

/**
 * Lexer tokens of `source` (comments excluded, as graphql-js's own `maxTokens` counts them), stopping
 * once `stopAfter` is passed. A lexing error stops the count: the parser reports it afterwards.
 */
export function countTokens(source: string, stopAfter: number): number {
  const lexer = new Lexer(new Source(source));
  let count = 0;
  try {
    while (lexer.advance().kind !== TokenKind.EOF) {
      if (++count > stopAfter) break;
    }
  } catch {
    // syntax error: let the parser produce the real message
  }
  return count;
}

export interface OperationShape {
  depth: number;
  aliases: number;
  rootFields: number;
  cost: number;
  /** Every root field is `__schema`, `__type` or `__typename` (and one of the first two is there). */
  introspection: boolean;
}

interface Measure { depth: number; aliases: number; fields: number; cost: number; introspectionOnly: boolean; meta: boolean }

const ZERO: Measure = { depth: 0, aliases: 0, fields: 0, cost: 0, introspectionOnly: true, meta: false };

export function measureOperation(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown> | undefined,
): OperationShape {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  const memo = new Map<string, Measure>();
  const active = new Set<string>();

  const sizeOf = (args: readonly { name: { value: string }; value: ValueNode }[] | undefined): number | undefined => {
    for (const arg of args ?? []) {
      if (arg.name.value !== 'first' && arg.name.value !== 'last') continue;
      const v = arg.value;
      if (v.kind === Kind.INT) return Number.parseInt(v.value, 10);
      if (v.kind === Kind.VARIABLE) {
        const value = variables?.[v.name.value];
        if (typeof value === 'number' && Number.isFinite(value)) return Math.trunc(value);
      }
    }
    return undefined;
  };

  const fieldDef = (parent: GraphQLNamedType | undefined, name: string): GraphQLField<unknown, unknown> | undefined => {
    if (name === '__schema') return SchemaMetaFieldDef;
    if (name === '__type') return TypeMetaFieldDef;
    return parent && (isObjectType(parent) || isInterfaceType(parent)) ? parent.getFields()[name] : undefined;
  };

  const measureSet = (set: SelectionSetNode, parent: GraphQLNamedType | undefined, inIntrospection: boolean, sized: boolean): Measure => {
    const m: Measure = { ...ZERO };
    const merge = (sub: Measure) => {
      m.depth = Math.max(m.depth, sub.depth);
      m.aliases += sub.aliases;
      m.fields += sub.fields;
      m.cost += sub.cost;
      m.introspectionOnly &&= sub.introspectionOnly;
      m.meta ||= sub.meta;
    };
    for (const sel of set.selections) {
      if (sel.kind === Kind.FIELD) {
        const name = sel.name.value;
        const def = fieldDef(parent, name);
        const introspection = inIntrospection || name === '__schema' || name === '__type';
        let multiplier = 1;
        let childSized = false;
        if (!introspection && def) {
          const size = sizeOf(sel.arguments);
          const list = isListType(getNullableType(def.type));
          if (size !== undefined) {
            multiplier = Math.max(1, size);
            childSized = !list;
          } else if (list) {
            multiplier = sized ? 1 : 10;
          }
        }
        const sub = sel.selectionSet ? measureSet(sel.selectionSet, def ? getNamedType(def.type) : undefined, introspection, childSized) : ZERO;
        m.depth = Math.max(m.depth, 1 + sub.depth);
        m.aliases += (sel.alias ? 1 : 0) + sub.aliases;
        m.fields += 1;
        m.cost += (name === '__typename' ? 0 : 1) + multiplier * sub.cost;
        m.introspectionOnly &&= name.startsWith('__');
        m.meta ||= name === '__schema' || name === '__type';
      } else if (sel.kind === Kind.INLINE_FRAGMENT) {
        const type = sel.typeCondition ? schema.getType(sel.typeCondition.name.value) ?? undefined : parent;
        merge(measureSet(sel.selectionSet, type, inIntrospection, sized));
      } else {
        const name = sel.name.value;
        const fragment = fragments.get(name);
        if (!fragment || active.has(name)) continue; // unknown or cyclic: validation reports it
        const key = `${name}|${inIntrospection}|${sized}`;
        let sub = memo.get(key);
        if (!sub) {
          active.add(name);
          sub = measureSet(fragment.selectionSet, schema.getType(fragment.typeCondition.name.value) ?? undefined, inIntrospection, sized);
          active.delete(name);
          memo.set(key, sub);
        }
        merge(sub);
      }
    }
    return m;
  };

  const root = schema.getRootType(operation.operation) ?? undefined;
  const m = measureSet(operation.selectionSet, root, false, false);
  return { depth: m.depth, aliases: m.aliases, rootFields: m.fields, cost: m.cost, introspection: m.introspectionOnly && m.meta };
}

/** The first limit the operation breaks (depth, aliases, root fields, cost), or null. */
export function checkShape(shape: OperationShape, limits: OperationLimits): LimitViolation | null {
  if (!shape.introspection && shape.depth > limits.maxDepth) return { limit: 'maxDepth', max: limits.maxDepth, actual: shape.depth };
  if (shape.aliases > limits.maxAliases) return { limit: 'maxAliases', max: limits.maxAliases, actual: shape.aliases };
  if (shape.rootFields > limits.maxRootFields) return { limit: 'maxRootFields', max: limits.maxRootFields, actual: shape.rootFields };
  if (shape.cost > limits.maxCost) return { limit: 'maxCost', max: limits.maxCost, actual: shape.cost };
  return null;
}
