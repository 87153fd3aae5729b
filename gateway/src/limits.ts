/**
 * Operation limits at the gateway: the platform's analyser (@imagy/platform/server,
 * operation-limits.ts, where the limits, the cost model and their defaults are described), with
 * the gateway's environment variables and the supergraph's `@cost`/`@listSize` directives.
 * Subgraphs run the same analyser (startSubgraph), so an operation refused here is refused there
 * too when sent straight to a subgraph.
 *
 *  limit              default  env
 *  maxTokens          2000     GATEWAY_MAX_TOKENS
 *  maxDepth           15       GATEWAY_MAX_DEPTH
 *  maxAliases         30       GATEWAY_MAX_ALIASES
 *  maxRootFields      20       GATEWAY_MAX_ROOT_FIELDS
 *  maxRepeatedFields  20       GATEWAY_MAX_REPEATED_FIELDS
 *  maxCost            5000     GATEWAY_MAX_COST
 *  maxBatchSize       10       GATEWAY_MAX_BATCH_SIZE
 *
 * The API schema the gateway validates against has no `@cost`/`@listSize` (composition keeps them
 * in the supergraph, the API schema drops them), so they are read from the supergraph SDL once
 * (`supergraphCosts`) and passed to `measureOperation`.
 */
import type { DocumentNode, GraphQLSchema, OperationDefinitionNode } from 'graphql';
import {
  DEFAULT_OPERATION_LIMITS,
  costDirectivesOf,
  measureOperation as measure,
  operationLimitsFromEnv,
  type CostDirectives,
  type OperationLimits,
  type OperationShape,
} from '@imagy/platform/server';

export {
  checkShape,
  checkSource,
  countTokens,
  limitError,
  slicingArgumentError,
  AcceptedSources,
  type CostDirectives,
  type LimitName,
  type LimitViolation,
  type OperationLimits,
  type OperationShape,
} from '@imagy/platform/server';

export const DEFAULT_LIMITS: Readonly<OperationLimits> = DEFAULT_OPERATION_LIMITS;

/** Defaults overridden by `GATEWAY_MAX_*`; a value that is not a positive integer fails startup. */
export function limitsFromEnv(env: NodeJS.ProcessEnv = process.env): OperationLimits {
  return operationLimitsFromEnv(['GATEWAY_'], env);
}

/** `@cost`/`@listSize` of a supergraph (or of any SDL). */
export function supergraphCosts(supergraphSdl: string): CostDirectives {
  return costDirectivesOf(supergraphSdl);
}

/** Depth, aliases, root fields, repeated fields and cost of a validated operation. */
export function measureOperation(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown> | undefined,
  costs?: CostDirectives,
): OperationShape {
  return measure(schema, document, operation, variables, { costs });
}
