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
 * caller rights.
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
import type { Logger } from '@imagy/platform/logger';
import type { GatewayContext } from './auth';
import { rejectedOperations } from './operation-metrics';

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

const UNCHANGED: AuthorizedOperation = { unchanged: true, document: null, operation: null, source: null, queryHash: null, errors: [], removals: [] };

/**
 * Removes from `document`'s operation everything the caller may not see. Pure: the same inputs give
 * the same answer (the executor memoizes it).
 */
export function authorizeOperation(
  schema: GraphQLSchema,
  rules: AuthzRules,
  caller: Caller,
  document: DocumentNode,
  operationName: string | null | undefined,
): AuthorizedOperation {
  if (rules.fields.size === 0 && rules.types.size === 0) return UNCHANGED;
  const fragments = new Map<string, FragmentDefinitionNode>();
  let operation: OperationDefinitionNode | undefined;
  for (const d of document.definitions) {
    if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
    else if (d.kind === Kind.OPERATION_DEFINITION && (!operationName ? !operation : d.name?.value === operationName)) operation = d;
  }
  if (!operation) return UNCHANGED;
  const root = schema.getRootType(operation.operation);
  if (!root) return UNCHANGED;

  const allowedCache = new Map<string, boolean>();
  const allowedRules = (rs: Rule[] | undefined) => !rs || rs.every((r) => satisfies(caller, r));
  const typeAllowed = (type: GraphQLNamedType | undefined | null): boolean => {
    if (!type) return true;
    const key = `type:${type.name}`;
    let ok = allowedCache.get(key);
    if (ok === undefined) {
      ok = allowedRules(rules.types.get(type.name));
      allowedCache.set(key, ok);
    }
    return ok;
  };
  const fieldAllowed = (parent: GraphQLNamedType, field: GraphQLField<unknown, unknown>): boolean => {
    const key = `${parent.name}.${field.name}`;
    let ok = allowedCache.get(key);
    if (ok === undefined) {
      ok = allowedRules(rules.fields.get(key)) && typeAllowed(getNamedType(field.type));
      if (ok && isAbstractType(parent)) {
        ok = schema.getPossibleTypes(parent).every((impl) => allowedRules(rules.fields.get(`${impl.name}.${field.name}`)));
      }
      allowedCache.set(key, ok);
    }
    return ok;
  };
  const fieldOf = (parent: GraphQLNamedType, node: FieldNode): GraphQLField<unknown, unknown> | undefined =>
    node.name.value.startsWith('__') || !(isObjectType(parent) || isInterfaceType(parent)) ? undefined : parent.getFields()[node.name.value];

  // 1. Rewrite selection sets (fragments once each).
  interface Rewritten { set: SelectionSetNode | null; changed: boolean }
  const setMemo = new Map<SelectionSetNode, Rewritten>();
  const fragmentMemo = new Map<string, Rewritten>();
  const fragmentStack = new Set<string>();

  const rewriteFragment = (name: string): Rewritten => {
    let r = fragmentMemo.get(name);
    if (r) return r;
    const def = fragments.get(name);
    if (!def || fragmentStack.has(name)) return { set: null, changed: false };
    const type = schema.getType(def.typeCondition.name.value);
    fragmentStack.add(name);
    r = !type || !typeAllowed(type) ? { set: null, changed: true } : rewriteSet(def.selectionSet, type);
    fragmentStack.delete(name);
    fragmentMemo.set(name, r);
    return r;
  };

  const rewriteSet = (set: SelectionSetNode, parent: GraphQLNamedType): Rewritten => {
    const memo = setMemo.get(set);
    if (memo) return memo;
    const out: SelectionNode[] = [];
    let changed = false;
    for (const sel of set.selections) {
      if (sel.kind === Kind.FIELD) {
        const def = fieldOf(parent, sel);
        if (!def) { out.push(sel); continue; }
        if (!fieldAllowed(parent, def)) { changed = true; continue; }
        if (!sel.selectionSet) { out.push(sel); continue; }
        const sub = rewriteSet(sel.selectionSet, getNamedType(def.type));
        if (!sub.set) { changed = true; continue; }
        if (sub.changed) { changed = true; out.push({ ...sel, selectionSet: sub.set }); } else out.push(sel);
      } else if (sel.kind === Kind.INLINE_FRAGMENT) {
        const type = sel.typeCondition ? schema.getType(sel.typeCondition.name.value) : parent;
        if (!type) { out.push(sel); continue; }
        if (sel.typeCondition && !typeAllowed(type)) { changed = true; continue; }
        const sub = rewriteSet(sel.selectionSet, type);
        if (!sub.set) { changed = true; continue; }
        if (sub.changed) { changed = true; out.push({ ...sel, selectionSet: sub.set }); } else out.push(sel);
      } else {
        const sub = rewriteFragment(sel.name.value);
        if (!sub.set) { changed = true; continue; }
        changed ||= sub.changed;
        out.push(sel);
      }
    }
    const r: Rewritten = { set: out.length ? { ...set, selections: out } : null, changed };
    setMemo.set(set, r);
    return r;
  };

  const rootResult = rewriteSet(operation.selectionSet, root);
  if (!rootResult.changed) return UNCHANGED;

  // 2. Collect what was removed, with response paths and where to write nulls.
  const removals: Removal[] = [];
  const errorPaths: (string | number)[][] = [];
  const seen = new Set<string>();
  interface Step { key: string; type: GraphQLOutputType }
  const positionsOf = (steps: Step[]): { positions: Position[]; fieldIndex: number } => {
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
  };
  const pathOf = (positions: Position[], upTo: number) =>
    positions.slice(0, upTo + 1).map((p) => (p.kind === 'field' ? p.key : '@'));
  const record = (steps: Step[], error: boolean, nullIt: boolean) => {
    const { positions, fieldIndex } = positionsOf(steps);
    const path = pathOf(positions, fieldIndex);
    const id = `${error ? 'e' : 'n'}:${path.join('.')}`;
    if (seen.has(id)) return;
    seen.add(id);
    let target: Removal['target'] = null;
    if (nullIt) {
      target = 'data';
      for (let i = fieldIndex; i >= 0; i--) if (positions[i]!.nullable) { target = i; break; }
    }
    removals.push({ positions, target });
    if (error) errorPaths.push(path);
  };

  const collect = (set: SelectionSetNode, parent: GraphQLNamedType, steps: Step[], narrowed: boolean, stack: Set<string>) => {
    for (const sel of set.selections) {
      if (sel.kind === Kind.FIELD) {
        const def = fieldOf(parent, sel);
        if (!def) continue;
        const here = [...steps, { key: sel.alias?.value ?? sel.name.value, type: def.type }];
        if (!fieldAllowed(parent, def)) { record(here, true, !narrowed); continue; }
        if (!sel.selectionSet) continue;
        const sub = rewriteSet(sel.selectionSet, getNamedType(def.type));
        if (!sub.set) record(here, false, !narrowed);
        if (sub.changed || !sub.set) collect(sel.selectionSet, getNamedType(def.type), here, false, stack);
      } else if (sel.kind === Kind.INLINE_FRAGMENT) {
        const type = sel.typeCondition ? schema.getType(sel.typeCondition.name.value) : parent;
        if (!type) continue;
        if (sel.typeCondition && !typeAllowed(type)) { reportType(steps); continue; }
        const sub = rewriteSet(sel.selectionSet, type);
        if (sub.changed || !sub.set) {
          collect(sel.selectionSet, type, steps, narrowed || type !== parent, stack);
        }
      } else {
        const name = sel.name.value;
        const def = fragments.get(name);
        if (!def || stack.has(name)) continue;
        const type = schema.getType(def.typeCondition.name.value);
        if (!type) continue;
        if (!typeAllowed(type)) { reportType(steps); continue; }
        const sub = rewriteFragment(name);
        if (sub.changed || !sub.set) {
          stack.add(name);
          collect(def.selectionSet, type, steps, narrowed || type !== parent, stack);
          stack.delete(name);
        }
      }
    }
  };
  const reportType = (steps: Step[]) => {
    const { positions, fieldIndex } = positionsOf(steps);
    const path = fieldIndex < 0 ? [] : pathOf(positions, fieldIndex);
    const id = `t:${path.join('.')}`;
    if (seen.has(id)) return;
    seen.add(id);
    errorPaths.push(path);
  };
  collect(operation.selectionSet, root, [], false, new Set());

  const errors = errorPaths.map((path) => ({ message: 'Unauthorized field or type', path }));
  if (!rootResult.set) {
    return { unchanged: false, document: null, operation: null, source: null, queryHash: null, errors, removals: [] };
  }

  // 3. The rewritten document: the operation and the fragments it still reaches.
  const newOperation: OperationDefinitionNode = { ...operation, selectionSet: rootResult.set };
  const used = new Set<string>();
  const visit = (set: SelectionSetNode) => {
    for (const sel of set.selections) {
      if (sel.kind === Kind.FRAGMENT_SPREAD) {
        if (used.has(sel.name.value)) continue;
        used.add(sel.name.value);
        const r = rewriteFragment(sel.name.value);
        if (r.set) visit(r.set);
      } else if (sel.selectionSet) visit(sel.selectionSet);
    }
  };
  visit(rootResult.set);
  const newDocument: DocumentNode = {
    kind: Kind.DOCUMENT,
    definitions: [
      newOperation,
      ...[...used].map((name) => ({ ...fragments.get(name)!, selectionSet: rewriteFragment(name).set! })),
    ],
  };
  const source = print(newDocument);
  return {
    unchanged: false,
    document: newDocument,
    operation: newOperation,
    source,
    queryHash: crypto.createHash('sha256').update(source).digest('hex'),
    errors,
    removals: removals.filter((r) => r.target !== null),
  };
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
type GatewayRequestContext = Parameters<GatewayExecutor>[0];

function forbidden(errors: AuthorizedOperation['errors']): GraphQLError[] {
  return errors.map((e) => new GraphQLError(e.message, { path: e.path, extensions: { code: 'FORBIDDEN', http: { status: 200 } } }));
}

const callerKey = (c: Caller) =>
  `${c.authenticated ? 1 : 0}|${[...c.scopes].sort().join(' ')}|${[...c.roles].sort().join(' ')}`;

/**
 * Wraps the gateway's executor: every operation is authorized (and rewritten if needed) before
 * @apollo/gateway plans and fetches it. Rules follow the loaded supergraph.
 */
export function authorizingGateway(inner: ApolloGateway, options: { supergraphSdl: string; log: Logger }): GatewayInterface {
  let rules = authzRulesFromSupergraph(options.supergraphSdl);
  let memo = new WeakMap<DocumentNode, Map<string, AuthorizedOperation>>();
  inner.onSchemaLoadOrUpdate(({ coreSupergraphSdl }) => {
    rules = authzRulesFromSupergraph(coreSupergraphSdl);
    memo = new WeakMap();
  });

  const authorize = (rc: GatewayRequestContext): AuthorizedOperation => {
    if (rules.fields.size === 0 && rules.types.size === 0) return UNCHANGED;
    const caller = callerOf(rc.context.auth);
    const key = `${rc.request.operationName ?? ''}#${callerKey(caller)}`;
    let perDoc = memo.get(rc.document);
    const hit = perDoc?.get(key);
    if (hit) return hit;
    const result = authorizeOperation(rc.schema, rules, caller, rc.document, rc.request.operationName);
    if (!perDoc) memo.set(rc.document, (perDoc = new Map()));
    if (perDoc.size >= 64) perDoc.clear();
    perDoc.set(key, result);
    return result;
  };

  return {
    onSchemaLoadOrUpdate: (callback) => inner.onSchemaLoadOrUpdate(callback),
    stop: () => inner.stop(),
    async load(loadOptions) {
      const loaded = await inner.load(loadOptions);
      const execute = loaded.executor;
      if (!execute) return loaded;
      const executor: GatewayExecutor = async (rc) => {
        const verdict = authorize(rc);
        if (verdict.unchanged) return execute(rc);
        rejectedOperations.inc({ reason: 'authz', detail: 'FORBIDDEN' });
        rc.context.log.info({ removed: verdict.errors.map((e) => e.path.join('.')) }, 'unauthorized fields removed from operation');
        const errors = forbidden(verdict.errors);
        if (!verdict.document) return { errors };
        const result = await execute({
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
          errors: [...errors, ...(result.errors ?? [])],
        };
      };
      return { executor };
    },
  };
}
