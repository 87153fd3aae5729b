/**
 * Operation limits, the same at the gateway and in every subgraph: one analyser and one Apollo
 * Server plugin. A refused operation gets one error
 * `{ code: 'OPERATION_LIMIT_EXCEEDED', limit, max, actual }` and HTTP 400, before it is validated
 * (source limits) or executed (cost), so an abusive document costs the server almost nothing.
 *
 *  limit              default  what is counted
 *  maxTokens          2000     lexer tokens of the document (graphql's `parse` `maxTokens`: parsing
 *                              stops at the first token over the limit, so a 30 KB document of
 *                              10 000 fields is refused after 2001 tokens)
 *  maxDepth           15       deepest field nesting (root field = 1), fragments expanded;
 *                              introspection operations are exempt
 *  maxAliases         30       aliased fields, fragments expanded
 *  maxRootFields      20       fields selected at the root, fragments expanded
 *  maxRepeatedFields  20       times one response key is selected in one selection set, inline
 *                              and named fragments merged in, and the sub-selections of a repeated
 *                              key merged too. graphql-js validation compares every pair of such
 *                              selections (OverlappingFieldsCanBeMerged): 2000 copies of `id`
 *                              take seconds of CPU to validate, well inside the token limit
 *  maxCost            5000     demand control as Apollo Router estimates it (below)
 *  maxBatchSize       10       operations in one array (batched) HTTP body
 *
 * Tokens, depth, aliases, root fields and repeated fields depend only on the text, so they are
 * checked on the parsed document before Apollo Server validates it (`checkSource`); cost depends
 * on the variables and is checked after validation, before execution.
 *
 * Cost (IBM GraphQL cost directive specification, as Apollo Router's static estimate):
 *  - a query or subscription starts at 0, a mutation at 10;
 *  - a field costs `count * (typeCost + cost of its selections) + cost of its arguments`;
 *  - typeCost: the field's `@cost(weight:)`, else its type's `@cost`, else 1 for an object,
 *    interface or union and 0 for a scalar or enum; `__typename` and fields skipped by a literal or
 *    variable `@skip`/`@include` cost 0;
 *  - count is 1 for a field that is not a list. For a list: the size its parent's `@listSize` gives
 *    it through `sizedFields` (a connection's `edges`), else its own `@listSize`: the largest value
 *    of its `slicingArguments` given (literal, variable or the argument's default), else its
 *    `assumedSize`; else the default list size (10). With `requireOneSlicingArgument` (the
 *    directive's default) an operation that gives none or several of them is refused
 *    (BAD_USER_INPUT) unless an argument has a default;
 *  - arguments: an input object costs its `@cost` or 1, plus its fields; a list the sum of its
 *    items; a scalar its `@cost` or 0;
 *  - in a subgraph, `_entities(representations:)` is sized by the number of representations;
 *  - inside `__schema`/`__type` nothing multiplies (introspection is answered by the server).
 *  Fragments on different types in one selection are all counted (an upper bound, as Apollo does).
 *  Example: `{ credits(first: 50) { edges { node { id schedule { dueDate } } } } }` with
 *  `credits @listSize(slicingArguments: ["first"], sizedFields: ["edges"])` and
 *  `schedule @listSize(assumedSize: 36)` costs 1 + 50 * (1 + 1 + 36 * 1) = 1901.
 *
 * `@cost`/`@listSize` are read from the SDL: a subgraph's (imported from federation v2.9+ with
 * `@link(..., import: ["@cost", "@listSize"])`, or as `@federation__cost`) or a supergraph's
 * (`@link(url: "https://specs.apollo.dev/cost/v0.1")`), honouring `@link(as:)` and import renames.
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
  getOperationAST,
  isAbstractType,
  isInputObjectType,
  isInterfaceType,
  isListType,
  isObjectType,
  parse,
  valueFromASTUntyped,
  type ArgumentNode,
  type ConstDirectiveNode,
  type DirectiveNode,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLNamedType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValueNode,
} from 'graphql';
import type { ApolloServerPlugin, BaseContext, GraphQLRequestContext } from '@apollo/server';

// ---------------------------------------------------------------------------------------------
// Limits

export interface OperationLimits {
  maxTokens: number;
  maxDepth: number;
  maxAliases: number;
  maxRootFields: number;
  maxRepeatedFields: number;
  maxCost: number;
  maxBatchSize: number;
}

export type LimitName = keyof OperationLimits;

export const DEFAULT_OPERATION_LIMITS: Readonly<OperationLimits> = Object.freeze({
  maxTokens: 2000,
  maxDepth: 15,
  maxAliases: 30,
  maxRootFields: 20,
  maxRepeatedFields: 20,
  maxCost: 5000,
  maxBatchSize: 10,
});

/** Size of a list field that no `@listSize` sizes (Apollo Router's `static_estimated.list_size`). */
export const DEFAULT_LIST_SIZE = 10;

export const OPERATION_LIMIT_EXCEEDED = 'OPERATION_LIMIT_EXCEEDED';

const ENV_SUFFIX: Record<LimitName, string> = {
  maxTokens: 'MAX_TOKENS',
  maxDepth: 'MAX_DEPTH',
  maxAliases: 'MAX_ALIASES',
  maxRootFields: 'MAX_ROOT_FIELDS',
  maxRepeatedFields: 'MAX_REPEATED_FIELDS',
  maxCost: 'MAX_COST',
  maxBatchSize: 'MAX_BATCH_SIZE',
};

/**
 * Defaults overridden by `<prefix>MAX_*` variables, each prefix in turn (the first that is set
 * wins); a value that is not a positive integer throws (startup fails).
 * The gateway reads `GATEWAY_`; subgraphs read `SUBGRAPH_` then `GATEWAY_`, so raising a gateway
 * limit raises the subgraphs' too and a subgraph never refuses what the gateway let through.
 */
export function operationLimitsFromEnv(prefixes: readonly string[], env: NodeJS.ProcessEnv = process.env): OperationLimits {
  const limits = { ...DEFAULT_OPERATION_LIMITS };
  for (const [name, suffix] of Object.entries(ENV_SUFFIX) as [LimitName, string][]) {
    for (const prefix of prefixes) {
      const variable = `${prefix}${suffix}`;
      const raw = env[variable];
      if (raw === undefined || raw === '') continue;
      const value = Number(raw);
      if (!Number.isInteger(value) || value < 1) throw new Error(`${variable} must be a positive integer, got "${raw}"`);
      limits[name] = value;
      break;
    }
  }
  return limits;
}

export const SUBGRAPH_LIMIT_PREFIXES = ['SUBGRAPH_', 'GATEWAY_'] as const;

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
  maxRepeatedFields: 'Operation selects one field too many times',
  maxCost: 'Operation is too expensive',
  maxBatchSize: 'Batch has too many operations',
};

/** The typed refusal: code OPERATION_LIMIT_EXCEEDED, the limit's name, its value and what was found. */
export function limitError(v: LimitViolation): GraphQLError {
  const actual = v.limit === 'maxTokens' ? `more than ${v.max}` : String(v.actual);
  return new GraphQLError(`${DESCRIPTIONS[v.limit]}: ${actual}, the limit (${v.limit}) is ${v.max}`, {
    extensions: { code: OPERATION_LIMIT_EXCEEDED, limit: v.limit, max: v.max, actual: v.actual, http: { status: 400 } },
  });
}

export function checkBatchSize(size: number, limits: Pick<OperationLimits, 'maxBatchSize'>): LimitViolation | null {
  return size > limits.maxBatchSize ? { limit: 'maxBatchSize', max: limits.maxBatchSize, actual: size } : null;
}

/**
 * Lexer tokens of `source` (comments excluded, counted exactly as graphql's `parse` `maxTokens`
 * counts them), stopping once `stopAfter` is passed. A lexing error stops the count: the parser
 * reports it afterwards.
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

// ---------------------------------------------------------------------------------------------
// @cost / @listSize

export interface ListSizeDirective {
  assumedSize?: number;
  slicingArguments?: string[];
  sizedFields?: string[];
  requireOneSlicingArgument: boolean;
}

/** The demand-control directives of a schema, by schema coordinate. */
export interface CostDirectives {
  /** `Type.field` -> weight */
  fields: Map<string, number>;
  /** type name (object, scalar, enum, input) -> weight */
  types: Map<string, number>;
  /** `Type.field(arg:)` and `Input.field` -> weight */
  inputs: Map<string, number>;
  /** `Type.field` -> @listSize */
  listSizes: Map<string, ListSizeDirective>;
}

const COST_SPEC = /^https:\/\/specs\.apollo\.dev\/cost\/v\d+\.\d+$/;
const FEDERATION_SPEC = /^https:\/\/specs\.apollo\.dev\/federation\/v(\d+)\.(\d+)$/;

type AnyDirective = DirectiveNode | ConstDirectiveNode;

/** Names `@cost` and `@listSize` have in a document, from its `@link`s (plus the unlinked defaults). */
function directiveNames(schemaDirectives: readonly AnyDirective[]): { cost: Set<string>; listSize: Set<string> } {
  const cost = new Set<string>();
  const listSize = new Set<string>();
  let linked = false;
  for (const d of schemaDirectives) {
    if (d.name.value !== 'link') continue;
    const args = Object.fromEntries((d.arguments ?? []).map((a) => [a.name.value, valueFromASTUntyped(a.value)]));
    const url = typeof args.url === 'string' ? args.url : '';
    const isCost = COST_SPEC.test(url);
    const fed = FEDERATION_SPEC.exec(url);
    if (!isCost && !fed) continue;
    linked = true;
    const prefix = typeof args.as === 'string' ? args.as : isCost ? 'cost' : 'federation';
    const imports = new Map<string, string>();
    for (const item of Array.isArray(args.import) ? args.import : []) {
      if (typeof item === 'string') imports.set(item.replace(/^@/, ''), item.replace(/^@/, ''));
      else if (item && typeof item === 'object' && typeof (item as { name?: unknown }).name === 'string') {
        const { name, as } = item as { name: string; as?: unknown };
        imports.set(name.replace(/^@/, ''), (typeof as === 'string' ? as : name).replace(/^@/, ''));
      }
    }
    // The cost spec's own directive is `@<prefix>` (`@cost`); the others `@<prefix>__<name>`.
    cost.add(imports.get('cost') ?? (isCost ? prefix : `${prefix}__cost`));
    listSize.add(imports.get('listSize') ?? `${prefix}__listSize`);
  }
  if (!linked) {
    cost.add('cost').add('federation__cost');
    listSize.add('listSize').add('federation__listSize');
  }
  return { cost, listSize };
}

function argValue(d: AnyDirective, name: string): unknown {
  const a = d.arguments?.find((arg) => arg.name.value === name);
  return a ? valueFromASTUntyped(a.value) : undefined;
}

function stringList(v: unknown): string[] | undefined {
  return Array.isArray(v) ? v.filter((s): s is string => typeof s === 'string') : undefined;
}

/**
 * Reads `@cost` and `@listSize` from an SDL document (a subgraph's or a supergraph's) or from the
 * AST nodes of a schema built from SDL (buildSubgraphSchema, buildSchema).
 */
export function costDirectivesOf(source: GraphQLSchema | DocumentNode | string): CostDirectives {
  const out: CostDirectives = { fields: new Map(), types: new Map(), inputs: new Map(), listSizes: new Map() };
  const document: DocumentNode | null = typeof source === 'string' ? parse(source, { noLocation: true }) : 'kind' in source ? source : null;
  type Def = {
    name: { value: string };
    directives?: readonly AnyDirective[];
    fields?: readonly { name: { value: string }; directives?: readonly AnyDirective[]; arguments?: readonly { name: { value: string }; directives?: readonly AnyDirective[] }[] }[];
    kind?: string;
  };
  const defs: Def[] = [];
  const schemaDirectives: AnyDirective[] = [];
  if (document) {
    for (const d of document.definitions) {
      if (d.kind === Kind.SCHEMA_DEFINITION || d.kind === Kind.SCHEMA_EXTENSION) schemaDirectives.push(...(d.directives ?? []));
      else if ('name' in d && d.name && d.kind !== Kind.DIRECTIVE_DEFINITION && d.kind !== Kind.OPERATION_DEFINITION && d.kind !== Kind.FRAGMENT_DEFINITION) defs.push(d as unknown as Def);
    }
  } else {
    const schema = source as GraphQLSchema;
    for (const node of [schema.astNode, ...schema.extensionASTNodes]) if (node) schemaDirectives.push(...(node.directives ?? []));
    for (const type of Object.values(schema.getTypeMap())) {
      for (const node of [type.astNode, ...(type.extensionASTNodes ?? [])]) if (node) defs.push(node as unknown as Def);
    }
  }
  const names = directiveNames(schemaDirectives);
  const weightOf = (directives: readonly AnyDirective[] | undefined): number | undefined => {
    const d = directives?.find((x) => names.cost.has(x.name.value));
    const w = d ? argValue(d, 'weight') : undefined;
    return typeof w === 'number' && Number.isFinite(w) ? w : undefined;
  };
  for (const def of defs) {
    const typeName = def.name.value;
    const typeWeight = weightOf(def.directives);
    if (typeWeight !== undefined) out.types.set(typeName, typeWeight);
    for (const field of def.fields ?? []) {
      const coordinate = `${typeName}.${field.name.value}`;
      const w = weightOf(field.directives);
      if (w !== undefined) (isInputDef(def) ? out.inputs : out.fields).set(coordinate, w);
      const ls = field.directives?.find((x) => names.listSize.has(x.name.value));
      if (ls) {
        const assumed = argValue(ls, 'assumedSize');
        const require = argValue(ls, 'requireOneSlicingArgument');
        out.listSizes.set(coordinate, {
          assumedSize: typeof assumed === 'number' ? assumed : undefined,
          slicingArguments: stringList(argValue(ls, 'slicingArguments')),
          sizedFields: stringList(argValue(ls, 'sizedFields')),
          requireOneSlicingArgument: require === undefined || require === null ? true : require === true,
        });
      }
      for (const arg of field.arguments ?? []) {
        const aw = weightOf(arg.directives);
        if (aw !== undefined) out.inputs.set(`${coordinate}(${arg.name.value}:)`, aw);
      }
    }
  }
  return out;
}

function isInputDef(def: { kind?: unknown }): boolean {
  return def.kind === Kind.INPUT_OBJECT_TYPE_DEFINITION || def.kind === Kind.INPUT_OBJECT_TYPE_EXTENSION;
}

const NO_COSTS: CostDirectives = { fields: new Map(), types: new Map(), inputs: new Map(), listSizes: new Map() };

// ---------------------------------------------------------------------------------------------
// Source checks (before validation)

export interface SourceShape {
  depth: number;
  aliases: number;
  rootFields: number;
  /** Largest number of selections of one response key in one (merged) selection set. */
  repeatedFields: number;
  /** Every root field is `__schema`, `__type` or `__typename` (and one of the first two is there). */
  introspection: boolean;
}

interface TextMeasure { depth: number; aliases: number; fields: number; introspectionOnly: boolean; meta: boolean }

const ZERO_TEXT: TextMeasure = { depth: 0, aliases: 0, fields: 0, introspectionOnly: true, meta: false };

function fragmentsOf(document: DocumentNode): Map<string, FragmentDefinitionNode> {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  return fragments;
}

/**
 * Depth, aliases, root fields and repeated response keys of one operation, fragments expanded
 * (each named fragment measured once). Needs no schema, so it runs on a document that has not
 * been validated (unknown and cyclic fragments are skipped: validation reports them).
 */
export function measureSource(document: DocumentNode, operation: OperationDefinitionNode): SourceShape {
  const fragments = fragmentsOf(document);
  const memo = new Map<string, TextMeasure>();
  const active = new Set<string>();

  const measureSet = (set: SelectionSetNode): TextMeasure => {
    const m: TextMeasure = { ...ZERO_TEXT };
    for (const sel of set.selections) {
      let sub: TextMeasure;
      if (sel.kind === Kind.FIELD) {
        const name = sel.name.value;
        const child = sel.selectionSet ? measureSet(sel.selectionSet) : ZERO_TEXT;
        sub = {
          depth: 1 + child.depth,
          aliases: (sel.alias ? 1 : 0) + child.aliases,
          fields: 1,
          introspectionOnly: name.startsWith('__'),
          meta: name === '__schema' || name === '__type',
        };
      } else if (sel.kind === Kind.INLINE_FRAGMENT) {
        sub = measureSet(sel.selectionSet);
      } else {
        const name = sel.name.value;
        const fragment = fragments.get(name);
        if (!fragment || active.has(name)) continue;
        let cached = memo.get(name);
        if (!cached) {
          active.add(name);
          cached = measureSet(fragment.selectionSet);
          active.delete(name);
          memo.set(name, cached);
        }
        sub = cached;
      }
      // The child's aliases are added once per occurrence: a fragment spread twice aliases twice.
      m.depth = Math.max(m.depth, sub.depth);
      m.aliases += sub.aliases;
      m.fields += sub.fields;
      m.introspectionOnly &&= sub.introspectionOnly;
      m.meta ||= sub.meta;
    }
    return m;
  };
  const m = measureSet(operation.selectionSet);
  return {
    depth: m.depth,
    aliases: m.aliases,
    rootFields: m.fields,
    repeatedFields: repeatedFields(operation.selectionSet, fragments),
    introspection: m.introspectionOnly && m.meta,
  };
}

/**
 * The largest number of selections one response key gets in one merged selection set: a
 * selection set with its inline fragments and named fragments (each name once per set, as
 * graphql-js validation does), and, for a repeated key, the sub-selections of all its copies
 * merged. The walk stops after a budget of visited fields (a fragment fan-out can describe a huge
 * response in a short text; the cost limit refuses those once the document is validated).
 */
function repeatedFields(root: SelectionSetNode, fragments: Map<string, FragmentDefinitionNode>): number {
  let budget = 20_000;
  let worst = 0;
  const walk = (sets: readonly SelectionSetNode[], depth: number): void => {
    if (depth > 64) return;
    const byKey = new Map<string, FieldNode[]>();
    const seen = new Set<string>();
    const collect = (set: SelectionSetNode, path: ReadonlySet<string>) => {
      for (const sel of set.selections) {
        if (--budget < 0) return;
        if (sel.kind === Kind.FIELD) {
          const key = sel.alias?.value ?? sel.name.value;
          const list = byKey.get(key);
          if (list) list.push(sel);
          else byKey.set(key, [sel]);
        } else if (sel.kind === Kind.INLINE_FRAGMENT) {
          collect(sel.selectionSet, path);
        } else {
          const name = sel.name.value;
          const fragment = fragments.get(name);
          if (!fragment || seen.has(name) || path.has(name)) continue;
          seen.add(name);
          collect(fragment.selectionSet, new Set([...path, name]));
        }
      }
    };
    for (const set of sets) collect(set, new Set());
    for (const list of byKey.values()) {
      worst = Math.max(worst, list.length);
      if (budget < 0) return;
      const children = list.flatMap((f) => (f.selectionSet ? [f.selectionSet] : []));
      if (children.length) walk(children, depth + 1);
    }
  };
  walk([root], 0);
  return worst;
}

/** The first text limit a shape breaks (depth, aliases, root fields, repeated fields), or null. */
export function checkSourceShape(shape: SourceShape, limits: OperationLimits): LimitViolation | null {
  if (!shape.introspection && shape.depth > limits.maxDepth) return { limit: 'maxDepth', max: limits.maxDepth, actual: shape.depth };
  if (shape.aliases > limits.maxAliases) return { limit: 'maxAliases', max: limits.maxAliases, actual: shape.aliases };
  if (shape.rootFields > limits.maxRootFields) return { limit: 'maxRootFields', max: limits.maxRootFields, actual: shape.rootFields };
  if (shape.repeatedFields > limits.maxRepeatedFields) return { limit: 'maxRepeatedFields', max: limits.maxRepeatedFields, actual: shape.repeatedFields };
  return null;
}

// graphql 16 words it "more that"; a later release may fix the typo.
const MAX_TOKENS_MESSAGE = /Document contains more th(?:at|an) \d+ tokens/;

/**
 * Every limit that depends on the text only, before validation: tokens (parsing stops at the first
 * token over the limit), then depth, aliases, root fields and repeated fields of the operation
 * `operationName` selects (of each operation when it selects none). A document that does not
 * parse passes: the server reports its syntax error.
 * `accepted` remembers sources that passed (bounded), so a hot operation is parsed once here.
 */
export function checkSource(source: string, limits: OperationLimits, operationName?: string | null, accepted?: AcceptedSources): LimitViolation | null {
  const key = `${operationName ?? ''}\u0000${source}`;
  if (accepted?.has(key)) return null;
  let document: DocumentNode;
  try {
    document = parse(source, { maxTokens: limits.maxTokens, noLocation: true });
  } catch (e) {
    if (e instanceof Error && MAX_TOKENS_MESSAGE.test(e.message)) return { limit: 'maxTokens', max: limits.maxTokens, actual: limits.maxTokens + 1 };
    return null;
  }
  const selected = operationName ? getOperationAST(document, operationName) : null;
  const operations = selected ? [selected] : document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  for (const operation of operations) {
    const violation = checkSourceShape(measureSource(document, operation), limits);
    if (violation) return violation;
  }
  accepted?.add(key);
  return null;
}

/** A bounded set of sources that passed `checkSource` (oldest dropped first). */
export class AcceptedSources {
  private readonly keys = new Set<string>();
  constructor(private readonly maxEntries = 1000, private readonly maxChars = 64 * 1024) {}
  has(key: string): boolean { return this.keys.has(key); }
  add(key: string): void {
    if (key.length > this.maxChars) return;
    if (this.keys.size >= this.maxEntries) this.keys.delete(this.keys.values().next().value as string);
    this.keys.add(key);
  }
}

// ---------------------------------------------------------------------------------------------
// Cost (after validation)

export interface CostOptions {
  costs?: CostDirectives;
  /** Size of a list no `@listSize` sizes; default 10. */
  defaultListSize?: number;
}

export interface OperationShape extends SourceShape {
  cost: number;
  /** A field with `@listSize(requireOneSlicingArgument: true)` given none or several of its slicing arguments. */
  slicingError?: { field: string; slicingArguments: string[]; given: number };
}

interface SizeContext { sizedFields: ReadonlySet<string>; size: number | undefined }

type Variables = Record<string, unknown> | undefined;

/**
 * The whole shape of a validated operation: the source measures and its estimated cost (see the
 * file comment). Named fragments are costed once per (fragment, list-size context).
 */
export function measureOperation(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Variables,
  options: CostOptions = {},
): OperationShape {
  const costs = options.costs ?? NO_COSTS;
  const defaultListSize = options.defaultListSize ?? DEFAULT_LIST_SIZE;
  const fragments = fragmentsOf(document);
  const memo = new Map<string, number>();
  const active = new Set<string>();
  let slicingError: OperationShape['slicingError'];

  const intOf = (v: ValueNode): number | undefined => {
    if (v.kind === Kind.INT) return Number.parseInt(v.value, 10);
    if (v.kind === Kind.VARIABLE) {
      const value = variables?.[v.name.value];
      return typeof value === 'number' && Number.isInteger(value) ? value : undefined;
    }
    return undefined;
  };
  const boolOf = (v: ValueNode | undefined): boolean | undefined => {
    if (!v) return undefined;
    if (v.kind === Kind.BOOLEAN) return v.value;
    if (v.kind === Kind.VARIABLE) {
      const value = variables?.[v.name.value];
      return typeof value === 'boolean' ? value : undefined;
    }
    return undefined;
  };
  const skipped = (sel: { directives?: readonly DirectiveNode[] }): boolean => {
    for (const d of sel.directives ?? []) {
      const cond = boolOf(d.arguments?.find((a) => a.name.value === 'if')?.value);
      if (d.name.value === 'skip' && cond === true) return true;
      if (d.name.value === 'include' && cond === false) return true;
    }
    return false;
  };

  const fieldDef = (parent: GraphQLNamedType | undefined, name: string): GraphQLField<unknown, unknown> | undefined => {
    if (name === '__schema') return SchemaMetaFieldDef;
    if (name === '__type') return TypeMetaFieldDef;
    return parent && (isObjectType(parent) || isInterfaceType(parent)) ? parent.getFields()[name] : undefined;
  };

  // Input cost: an input object its @cost or 1 plus its fields, a list its items, a scalar its @cost or 0.
  const inputCost = (type: GraphQLInputType, coordinate: string, value: unknown, depth: number): number => {
    if (value === null || value === undefined || depth > 32) return 0;
    const own = costs.inputs.get(coordinate);
    const nullable = getNullableType(type);
    if (isListType(nullable)) {
      const items = Array.isArray(value) ? value : [value];
      let sum = own ?? 0;
      for (const item of items) sum += inputCost(nullable.ofType, coordinate, item, depth + 1);
      return sum;
    }
    if (isInputObjectType(nullable) && typeof value === 'object' && !Array.isArray(value)) {
      let sum = own ?? costs.types.get(nullable.name) ?? 1;
      const fields = nullable.getFields();
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
        const f = fields[k];
        if (f) sum += inputCost(f.type, `${nullable.name}.${k}`, v, depth + 1);
      }
      return sum;
    }
    return own ?? costs.types.get(getNamedType(type).name) ?? 0;
  };
  const valueOf = (v: ValueNode): unknown => valueFromASTUntyped(v, variables);
  const argumentsCost = (def: GraphQLField<unknown, unknown>, parentName: string, args: readonly ArgumentNode[] | undefined): number => {
    let sum = 0;
    for (const arg of args ?? []) {
      const argDef = def.args.find((a) => a.name === arg.name.value);
      if (argDef) sum += inputCost(argDef.type, `${parentName}.${def.name}(${argDef.name}:)`, valueOf(arg.value), 0);
    }
    return sum;
  };

  const listSizeOf = (def: GraphQLField<unknown, unknown>, coordinate: string, sel: FieldNode): SizeContext | null => {
    const ls = costs.listSizes.get(coordinate);
    if (!ls) return null;
    let size: number | undefined;
    if (ls.slicingArguments?.length) {
      const given = new Map<string, number>();
      for (const name of ls.slicingArguments) {
        const argDef = def.args.find((a) => a.name === name);
        const d = argDef?.defaultValue;
        if (typeof d === 'number' && Number.isInteger(d)) given.set(name, d);
      }
      for (const arg of sel.arguments ?? []) {
        if (!ls.slicingArguments.includes(arg.name.value)) continue;
        const v = intOf(arg.value);
        if (v !== undefined) given.set(arg.name.value, v);
      }
      if (ls.requireOneSlicingArgument && given.size !== 1) slicingError ??= { field: coordinate, slicingArguments: ls.slicingArguments, given: given.size };
      if (given.size) size = Math.max(...given.values());
    }
    size ??= ls.assumedSize;
    return { sizedFields: new Set(ls.sizedFields ?? []), size };
  };

  const costOfSet = (set: SelectionSetNode, parent: GraphQLNamedType | undefined, inIntrospection: boolean, ctx: SizeContext | null): number => {
    let sum = 0;
    for (const sel of set.selections) {
      if (skipped(sel)) continue;
      if (sel.kind === Kind.FIELD) {
        sum += costOfField(sel, parent, inIntrospection, ctx);
      } else if (sel.kind === Kind.INLINE_FRAGMENT) {
        const type = sel.typeCondition ? schema.getType(sel.typeCondition.name.value) ?? undefined : parent;
        sum += costOfSet(sel.selectionSet, type, inIntrospection, ctx);
      } else {
        const name = sel.name.value;
        const fragment = fragments.get(name);
        if (!fragment || active.has(name)) continue;
        const key = `${name}|${inIntrospection}|${ctx ? `${ctx.size}|${[...ctx.sizedFields].join(',')}` : ''}`;
        let cached = memo.get(key);
        if (cached === undefined) {
          active.add(name);
          cached = costOfSet(fragment.selectionSet, schema.getType(fragment.typeCondition.name.value) ?? undefined, inIntrospection, ctx);
          active.delete(name);
          memo.set(key, cached);
        }
        sum += cached;
      }
    }
    return sum;
  };

  const costOfField = (sel: FieldNode, parent: GraphQLNamedType | undefined, inIntrospection: boolean, ctx: SizeContext | null): number => {
    const name = sel.name.value;
    if (name === '__typename') return 0;
    const def = fieldDef(parent, name);
    if (!def) return 0; // validation refuses unknown fields
    const named = getNamedType(def.type);
    const introspection = inIntrospection || name === '__schema' || name === '__type';
    const composite = isObjectType(named) || isInterfaceType(named) || isAbstractType(named);
    if (introspection) {
      return (composite ? 1 : 0) + (sel.selectionSet ? costOfSet(sel.selectionSet, named, true, null) : 0);
    }
    const coordinate = `${parent!.name}.${name}`;
    const own = listSizeOf(def, coordinate, sel);
    let count = 1;
    if (isListType(getNullableType(def.type))) {
      const upstream = ctx?.sizedFields.has(name) ? ctx.size : undefined;
      const entities = name === '_entities' && parent === schema.getQueryType() ? representationsCount(sel) : undefined;
      count = Math.max(0, upstream ?? own?.size ?? entities ?? defaultListSize);
    }
    const typeCost = costs.fields.get(coordinate) ?? costs.types.get(named.name) ?? (composite ? 1 : 0);
    const children = sel.selectionSet ? costOfSet(sel.selectionSet, named, false, own) : 0;
    return count * (typeCost + children) + argumentsCost(def, parent!.name, sel.arguments);
  };

  const representationsCount = (sel: FieldNode): number | undefined => {
    const arg = sel.arguments?.find((a) => a.name.value === 'representations');
    if (!arg) return undefined;
    const value = valueOf(arg.value);
    return Array.isArray(value) ? value.length : undefined;
  };

  const root = schema.getRootType(operation.operation) ?? undefined;
  const cost = (operation.operation === 'mutation' ? 10 : 0) + costOfSet(operation.selectionSet, root, false, null);
  const source = measureSource(document, operation);
  return { ...source, cost, ...(slicingError ? { slicingError } : {}) };
}

/** The first limit a validated operation breaks (the source limits, then cost), or null. */
export function checkShape(shape: OperationShape | (SourceShape & { cost: number }), limits: OperationLimits): LimitViolation | null {
  const source = checkSourceShape(shape, limits);
  if (source) return source;
  if (shape.cost > limits.maxCost) return { limit: 'maxCost', max: limits.maxCost, actual: shape.cost };
  return null;
}

/** BAD_USER_INPUT for a field whose `@listSize` requires exactly one slicing argument. */
export function slicingArgumentError(e: NonNullable<OperationShape['slicingError']>): GraphQLError {
  const names = e.slicingArguments.join(', ');
  return new GraphQLError(`${e.field} needs exactly one of its slicing arguments (${names}); ${e.given} given`, {
    extensions: { code: 'BAD_USER_INPUT', field: e.field, slicingArguments: e.slicingArguments, http: { status: 400 } },
  });
}

/** The refusal of a validated operation (limit or slicing argument), or null. */
export function refusalOf(shape: OperationShape, limits: OperationLimits): { error: GraphQLError; violation: LimitViolation | null } | null {
  const violation = checkShape(shape, limits);
  if (violation) return { error: limitError(violation), violation };
  if (shape.slicingError) return { error: slicingArgumentError(shape.slicingError), violation: null };
  return null;
}

// ---------------------------------------------------------------------------------------------
// Apollo Server plugin

const REFUSED_PLACEHOLDER = '{ __typename }';

export interface OperationLimitsPluginOptions<TContext extends BaseContext> {
  /** Cost directives; default: read from the schema given to the plugin. */
  costs?: CostDirectives;
  defaultListSize?: number;
  /** Called once per refusal (metrics, logs). */
  onRefused?(refusal: { error: GraphQLError; violation: LimitViolation | null }, request: GraphQLRequestContext<TContext>): void;
}

/**
 * The Apollo Server plugin every subgraph runs (startSubgraph): the text limits in
 * `requestDidStart`, before Apollo Server parses and validates (a refused request's query is
 * swapped for `{ __typename }` and the refusal is thrown in `didResolveOperation`, where Apollo
 * Server turns a plugin error into a normal GraphQL error response with HTTP 400); the cost
 * limit in `didResolveOperation`, before execution. Types come from the request's schema, the
 * `@cost`/`@listSize` directives from `schema` (a built subgraph schema or an SDL).
 * Batches are refused by Apollo Server in a subgraph (no batching); `checkBatchSize` serves HTTP
 * layers that accept them.
 */
export function operationLimitsPlugin<TContext extends BaseContext = BaseContext>(
  schema: GraphQLSchema | DocumentNode | string,
  limits: Partial<OperationLimits> = operationLimitsFromEnv(SUBGRAPH_LIMIT_PREFIXES),
  options: OperationLimitsPluginOptions<TContext> = {},
): ApolloServerPlugin<TContext> {
  const all: OperationLimits = { ...DEFAULT_OPERATION_LIMITS, ...limits };
  const costs = options.costs ?? costDirectivesOf(schema);
  const accepted = new AcceptedSources();
  return {
    async requestDidStart(rc) {
      let refusal: GraphQLError | null = null;
      const request = rc.request;
      if (typeof request.query === 'string') {
        const violation = checkSource(request.query, all, request.operationName, accepted);
        if (violation) {
          refusal = limitError(violation);
          options.onRefused?.({ error: refusal, violation }, rc);
          request.query = REFUSED_PLACEHOLDER;
          request.operationName = undefined;
        }
      }
      return {
        async didResolveOperation(ctx) {
          if (refusal) throw refusal;
          if (!ctx.operation) return;
          const shape = measureOperation(ctx.schema, ctx.document, ctx.operation, ctx.request.variables, { costs, defaultListSize: options.defaultListSize });
          const refused = refusalOf(shape, all);
          if (refused) {
            options.onRefused?.(refused, ctx);
            throw refused.error;
          }
        },
      };
    },
  };
}
