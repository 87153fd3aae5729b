/**
 * Planning and completing federated subscription events.
 *
 * `@apollo/query-planner` plans a subscription as `SubscriptionNode { primary: FetchNode, rest? }`:
 * the primary is the subscription field on its owning subgraph (run over graphql-ws by the caller of
 * this module), `rest` the entity fetches that complete fields owned by other subgraphs. For each
 * event we run `rest` with @apollo/gateway's own `executeQueryPlan`, so entity fetches, `requires`
 * representations, rewrites, error paths and result shaping behave exactly as for queries:
 * @apollo/gateway has no API for an initial result, so the plan executed is
 * `Sequence [ primary', rest ]` where `primary'` is the primary fetch re-pointed at an in-memory
 * data source answering the event itself. No subgraph is asked twice for the event.
 */
import type { DocumentNode, ExecutionResult, GraphQLError, GraphQLFormattedError, GraphQLSchema } from 'graphql';
import { buildOperationContext, executeQueryPlan, type GraphQLDataSource, type ServiceMap } from '@apollo/gateway';
import { operationFromDocument, Supergraph, type Schema } from '@apollo/federation-internals';
import { QueryPlanner, type FetchNode, type PlanNode, type QueryPlan } from '@apollo/query-planner';
import type { Logger } from '@imagy/platform/logger';
import type { GatewayContext } from '../auth';
import { supergraphForGateway } from '../authz';

export interface SubscriptionPlan {
  primary: FetchNode;
  /** The plan executed per event: the primary answered from memory, then `rest`. */
  perEvent: QueryPlan;
  /** Service name under which the event is answered in `perEvent`. */
  eventService: string;
}

const MAX_CACHED_PLANS = 1000;

/** The parsed operation @apollo/gateway executes against; the same for every event of a subscription. */
export type OperationContext = ReturnType<typeof buildOperationContext>;

export class FederatedSubscriptions {
  readonly apiSchema: Schema;
  readonly apiGraphQLSchema: GraphQLSchema;
  readonly supergraphSchema: GraphQLSchema;
  private readonly planner: QueryPlanner;
  private readonly plans = new Map<string, SubscriptionPlan>();

  constructor(supergraphSdl: string, private readonly dataSources: ServiceMap) {
    const supergraph = Supergraph.build(supergraphForGateway(supergraphSdl));
    this.apiSchema = supergraph.apiSchema();
    this.apiGraphQLSchema = this.apiSchema.toGraphQLJSSchema();
    this.supergraphSchema = supergraph.schema.toGraphQLJSSchema();
    this.planner = new QueryPlanner(supergraph);
  }

  /** Plans (cached by `cacheKey`) a validated subscription document. */
  plan(document: DocumentNode, operationName: string | undefined, cacheKey: string): SubscriptionPlan {
    const hit = this.plans.get(cacheKey);
    if (hit) {
      // Refresh recency (Map keeps insertion order: the first key is the least recently used).
      this.plans.delete(cacheKey);
      this.plans.set(cacheKey, hit);
      return hit;
    }
    const operation = operationFromDocument(this.apiSchema, document, { operationName });
    const queryPlan = this.planner.buildQueryPlan(operation);
    const node = queryPlan.node;
    if (!node || node.kind !== 'Subscription') throw new Error('The operation did not plan as a subscription');
    const eventService = planUses(node.rest, node.primary.serviceName) ? `${node.primary.serviceName}#subscription` : node.primary.serviceName;
    const primary: FetchNode = { ...node.primary, serviceName: eventService };
    const plan: SubscriptionPlan = {
      primary: node.primary,
      eventService,
      perEvent: { kind: 'QueryPlan', node: node.rest ? { kind: 'Sequence', nodes: [primary, node.rest] } : primary },
    };
    if (this.plans.size >= MAX_CACHED_PLANS) this.plans.delete(this.plans.keys().next().value!);
    this.plans.set(cacheKey, plan);
    return plan;
  }

  /** Built once per subscription (not per event) and passed to complete(). */
  operationContext(document: DocumentNode, operationName: string | undefined): OperationContext {
    return buildOperationContext({ schema: this.apiGraphQLSchema, operationDocument: document, operationName });
  }

  /** Completes one event of the primary subscription into the client's result. */
  async complete(
    plan: SubscriptionPlan,
    event: { data?: Record<string, unknown> | null; errors?: readonly GraphQLFormattedError[] },
    request: { document: DocumentNode; operationName?: string; variables: Record<string, unknown>; context: GatewayContext; log: Logger; operationContext?: OperationContext },
  ): Promise<ExecutionResult> {
    const eventSource: GraphQLDataSource = {
      process: async () => ({ data: event.data ?? null, errors: event.errors?.length ? [...event.errors] : undefined }),
    };
    const serviceMap: ServiceMap = { ...this.dataSources, [plan.eventService]: eventSource };
    const operationContext = request.operationContext ?? this.operationContext(request.document, request.operationName);
    const requestContext = {
      logger: request.log,
      request: { operationName: request.operationName, variables: request.variables },
      document: request.document,
      operationName: request.operationName ?? null,
      context: request.context,
      metrics: {},
      schema: this.apiGraphQLSchema,
    };
    const result = await executeQueryPlan(
      plan.perEvent, serviceMap, requestContext as unknown as Parameters<typeof executeQueryPlan>[2],
      operationContext, this.supergraphSchema, this.apiSchema,
    );
    return { data: result.data as Record<string, unknown> | null | undefined, errors: result.errors as GraphQLError[] | undefined };
  }
}

function planUses(node: PlanNode | undefined, service: string): boolean {
  if (!node) return false;
  switch (node.kind) {
    case 'Fetch': return node.serviceName === service;
    case 'Sequence':
    case 'Parallel': return node.nodes.some((n) => planUses(n, service));
    case 'Flatten': return planUses(node.node, service);
    case 'Condition': return planUses(node.ifClause, service) || planUses(node.elseClause, service);
    case 'Defer': return planUses(node.primary.node, service) || node.deferred.some((d) => planUses(d.node, service));
    default: return false;
  }
}
