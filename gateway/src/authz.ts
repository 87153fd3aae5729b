/**
 * Authorization directives of the supergraph, enforced by the gateway before any subgraph fetch,
 * the way Apollo Router does it.
 *
 * Subgraphs import `@authenticated`, `@requiresScopes(scopes: [[String!]!]!)` and
 * `@policy(policies: [[String!]!]!)` from federation v2.5/v2.6 (`@link(... import: [...])`).
 * Composition carries them into the supergraph as plain directives on the fields and types, with
 * `@link(url: "https://specs.apollo.dev/{authenticated,requiresScopes,policy}/v0.1", for: SECURITY)`
 * on the schema (checked in test/authz.integration.test.ts). They are read here from the supergraph
 * SDL (the API schema drops them).
 *
 * Rules
 *  - `@authenticated`: the caller has a verified token (user or API key).
 *  - `@requiresScopes(scopes: [["a", "b"], ["c"]])`: (a AND b) OR c, against the token's `scope`.
 *  - `@policy(policies: [["p", "q"], ["r"]])`: same shape; a policy name is satisfied when the caller
 *    has a role of that name or a scope of that name.
 *  - On a type: applies to every field returning the type and to fragments on the type.
 *  - A field selected on an interface also needs what the same field needs on every implementation.
 *
 * Unauthorized fields (and fragments on unauthorized types) are removed from the operation before it
 * is planned. Each gets an error `{ message: 'Unauthorized field or type', path, extensions: { code:
 * 'FORBIDDEN' } }` (path as in Router: response keys, `@` for list items). The field comes back as
 * `null`; a non-null field nulls its nearest nullable parent (the whole `data` when there is none);
 * a field whose whole selection set was removed is nulled too. If nothing of the operation is left,
 * the answer is the errors only and no subgraph is called. Fields removed inside a fragment that
 * narrows the type (`... on X`) are reported but not nulled (the gateway cannot tell which items
 * were X).
 *
 * The rewritten document gets its own query hash, so @apollo/gateway's plan cache never serves one
 * caller the plan of a caller with more rights. Results are memoized per document, operation and
 * caller rights (OperationPipeline.authorize). This module only decides; prepareOperation()
 * (pipeline.ts) calls it for HTTP and graphql-ws alike.
 */
import crypto from 'node:crypto';
import {
  GraphQLError,
  Kind,
  getNamedType,
  getNullableType,
  isAbstractType,
  isInterfaceType,
  isListType,
  isNonNullType,
  isObjectType,
  parse,
  print,
  type ConstDirectiveNode,
  type DefinitionNode,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLField,
  type GraphQLNamedType,
  type GraphQLOutputType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionNode,
  type SelectionSetNode,
} from 'graphql';
import type { ApolloServerOptionsWithGateway } from '@apollo/server';
import type { ApolloGateway } from '@apollo/gateway';
import type { AuthContext } from '@imagy/platform/auth';
import type { GatewayContext } from './auth';
import type { OperationPipeline } from './pipeline';
import { OperationFetchBatcher, operationBatchers } from './fetch-batching';

export type Rule =
  | { kind: 'authenticated' }
  | { kind: 'scopes'; anyOf: string[][] }
  | { kind: 'policy'; anyOf: string[][] };

export interface AuthzRules {
  types: Map<string, Rule[]>;
  /** Keyed `Type.field`. */
  fields: Map<string, Rule[]>;
}

const FEATURES: Record<string, Rule['kind']> = {
  'https://specs.apollo.dev/authenticated/': 'authenticated',
  'https://specs.apollo.dev/requiresScopes/': 'scopes',
  'https://specs.apollo.dev/policy/': 'policy',
};

/** Reads the authorization directives out of a composed supergraph SDL. */
export function authzRulesFromSupergraph(supergraphSdl: string): AuthzRules {
  const doc = parse(supergraphSdl, { noLocation: true });
  const names = new Map<string, Rule['kind']>();
  for (const def of doc.definitions) {
    if (def.kind !== Kind.SCHEMA_DEFINITION && def.kind !== Kind.SCHEMA_EXTENSION) continue;
    for (const d of def.directives ?? []) {
      if (d.name.value !== 'link') continue;
      const url = stringArg(d, 'url');
      const prefix = url && Object.keys(FEATURES).find((p) => url.startsWith(p));
      if (!prefix) continue;
      const featureName = prefix.split('/').at(-2)!;
      names.set(stringArg(d, 'as') ?? featureName, FEATURES[prefix]!);
    }
  }
  const rules: AuthzRules = { types: new Map(), fields: new Map() };
  if (names.size === 0) return rules;

  const rulesOf = (directives: readonly ConstDirectiveNode[] | undefined): Rule[] => {
    const out: Rule[] = [];
    for (const d of directives ?? []) {
      const kind = names.get(d.name.value);
      if (kind === 'authenticated') out.push({ kind });
      else if (kind) out.push({ kind, anyOf: nestedStrings(d, kind === 'scopes' ? 'scopes' : 'policies') });
    }
    return out;
  };
  const add = (map: Map<string, Rule[]>, key: string, found: Rule[]) => {
    if (found.length) map.set(key, [...(map.get(key) ?? []), ...found]);
  };
  for (const def of doc.definitions as DefinitionNode[]) {
    if (!('name' in def) || !def.name || !('directives' in def)) continue;
    switch (def.kind) {
      case Kind.OBJECT_TYPE_DEFINITION: case Kind.OBJECT_TYPE_EXTENSION:
      case Kind.INTERFACE_TYPE_DEFINITION: case Kind.INTERFACE_TYPE_EXTENSION:
        for (const f of def.fields ?? []) add(rules.fields, `${def.name.value}.${f.name.value}`, rulesOf(f.directives));
        add(rules.types, def.name.value, rulesOf(def.directives));
        break;
      case Kind.UNION_TYPE_DEFINITION: case Kind.UNION_TYPE_EXTENSION:
      case Kind.SCALAR_TYPE_DEFINITION: case Kind.SCALAR_TYPE_EXTENSION:
      case Kind.ENUM_TYPE_DEFINITION: case Kind.ENUM_TYPE_EXTENSION:
        add(rules.types, def.name.value, rulesOf(def.directives));
        break;
      default:
        break;
    }
  }
  return rules;
}

/**
 * Stock @apollo/gateway refuses a supergraph that links a `for: SECURITY` feature it does not
 * enforce itself (`feature https://specs.apollo.dev/policy/v0.1 is for: SECURITY but is unsupported`),
 * which is the safe default. This gateway enforces the three authorization features, so it hands
 * @apollo/gateway the supergraph with the `for: SECURITY` purpose dropped from exactly those three
 * links (any other SECURITY or EXECUTION feature is still refused). The directives stay in the SDL.
 * Anything else that builds a planner from the supergraph (subscriptions) must use this too.
 */
export function supergraphForGateway(supergraphSdl: string): string {
  const doc = parse(supergraphSdl);
  let changed = false;
  const definitions = doc.definitions.map((def) => {
    if (def.kind !== Kind.SCHEMA_DEFINITION && def.kind !== Kind.SCHEMA_EXTENSION) return def;
    const directives = def.directives?.map((d) => {
      const url = d.name.value === 'link' ? stringArg(d, 'url') : undefined;
      if (!url || !Object.keys(FEATURES).some((p) => url.startsWith(p))) return d;
      if (!d.arguments?.some((a) => a.name.value === 'for')) return d;
      changed = true;
      return { ...d, arguments: d.arguments.filter((a) => a.name.value !== 'for') };
    });
    return { ...def, directives };
  });
  return changed ? print({ ...doc, definitions }) : supergraphSdl;
}

function stringArg(d: ConstDirectiveNode, name: string): string | undefined {
  const v = d.arguments?.find((a) => a.name.value === name)?.value;
  return v?.kind === Kind.STRING ? v.value : undefined;
}

function nestedStrings(d: ConstDirectiveNode, name: string): string[][] {
  const v = d.arguments?.find((a) => a.name.value === name)?.value;
  if (!v) return [];
  const outer = v.kind === Kind.LIST ? v.values : [v];
  return outer.map((inner) => (inner.kind === Kind.LIST ? inner.values : [inner])
    .flatMap((s) => (s.kind === Kind.STRING || s.kind === Kind.ENUM ? [s.value] : [])));
}

export interface Caller {
  authenticated: boolean;
  scopes: ReadonlySet<string>;
  roles: ReadonlySet<string>;
}

export function callerOf(auth: AuthContext): Caller {
  return { authenticated: auth.kind !== 'anonymous', scopes: new Set(auth.scopes), roles: new Set(auth.roles) };
}

export function satisfies(caller: Caller, rule: Rule): boolean {
  switch (rule.kind) {
    case 'authenticated':
      return caller.authenticated;
    case 'scopes':
      return rule.anyOf.some((all) => all.every((s) => caller.scopes.has(s)));
    case 'policy':
      return rule.anyOf.some((all) => all.every((p) => caller.roles.has(p) || caller.scopes.has(p)));
  }
}

type Position = { kind: 'field'; key: string; nullable: boolean } | { kind: 'item'; nullable: boolean };

interface Removal {
  /** Where to write null, or 'data' for the whole data, or null for "report only". */
  positions: Position[];
  target: number | 'data' | null;
}

export interface AuthorizedOperation {
  /** True when nothing was removed: run the original document. */
  unchanged: boolean;
  /** Null when nothing of the operation is left. */
  document: DocumentNode | null;
  operation: OperationDefinitionNode | null;
  source: string | null;
  queryHash: string | null;
  errors: { message: string; path: (string | number)[] }[];
  removals: Removal[];
}

export const UNCHANGED: AuthorizedOperation = { unchanged: true, document: null, operation: null, source: null, queryHash: null, errors: [], removals: [] };

/**
 * Removes from `document`'s operation everything the caller may not see. Pure: the same inputs give
 * the same answer (the pipeline memoizes it). Four steps: find the operation, rewrite its selection
 * sets without what is not allowed, collect what was removed (error paths and where results get
 * nulls), build the rewritten document.
 */
export function authorizeOperation(
  schema: GraphQLSchema,
  rules: AuthzRules,
  caller: Caller,
  document: DocumentNode,
  operationName: string | null | undefined,
): AuthorizedOperation {
  if (rules.fields.size === 0 && rules.types.size === 0) return UNCHANGED;
  const { operation, fragments } = selectedOperation(document, operationName);
  if (!operation) return UNCHANGED;
  const root = schema.getRootType(operation.operation);
  if (!root) return UNCHANGED;

  const rewriter = new SelectionRewriter(schema, new Permissions(schema, rules, caller), fragments);
  const rootResult = rewriter.rewriteSet(operation.selectionSet, root);
  if (!rootResult.changed) return UNCHANGED;

  const collector = new RemovalCollector(rewriter);
  collector.collect(operation.selectionSet, root, [], false, new Set());
  const errors = collector.errorPaths.map((path) => ({ message: 'Unauthorized field or type', path }));
  if (!rootResult.set) {
    return { unchanged: false, document: null, operation: null, source: null, queryHash: null, errors, removals: [] };
  }

  const rewritten = rewrittenDocument(operation, rootResult.set, rewriter, fragments);
  const source = print(rewritten.document);
  return {
    unchanged: false,
    document: rewritten.document,
    operation: rewritten.operation,
    source,
    queryHash: crypto.createHash('sha256').update(source).digest('hex'),
    errors,
    removals: collector.removals.filter((r) => r.target !== null),
  };
}

/** The operation `operationName` names (the first one without a name), and the document's fragments. */
function selectedOperation(document: DocumentNode, operationName: string | null | undefined): { operation?: OperationDefinitionNode; fragments: Map<string, FragmentDefinitionNode> } {
  const fragments = new Map<string, FragmentDefinitionNode>();
  let operation: OperationDefinitionNode | undefined;
  for (const d of document.definitions) {
    if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
    else if (d.kind === Kind.OPERATION_DEFINITION && (!operationName ? !operation : d.name?.value === operationName)) operation = d;
  }
  return { operation, fragments };
}

/** What the caller may select, per type and per field (memoized for one operation). */
class Permissions {
  private readonly cache = new Map<string, boolean>();

  constructor(private readonly schema: GraphQLSchema, private readonly rules: AuthzRules, private readonly caller: Caller) {}

  type(type: GraphQLNamedType | undefined | null): boolean {
    if (!type) return true;
    const key = `type:${type.name}`;
    let ok = this.cache.get(key);
    if (ok === undefined) {
      ok = this.allowedBy(this.rules.types.get(type.name));
      this.cache.set(key, ok);
    }
    return ok;
  }

  /** The field's own rules, its type's, and on an interface the same field's on every implementation. */
  field(parent: GraphQLNamedType, field: GraphQLField<unknown, unknown>): boolean {
    const key = `${parent.name}.${field.name}`;
    let ok = this.cache.get(key);
    if (ok === undefined) {
      ok = this.allowedBy(this.rules.fields.get(key)) && this.type(getNamedType(field.type));
      if (ok && isAbstractType(parent)) {
        ok = this.schema.getPossibleTypes(parent).every((impl) => this.allowedBy(this.rules.fields.get(`${impl.name}.${field.name}`)));
      }
      this.cache.set(key, ok);
    }
    return ok;
  }

  private allowedBy(rules: Rule[] | undefined): boolean {
    return !rules || rules.every((r) => satisfies(this.caller, r));
  }
}

interface Rewritten { set: SelectionSetNode | null; changed: boolean }

/** Selection sets without what the caller may not see (each set and fragment rewritten once). */
class SelectionRewriter {
  private readonly setMemo = new Map<SelectionSetNode, Rewritten>();
  private readonly fragmentMemo = new Map<string, Rewritten>();
  private readonly fragmentStack = new Set<string>();

  constructor(readonly schema: GraphQLSchema, readonly permissions: Permissions, readonly fragments: Map<string, FragmentDefinitionNode>) {}

  fieldOf(parent: GraphQLNamedType, node: FieldNode): GraphQLField<unknown, unknown> | undefined {
    return node.name.value.startsWith('__') || !(isObjectType(parent) || isInterfaceType(parent)) ? undefined : parent.getFields()[node.name.value];
  }

  rewriteFragment(name: string): Rewritten {
    let r = this.fragmentMemo.get(name);
    if (r) return r;
    const def = this.fragments.get(name);
    if (!def || this.fragmentStack.has(name)) return { set: null, changed: false };
    const type = this.schema.getType(def.typeCondition.name.value);
    this.fragmentStack.add(name);
    r = !type || !this.permissions.type(type) ? { set: null, changed: true } : this.rewriteSet(def.selectionSet, type);
    this.fragmentStack.delete(name);
    this.fragmentMemo.set(name, r);
    return r;
  }

  rewriteSet(set: SelectionSetNode, parent: GraphQLNamedType): Rewritten {
    const memo = this.setMemo.get(set);
    if (memo) return memo;
    const out: SelectionNode[] = [];
    let changed = false;
    for (const sel of set.selections) {
      const kept = this.rewriteSelection(sel, parent);
      changed ||= kept.changed;
      if (kept.selection) out.push(kept.selection);
    }
    const r: Rewritten = { set: out.length ? { ...set, selections: out } : null, changed };
    this.setMemo.set(set, r);
    return r;
  }

  /** One selection: kept as is, kept with a rewritten selection set, or dropped (`selection: null`). */
  private rewriteSelection(sel: SelectionNode, parent: GraphQLNamedType): { selection: SelectionNode | null; changed: boolean } {
    if (sel.kind === Kind.FRAGMENT_SPREAD) {
      const sub = this.rewriteFragment(sel.name.value);
      return sub.set ? { selection: sel, changed: sub.changed } : { selection: null, changed: true };
    }
    let type: GraphQLNamedType | null | undefined;
    if (sel.kind === Kind.FIELD) {
      const def = this.fieldOf(parent, sel);
      if (!def) return { selection: sel, changed: false };
      if (!this.permissions.field(parent, def)) return { selection: null, changed: true };
      if (!sel.selectionSet) return { selection: sel, changed: false };
      type = getNamedType(def.type);
    } else {
      type = sel.typeCondition ? this.schema.getType(sel.typeCondition.name.value) : parent;
      if (!type) return { selection: sel, changed: false };
      if (sel.typeCondition && !this.permissions.type(type)) return { selection: null, changed: true };
    }
    const sub = this.rewriteSet(sel.selectionSet!, type);
    if (!sub.set) return { selection: null, changed: true };
    return sub.changed ? { selection: { ...sel, selectionSet: sub.set }, changed: true } : { selection: sel, changed: false };
  }
}

interface Step { key: string; type: GraphQLOutputType }

/** Response positions of a path of fields (list items included) and the index of its last field. */
function positionsOf(steps: Step[]): { positions: Position[]; fieldIndex: number } {
  const positions: Position[] = [];
  let fieldIndex = -1;
  for (const s of steps) {
    fieldIndex = positions.length;
    positions.push({ kind: 'field', key: s.key, nullable: !isNonNullType(s.type) });
    let t = getNullableType(s.type);
    while (isListType(t)) {
      positions.push({ kind: 'item', nullable: !isNonNullType(t.ofType) });
      t = getNullableType(t.ofType);
    }
  }
  return { positions, fieldIndex };
}

/** The error path Router reports: response keys, `@` for list items. */
function pathOf(positions: Position[], upTo: number): string[] {
  return positions.slice(0, upTo + 1).map((p) => (p.kind === 'field' ? p.key : '@'));
}

/** Walks the original operation beside its rewrite and records every removal. */
class RemovalCollector {
  readonly removals: Removal[] = [];
  readonly errorPaths: (string | number)[][] = [];
  private readonly seen = new Set<string>();

  constructor(private readonly rewriter: SelectionRewriter) {}

  collect(set: SelectionSetNode, parent: GraphQLNamedType, steps: Step[], narrowed: boolean, stack: Set<string>): void {
    const { schema, permissions, fragments } = this.rewriter;
    for (const sel of set.selections) {
      if (sel.kind === Kind.FIELD) {
        const def = this.rewriter.fieldOf(parent, sel);
        if (!def) continue;
        const here = [...steps, { key: sel.alias?.value ?? sel.name.value, type: def.type }];
        if (!permissions.field(parent, def)) { this.record(here, true, !narrowed); continue; }
        if (!sel.selectionSet) continue;
        const sub = this.rewriter.rewriteSet(sel.selectionSet, getNamedType(def.type));
        if (!sub.set) this.record(here, false, !narrowed);
        if (sub.changed || !sub.set) this.collect(sel.selectionSet, getNamedType(def.type), here, false, stack);
      } else if (sel.kind === Kind.INLINE_FRAGMENT) {
        const type = sel.typeCondition ? schema.getType(sel.typeCondition.name.value) : parent;
        if (!type) continue;
        if (sel.typeCondition && !permissions.type(type)) { this.reportType(steps); continue; }
        const sub = this.rewriter.rewriteSet(sel.selectionSet, type);
        if (sub.changed || !sub.set) this.collect(sel.selectionSet, type, steps, narrowed || type !== parent, stack);
      } else {
        const name = sel.name.value;
        const def = fragments.get(name);
        if (!def || stack.has(name)) continue;
        const type = schema.getType(def.typeCondition.name.value);
        if (!type) continue;
        if (!permissions.type(type)) { this.reportType(steps); continue; }
        const sub = this.rewriter.rewriteFragment(name);
        if (sub.changed || !sub.set) {
          stack.add(name);
          this.collect(def.selectionSet, type, steps, narrowed || type !== parent, stack);
          stack.delete(name);
        }
      }
    }
  }

  /** A removed field: its error (unless only emptied) and where its null goes (`nullIt` false inside a narrowing fragment). */
  private record(steps: Step[], error: boolean, nullIt: boolean): void {
    const { positions, fieldIndex } = positionsOf(steps);
    const path = pathOf(positions, fieldIndex);
    const id = `${error ? 'e' : 'n'}:${path.join('.')}`;
    if (this.seen.has(id)) return;
    this.seen.add(id);
    let target: Removal['target'] = null;
    if (nullIt) {
      target = 'data';
      for (let i = fieldIndex; i >= 0; i--) if (positions[i]!.nullable) { target = i; break; }
    }
    this.removals.push({ positions, target });
    if (error) this.errorPaths.push(path);
  }

  /** A fragment on a type the caller may not see: reported at the enclosing field. */
  private reportType(steps: Step[]): void {
    const { positions, fieldIndex } = positionsOf(steps);
    const path = fieldIndex < 0 ? [] : pathOf(positions, fieldIndex);
    const id = `t:${path.join('.')}`;
    if (this.seen.has(id)) return;
    this.seen.add(id);
    this.errorPaths.push(path);
  }
}

/** The rewritten operation and the fragments it still reaches (rewritten too). */
function rewrittenDocument(
  operation: OperationDefinitionNode,
  rootSet: SelectionSetNode,
  rewriter: SelectionRewriter,
  fragments: Map<string, FragmentDefinitionNode>,
): { document: DocumentNode; operation: OperationDefinitionNode } {
  const newOperation: OperationDefinitionNode = { ...operation, selectionSet: rootSet };
  const used = new Set<string>();
  const visit = (set: SelectionSetNode) => {
    for (const sel of set.selections) {
      if (sel.kind === Kind.FRAGMENT_SPREAD) {
        if (used.has(sel.name.value)) continue;
        used.add(sel.name.value);
        const r = rewriter.rewriteFragment(sel.name.value);
        if (r.set) visit(r.set);
      } else if (sel.selectionSet) visit(sel.selectionSet);
    }
  };
  visit(rootSet);
  const document: DocumentNode = {
    kind: Kind.DOCUMENT,
    definitions: [
      newOperation,
      ...[...used].map((name) => ({ ...fragments.get(name)!, selectionSet: rewriter.rewriteFragment(name).set! })),
    ],
  };
  return { document, operation: newOperation };
}

/** Writes the nulls of removed fields into an execution result's data (in place). */
export function applyRemovals(data: Record<string, unknown> | null | undefined, removals: Removal[]): Record<string, unknown> | null | undefined {
  if (!data) return data;
  for (const r of removals) {
    if (r.target === 'data') return null;
    if (r.target === null) continue;
    const target = r.target;
    const walk = (holder: unknown, index: number): void => {
      const p = r.positions[index]!;
      if (p.kind === 'field') {
        if (!holder || typeof holder !== 'object' || Array.isArray(holder)) return;
        const obj = holder as Record<string, unknown>;
        if (index === target) obj[p.key] = null;
        else walk(obj[p.key], index + 1);
      } else {
        if (!Array.isArray(holder)) return;
        for (let i = 0; i < holder.length; i++) {
          if (index === target) holder[i] = null;
          else walk(holder[i], index + 1);
        }
      }
    };
    // positions[0] is a root field of `data`; items of a list field live one position further.
    walk(data, 0);
  }
  return data;
}

type GatewayInterface = ApolloServerOptionsWithGateway<GatewayContext>['gateway'];
type GatewayExecutor = NonNullable<Awaited<ReturnType<GatewayInterface['load']>>['executor']>;

/**
 * Wraps the gateway's executor so @apollo/gateway plans and fetches only what prepareOperation
 * (pipeline.ts) left of the operation: the rewritten document when fields were removed (its own
 * query hash, so the plan cache never serves a caller the plan of one with more rights), with the
 * removed fields nulled and their FORBIDDEN errors in the result. Rules follow the loaded supergraph.
 */
export function authorizingGateway(inner: ApolloGateway, pipeline: OperationPipeline, options: { fetchBatching?: boolean; telemetry?: boolean } = {}): GatewayInterface {
  const batching = options.fetchBatching ?? true;
  inner.onSchemaLoadOrUpdate(({ coreSupergraphSdl }) => pipeline.reload(coreSupergraphSdl));
  return {
    onSchemaLoadOrUpdate: (callback) => inner.onSchemaLoadOrUpdate(callback),
    stop: () => inner.stop(),
    async load(loadOptions) {
      const loaded = await inner.load(loadOptions);
      const execute = loaded.executor;
      if (!execute) return loaded;
      // The fetches of one operation go out level by level, merged per subgraph (fetch-batching.ts).
      const run: GatewayExecutor = (rc) => {
        if (batching) operationBatchers.set(rc, new OperationFetchBatcher(options.telemetry ?? true));
        return execute(rc);
      };
      const executor: GatewayExecutor = async (rc) => {
        const prepared = pipeline.preparedByRequest.get(rc.metrics);
        if (!prepared) {
          // No operation to run: @apollo/gateway reports it. Otherwise every operation has passed
          // the operation guard; one that did not is refused rather than run unchecked.
          if (!rc.operation) return run(rc);
          rc.context.log.error({ operation_name: rc.operationName }, 'operation reached the executor without passing the pipeline');
          return { errors: [new GraphQLError('Internal server error', { extensions: { code: 'INTERNAL_SERVER_ERROR' } })] };
        }
        const verdict = prepared.authz;
        if (verdict.unchanged) return run(rc);
        if (!verdict.document) return { errors: prepared.forbidden };
        const result = await run({
          ...rc,
          document: verdict.document,
          operation: verdict.operation!,
          source: verdict.source!,
          queryHash: verdict.queryHash!,
          request: { ...rc.request, query: verdict.source! },
        });
        return {
          ...result,
          data: applyRemovals(result.data as Record<string, unknown> | null | undefined, verdict.removals),
          errors: [...prepared.forbidden, ...(result.errors ?? [])],
        };
      };
      return { executor };
    },
  };
}
