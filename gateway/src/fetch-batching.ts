/**
 * Batching of entity fetches within one operation: fewer subgraph requests for the same plan.
 *
 * @apollo/gateway plans an operation into a tree of Sequence/Parallel/Flatten/Fetch nodes and
 * executes it fetch by fetch: two branches that each need `Product` fields from the same subgraph
 * send two `_entities` requests, even when both are issued at the same moment (the perf bench's
 * heavy query makes 16 subgraph requests where Hive Router's planner makes 7). The plan stays
 * @apollo/gateway's; only *when* and *how* its fetches reach the subgraphs changes here:
 *
 *  - Every fetch of one operation (`OperationFetchBatcher`, one per executed operation, never shared
 *    between operations or callers) is held until the operation is *quiescent*: none of its fetches
 *    is in flight and the continuations of the last answer have run (a `setImmediate` after it).
 *    At that point every branch of the plan that can progress is waiting on a fetch, so the fetches
 *    that are ready at the same plan level are all in hand at once.
 *  - The held fetches are then sent: `_entities` query fetches to the same subgraph as **one**
 *    request, each under its own alias (`_e0: _entities(representations: $representations_0) ...`),
 *    anything else (root fetches, mutations) as it was. Each fetch gets back exactly the answer a
 *    request of its own would have given: its alias renamed to `_entities`, the errors whose path
 *    starts with its alias (path rewritten the same way).
 *  - Anything the split cannot attribute exactly (the whole `data` null, an error without a path or
 *    outside the aliases, the merged request failing: HTTP error, a subgraph limit refusing the
 *    merged document...) is answered by sending the held fetches again one by one, as stock
 *    @apollo/gateway would have sent them, so callers see stock's answer in every case.
 *
 * On the heavy bench query this makes 8 requests instead of 16 (the levels of the plan: 2 root
 * fetches, then reviews x2 + inventory, then accounts/inventory/products, then inventory). The
 * price: a fetch can wait for an unrelated slow fetch of the same operation to finish before it is
 * sent (each level of the plan waits for its slowest fetch, as a level-by-level planner would).
 */
import {
  Kind,
  parse,
  print,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type OperationDefinitionNode,
  type VariableDefinitionNode,
} from 'graphql';
import type { GraphQLDataSourceProcessOptions, RemoteGraphQLDataSource } from '@apollo/gateway';
import type { GraphQLFormattedError } from 'graphql';
import client from 'prom-client';
import type { GatewayContext } from './auth';
import { registry } from './metrics';

type ProcessOptions = GraphQLDataSourceProcessOptions<GatewayContext>;
type GatewayGraphQLResponse = Awaited<ReturnType<RemoteGraphQLDataSource<GatewayContext>['process']>>;
export type FetchResponse = GatewayGraphQLResponse;

/** A subgraph data source as the batcher sees it: sends one request, unbatched. */
export interface BatchTarget {
  processOne(options: ProcessOptions): Promise<GatewayGraphQLResponse>;
}

export const fetchBatching = new client.Counter({
  name: 'imagy_gateway_subgraph_fetch_batching_total',
  help: 'Entity fetches by how they reached their subgraph: merged (shared one request with others of their plan level), or resent one by one after a merged request could not be split or failed (fallback)',
  labelNames: ['result'],
  registers: [registry],
});

/** At most this many fetches share one request (each adds an alias and its selections to the document). */
export const MAX_FETCHES_PER_REQUEST = 10;
/**
 * At most this many characters of member documents per request: subgraphs apply the same operation
 * limits as the gateway (2000 lexer tokens, 30 aliases, cost), and a merged document they refuse
 * costs a round trip before its fetches are sent one by one. A fetch larger than this goes alone.
 */
export const MAX_MERGED_CHARS = 4_000;
const ENTITIES = '_entities';
const REPRESENTATIONS = 'representations';

/** One `_entities` fetch operation as the planner writes it, parsed once per text. */
interface EntityFetchShape {
  name?: string;
  /** The variables other than `$representations`, by name. */
  variables: Map<string, VariableDefinitionNode>;
  representationsType: VariableDefinitionNode['type'];
  field: FieldNode;
  fragments: FragmentDefinitionNode[];
}

/** Bounded cache by text: the planner produces a small fixed set of fetch texts per cached plan. */
class TextCache<V> {
  private readonly map = new Map<string, V>();
  constructor(private readonly max: number) {}
  get(key: string, make: () => V): V {
    let v = this.map.get(key);
    if (v === undefined && !this.map.has(key)) {
      if (this.map.size >= this.max) this.map.clear();
      v = make();
      this.map.set(key, v);
    }
    return v as V;
  }
}

const shapes = new TextCache<EntityFetchShape | null>(2_000);
const merged = new TextCache<MergedDocument | null>(2_000);

/**
 * The shape of an entity fetch (`query Name($representations:[_Any!]!, ...){_entities(representations:
 * $representations){...}} fragment ...`), or null for anything else (root fetches, mutations).
 */
export function entityFetchShape(query: string): EntityFetchShape | null {
  return shapes.get(query, () => {
    let doc: DocumentNode;
    try { doc = parse(query, { noLocation: true }); } catch { return null; }
    const ops = doc.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
    if (ops.length !== 1) return null;
    const op = ops[0]!;
    if (op.operation !== 'query' || op.directives?.length || op.selectionSet.selections.length !== 1) return null;
    const field = op.selectionSet.selections[0]!;
    if (field.kind !== Kind.FIELD || field.name.value !== ENTITIES || field.alias || field.directives?.length) return null;
    const arg = field.arguments?.length === 1 ? field.arguments[0]! : null;
    if (!arg || arg.name.value !== REPRESENTATIONS || arg.value.kind !== Kind.VARIABLE || arg.value.name.value !== REPRESENTATIONS) return null;
    const variables = new Map<string, VariableDefinitionNode>();
    let representationsType: VariableDefinitionNode['type'] | undefined;
    for (const v of op.variableDefinitions ?? []) {
      if (v.variable.name.value === REPRESENTATIONS) representationsType = v.type;
      else variables.set(v.variable.name.value, v);
    }
    if (!representationsType) return null;
    const fragments = doc.definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION);
    return { name: op.name?.value, variables, representationsType, field, fragments };
  });
}

interface MergedDocument {
  text: string;
  operationName?: string;
}

const aliasOf = (i: number) => `_e${i}`;
const representationsOf = (i: number) => `${REPRESENTATIONS}_${i}`;

/**
 * One query selecting every member's `_entities` under its own alias, or null when the members
 * cannot share a document (the same variable or fragment name meaning two things, a variable named
 * like a generated one).
 */
export function mergeEntityFetches(queries: readonly string[]): MergedDocument | null {
  return merged.get(queries.join('\u0000'), () => {
    const members = queries.map(entityFetchShape);
    const variables = new Map<string, VariableDefinitionNode>();
    const fragments = new Map<string, { def: FragmentDefinitionNode; text: string }>();
    const generated = new Set(queries.map((_, i) => representationsOf(i)));
    for (const m of members) {
      if (!m) return null;
      for (const [name, def] of m.variables) {
        if (generated.has(name)) return null;
        const known = variables.get(name);
        if (known && print(known.type) !== print(def.type)) return null;
        variables.set(name, def);
      }
      for (const f of m.fragments) {
        const text = print(f);
        const known = fragments.get(f.name.value);
        if (known && known.text !== text) return null;
        fragments.set(f.name.value, { def: f, text });
      }
    }
    const operation: OperationDefinitionNode = {
      kind: Kind.OPERATION_DEFINITION,
      operation: 'query' as OperationDefinitionNode['operation'],
      name: members[0]!.name ? { kind: Kind.NAME, value: members[0]!.name } : undefined,
      variableDefinitions: [
        ...members.map((_m, i): VariableDefinitionNode => ({
          kind: Kind.VARIABLE_DEFINITION,
          variable: { kind: Kind.VARIABLE, name: { kind: Kind.NAME, value: representationsOf(i) } },
          type: members[i]!.representationsType,
        })),
        ...variables.values(),
      ],
      selectionSet: {
        kind: Kind.SELECTION_SET,
        selections: members.map((m, i): FieldNode => ({
          ...m!.field,
          alias: { kind: Kind.NAME, value: aliasOf(i) },
          arguments: [{
            kind: Kind.ARGUMENT,
            name: { kind: Kind.NAME, value: REPRESENTATIONS },
            value: { kind: Kind.VARIABLE, name: { kind: Kind.NAME, value: representationsOf(i) } },
          }],
        })),
      },
    };
    const doc: DocumentNode = { kind: Kind.DOCUMENT, definitions: [operation, ...[...fragments.values()].map((f) => f.def)] };
    return { text: print(doc), operationName: members[0]!.name };
  });
}

/**
 * Splits the answer of a merged request into the answers of its members, or returns null when some
 * part cannot be attributed to exactly one member (then the members are sent one by one).
 */
export function splitMergedResponse(response: GatewayGraphQLResponse, count: number): FetchResponse[] | null {
  const data = response.data;
  if (!data || typeof data !== 'object') return null;
  const errors: GraphQLFormattedError[][] = Array.from({ length: count }, () => []);
  for (const error of response.errors ?? []) {
    const head = error.path?.[0];
    const index = typeof head === 'string' && /^_e\d+$/.test(head) ? Number(head.slice(2)) : -1;
    if (index < 0 || index >= count) return null;
    errors[index]!.push({ ...error, path: [ENTITIES, ...error.path!.slice(1)] });
  }
  return errors.map((own, i) => ({
    data: { [ENTITIES]: data[aliasOf(i)] ?? null },
    ...(own.length ? { errors: own } : {}),
  }));
}

interface Held {
  target: BatchTarget;
  options: ProcessOptions;
  resolve(response: FetchResponse): void;
  reject(error: unknown): void;
}

/** Fetches of one executed operation, held until it is quiescent, then sent merged per subgraph. */
export class OperationFetchBatcher {
  /** `telemetry: false`: the batching counter is not touched. */
  constructor(private readonly telemetry = true) {}

  private held: Held[] = [];
  private inFlight = 0;
  private checkScheduled = false;

  enqueue(target: BatchTarget, options: ProcessOptions): Promise<FetchResponse> {
    return new Promise<FetchResponse>((resolve, reject) => {
      this.held.push({ target, options, resolve, reject });
      this.scheduleCheck();
    });
  }

  /** After the current I/O callbacks and every promise continuation they started. */
  private scheduleCheck(): void {
    if (this.checkScheduled) return;
    this.checkScheduled = true;
    setImmediate(() => {
      this.checkScheduled = false;
      if (this.inFlight === 0 && this.held.length) this.flush();
    });
  }

  private flush(): void {
    const held = this.held;
    this.held = [];
    const groups = new Map<BatchTarget, Held[]>();
    for (const h of held) {
      // Only plain entity query fetches are merged; ftv1 trace requests (`http` set) keep their own.
      const mergeable = !h.options.request.http && typeof h.options.request.query === 'string' && entityFetchShape(h.options.request.query) !== null;
      if (!mergeable) { this.sendOne(h); continue; }
      const group = groups.get(h.target);
      if (group) group.push(h);
      else groups.set(h.target, [h]);
    }
    for (const group of groups.values()) {
      let chunk: Held[] = [];
      let chars = 0;
      const send = () => {
        if (chunk.length === 1) this.sendOne(chunk[0]!);
        else if (chunk.length > 1) this.sendMerged(chunk);
        chunk = [];
        chars = 0;
      };
      for (const h of group) {
        const size = h.options.request.query!.length;
        if (chunk.length && (chunk.length >= MAX_FETCHES_PER_REQUEST || chars + size > MAX_MERGED_CHARS)) send();
        chunk.push(h);
        chars += size;
      }
      send();
    }
  }

  private track<T>(p: Promise<T>): Promise<T> {
    this.inFlight++;
    return p.finally(() => {
      this.inFlight--;
      this.scheduleCheck();
    });
  }

  private sendOne(h: Held): void {
    this.track(h.target.processOne(h.options)).then(h.resolve, h.reject);
  }

  private sendMerged(chunk: Held[]): void {
    const document = mergeEntityFetches(chunk.map((h) => h.options.request.query!));
    if (!document) { for (const h of chunk) this.sendOne(h); return; }
    const variables: Record<string, unknown> = {};
    chunk.forEach((h, i) => {
      const { [REPRESENTATIONS]: representations, ...rest } = h.options.request.variables ?? {};
      Object.assign(variables, rest);
      variables[representationsOf(i)] = representations;
    });
    const first = chunk[0]!.options;
    const options = {
      ...first,
      request: { query: document.text, operationName: document.operationName, variables },
      document: undefined,
    } as ProcessOptions;
    const resend = () => {
      if (this.telemetry) fetchBatching.inc({ result: 'fallback' }, chunk.length);
      for (const h of chunk) this.sendOne(h);
    };
    this.track(chunk[0]!.target.processOne(options)).then(
      (response) => {
        const parts = splitMergedResponse(response, chunk.length);
        if (!parts) return resend();
        if (this.telemetry) fetchBatching.inc({ result: 'merged' }, chunk.length);
        chunk.forEach((h, i) => h.resolve(parts[i]!));
      },
      // Whatever failed (a subgraph limit on the merged document, an HTTP error...), each fetch
      // gets the answer a request of its own gets.
      resend,
    );
  }
}

/** The batcher of each operation being executed with batching on, keyed by its request context. */
export const operationBatchers = new WeakMap<object, OperationFetchBatcher>();
