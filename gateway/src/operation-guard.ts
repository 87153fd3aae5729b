/**
 * The operation guard: the HTTP side of prepareOperation() (pipeline.ts), as an Apollo Server
 * plugin, for every operation (each item of a batch too), before anything is planned or fetched.
 *
 * Apollo Server parses and validates the operation itself (keeping its document cache), so the
 * pipeline is started in `requestDidStart` and waits, at its parse step, for Apollo Server's
 * document:
 *  1. `requestDidStart`: the pipeline runs up to parsing (safelist/APQ, token limit). Its query
 *     text replaces the request's (an operation sent by id); a refusal swaps the query for
 *     `{ __typename }` and is thrown in step 2, where Apollo Server turns a plugin error into a
 *     normal GraphQL error response (its HTTP status, `willSendResponse` hooks).
 *  2. `didResolveOperation` (after Apollo Server parsed and validated): the document is handed to
 *     the pipeline, which goes on (operation limits, APQ registration, authorization); a refusal is
 *     thrown, a prepared operation is left for the executor (authz.ts), which plans what the caller
 *     may see.
 *
 * Apollo Server's own APQ is turned off (`persistedQueries: false`): it answers a wrong hash with an
 * error without a code, and the safelist must be looked up first.
 */
import type { RequestHandler } from 'express';
import { GraphQLError } from 'graphql';
import type { ApolloServerPlugin } from '@apollo/server';
import type { GatewayContext } from './auth';
import { type LimitViolation } from './limits';
import { rejectedOperations } from './operation-metrics';
import { prepareOperation, type OperationPipeline, type PreparedOperation, type RefusedOperation, type ValidDocument } from './pipeline';
import { localeFrom, localizedLimitError } from './i18n';

const REFUSED_PLACEHOLDER = '{ __typename }';

export function operationGuardPlugin(pipeline: OperationPipeline): ApolloServerPlugin<GatewayContext> {
  return {
    async contextCreationDidFail({ error }) {
      if (error instanceof GraphQLError && error.extensions.code === 'UNAUTHENTICATED') {
        rejectedOperations.inc({ reason: 'authn', detail: 'UNAUTHENTICATED' });
      }
    },

    async requestDidStart(rc) {
      const request = rc.request;
      let handDocument!: (parsed: ValidDocument | { errors: readonly GraphQLError[] }) => void;
      const apolloDocument = new Promise<ValidDocument | { errors: readonly GraphQLError[] }>((resolve) => { handDocument = resolve; });
      let atParseStep!: () => void;
      const reachedParseStep = new Promise<void>((resolve) => { atParseStep = resolve; });

      const outcome = prepareOperation(pipeline, request, rc.contextValue, (query) => {
        if (query !== undefined) request.query = query;
        atParseStep();
        return apolloDocument;
      });
      const early = await Promise.race([reachedParseStep.then(() => null), outcome]);
      // Apollo Server must not see the extension: it would answer with its own APQ error.
      if (request.extensions && 'persistedQuery' in request.extensions) {
        const { persistedQuery: _handled, ...rest } = request.extensions;
        request.extensions = rest;
      }
      let refusal: RefusedOperation | null = early?.kind === 'refused' ? early : null;
      if (refusal) {
        request.query = REFUSED_PLACEHOLDER;
        request.operationName = undefined;
      }

      return {
        async didResolveOperation(ctx) {
          if (refusal) throw refusal.errors[0];
          handDocument({ schema: ctx.schema, document: ctx.document, operation: ctx.operation });
          const result: PreparedOperation | RefusedOperation = await outcome;
          if (result.kind === 'refused') {
            refusal = result;
            throw result.errors[0];
          }
          pipeline.preparedByRequest.set(ctx.metrics, result);
        },
        async willSendResponse() {
          // Apollo Server answered before resolving an operation (parse or validation errors):
          // the pipeline ends at its parse step.
          handDocument({ errors: [] });
        },
      };
    },
  };
}

/**
 * Express middleware before Apollo: an array body longer than `maxBatchSize` is refused with 400,
 * before any of its operations runs (a batch is one HTTP request, so it is not a pipeline step).
 */
export function batchSizeLimit(maxBatchSize: number): RequestHandler {
  return (req, res, next) => {
    const body: unknown = req.body;
    if (!Array.isArray(body) || body.length <= maxBatchSize) return next();
    rejectedOperations.inc({ reason: 'limits', detail: 'maxBatchSize' });
    const violation: LimitViolation = { limit: 'maxBatchSize', max: maxBatchSize, actual: body.length };
    const error = localizedLimitError(violation, localeFrom(req.headers['accept-language']));
    const { http: _http, ...extensions } = error.extensions;
    res.status(400).json({ errors: [{ message: error.message, extensions }] });
  };
}
