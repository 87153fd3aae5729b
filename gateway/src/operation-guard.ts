/**
 * The operation guard: an Apollo Server plugin that runs, for every operation (each item of a
 * batch too), before anything is planned or fetched:
 *
 *  1. `requestDidStart` (before Apollo Server reads the query): persisted queries and the safelist
 *     (persisted-queries.ts) turn `extensions.persistedQuery` into a query text, then the limits
 *     that depend on the text only (tokens, depth, aliases, root fields, repeated fields) are
 *     checked on it, before Apollo Server validates it.
 *  2. `didResolveOperation` (after parsing and validation, before execution): the cost limit
 *     with the variables (limits.ts); then an APQ registration is stored (only operations
 *     that parse, validate and pass the limits are cached).
 *
 * Apollo Server's own APQ is turned off (`persistedQueries: false`): it answers a wrong hash with
 * an error without a code, and the safelist must be looked up first. A refusal decided in step 1
 * swaps the query for `{ __typename }` and throws the refusal in step 2, where Apollo Server turns a
 * plugin error into a normal GraphQL error response (its HTTP status, `willSendResponse` hooks).
 *
 * Authorization directives are applied later, in the gateway executor (authz.ts), because the
 * rewritten document must reach the query planner.
 */
import type { RequestHandler } from 'express';
import { GraphQLError } from 'graphql';
import type { ApolloServerPlugin } from '@apollo/server';
import type { GatewayContext } from './auth';
import { AcceptedSources, checkShape, checkSource, limitError, measureOperation, slicingArgumentError, type CostDirectives, type LimitViolation, type OperationLimits } from './limits';
import { rejectedOperations } from './operation-metrics';
import type { PersistedQueries } from './persisted-queries';

const REFUSED_PLACEHOLDER = '{ __typename }';

export interface OperationGuardOptions {
  persistedQueries: PersistedQueries;
  limits: OperationLimits;
  /** The supergraph's `@cost`/`@listSize` (limits.ts `supergraphCosts`). */
  costs?: CostDirectives;
}

export function operationGuardPlugin(options: OperationGuardOptions): ApolloServerPlugin<GatewayContext> {
  const { persistedQueries, limits, costs } = options;
  const accepted = new AcceptedSources();
  return {
    async contextCreationDidFail({ error }) {
      if (error instanceof GraphQLError && error.extensions.code === 'UNAUTHENTICATED') {
        rejectedOperations.inc({ reason: 'authn', detail: 'UNAUTHENTICATED' });
      }
    },

    async requestDidStart(rc) {
      const request = rc.request;
      let refusal: GraphQLError | null = null;
      let register: { id: string; query: string } | null = null;

      const refuse = (error: GraphQLError, reason: string, detail: string) => {
        refusal = error;
        rejectedOperations.inc({ reason, detail });
        rc.contextValue.log.info({ reason, detail, operation_name: request.operationName }, 'operation refused');
        request.query = REFUSED_PLACEHOLDER;
        request.operationName = undefined;
      };

      const resolution = persistedQueries.resolve(request, rc.contextValue.auth.kind === 'apiKey');
      if (request.extensions && 'persistedQuery' in request.extensions) {
        const { persistedQuery: _handled, ...rest } = request.extensions;
        request.extensions = rest;
      }
      if (resolution.kind === 'refused') {
        const reason = resolution.code === 'PERSISTED_QUERY_NOT_FOUND' || resolution.code === 'PERSISTED_QUERY_HASH_MISMATCH' ? 'apq' : 'safelist';
        refuse(resolution.error, reason, resolution.code);
      } else {
        if (resolution.kind === 'resolved') {
          request.query = resolution.query;
          if (resolution.register) register = { id: resolution.register, query: resolution.query };
        }
        if (typeof request.query === 'string') {
          // Tokens, depth, aliases, root fields, repeated fields: on the text, before validation.
          const violation = checkSource(request.query, limits, request.operationName, accepted);
          if (violation) refuseLimit(violation);
        }
      }

      function refuseLimit(v: LimitViolation) {
        refuse(limitError(v), 'limits', v.limit);
      }

      return {
        async didResolveOperation(ctx) {
          if (refusal) throw refusal;
          if (!ctx.operation) return;
          const shape = measureOperation(ctx.schema, ctx.document, ctx.operation, ctx.request.variables, costs);
          const violation = checkShape(shape, limits);
          if (violation) {
            rejectedOperations.inc({ reason: 'limits', detail: violation.limit });
            ctx.contextValue.log.info({ reason: 'limits', detail: violation.limit, operation_name: ctx.operationName, ...shape }, 'operation refused');
            throw limitError(violation);
          }
          if (shape.slicingError) throw slicingArgumentError(shape.slicingError);
          if (register) persistedQueries.apq.set(register.id, register.query);
        },
      };
    },
  };
}

/** Express middleware before Apollo: an array body longer than `maxBatchSize` is refused with 400. */
export function batchSizeLimit(maxBatchSize: number): RequestHandler {
  return (req, res, next) => {
    const body: unknown = req.body;
    if (!Array.isArray(body) || body.length <= maxBatchSize) return next();
    rejectedOperations.inc({ reason: 'limits', detail: 'maxBatchSize' });
    const error = limitError({ limit: 'maxBatchSize', max: maxBatchSize, actual: body.length });
    const { http: _http, ...extensions } = error.extensions;
    res.status(400).json({ errors: [{ message: error.message, extensions }] });
  };
}
