/**
 * The gateway never returns a subgraph's internals to a caller (Apollo Router's
 * `include_subgraph_errors: false`): no subgraph URL, no raw HTML body, no stack trace, no
 * "Maximum call stack size exceeded", no driver message.
 *
 *  - A subgraph error whose code is one of ours (TYPED_CODES: what platform's typed errors map to,
 *    and the limit, safelist and rate-limit codes) keeps its message, path and its detail
 *    extensions (DETAIL_EXTENSIONS); every other extension (stacktrace, exception, response...) is
 *    dropped.
 *  - Any other subgraph error reaches the caller as `INTERNAL_SERVER_ERROR` "Internal server error".
 *  - A subgraph that cannot be reached, times out, or answers something that is not GraphQL (an
 *    HTML 502 from a proxy) is `SUBGRAPH_UNAVAILABLE` "A service is unavailable, try again later".
 *    An HTTP 401/403 with our typed errors in its body keeps the first of them.
 *  - The gateway's own unexpected errors (anything that is not a GraphQLError at its origin) are
 *    masked the same way by `formatGatewayError`, the last step before an answer is written.
 *
 * What was masked is logged (warn) with the request id and the subgraph's name, so an operator can
 * find the real cause from the id the caller quotes (`x-request-id`, echoed on every answer).
 * Messages are in the caller's language (i18n.ts).
 */
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import type { ApolloServerPlugin } from '@apollo/server';
import type { Logger } from '@imagy/platform/logger';
import type { GatewayContext } from './auth';
import { localizedMessage, type Locale } from './i18n';

/** Codes a caller may act on; their messages are written for callers. */
export const TYPED_CODES: ReadonlySet<string> = new Set([
  'UNAUTHENTICATED', 'FORBIDDEN', 'NOT_FOUND', 'BAD_USER_INPUT', 'CONFLICT',
  'OPERATION_LIMIT_EXCEEDED', 'RATE_LIMITED', 'PAYLOAD_TOO_LARGE',
  'PERSISTED_QUERY_NOT_FOUND', 'PERSISTED_QUERY_HASH_MISMATCH', 'PERSISTED_QUERY_NOT_IN_LIST',
  'PERSISTED_QUERY_ID_REQUIRED', 'CANNOT_SEND_PQ_ID_AND_BODY',
  'SUBSCRIPTION_BUFFER_OVERFLOW',
]);

/** Extensions of a typed error that carry details for the caller (everything else is dropped). */
const DETAIL_EXTENSIONS = ['code', 'field', 'limit', 'max', 'actual', 'retryAfter', 'maxBytes'] as const;

export const INTERNAL_MESSAGE = 'Internal server error';
export const UNAVAILABLE_MESSAGE = 'A service is unavailable, try again later';

export interface MaskingContext {
  locale: Locale;
  /** The request's logger (it carries `request_id`). */
  log: Logger;
}

type ErrorLike = Pick<GraphQLFormattedError, 'message' | 'path' | 'extensions'>;

const codeOf = (e: { extensions?: Record<string, unknown> | null } | null | undefined): string | null =>
  typeof e?.extensions?.code === 'string' ? e.extensions.code : null;

function details(extensions: Record<string, unknown> | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of DETAIL_EXTENSIONS) if (extensions?.[key] !== undefined) out[key] = extensions[key];
  return out;
}

/** One error of a subgraph's GraphQL answer, as a caller may see it. */
export function maskSubgraphError(error: ErrorLike, subgraph: string, ctx: MaskingContext): GraphQLFormattedError {
  const code = codeOf(error);
  if (code && TYPED_CODES.has(code)) {
    return { message: error.message, ...(error.path && { path: error.path }), extensions: details(error.extensions) };
  }
  ctx.log.warn({ subgraph, error: { message: error.message, extensions: error.extensions, path: error.path } }, 'subgraph error masked');
  return {
    message: localizedMessage(ctx.locale, 'INTERNAL_SERVER_ERROR', INTERNAL_MESSAGE),
    ...(error.path && { path: error.path }),
    extensions: { code: 'INTERNAL_SERVER_ERROR' },
  };
}

/**
 * A subgraph fetch that failed (thrown by RemoteGraphQLDataSource or the fetcher: connection
 * refused, timeout, non-2xx answer, a body that is not JSON), as one typed error.
 */
export function maskFetchFailure(error: unknown, subgraph: string, ctx: MaskingContext): GraphQLError {
  const response = error instanceof GraphQLError ? (error.extensions.response as { status?: unknown; body?: unknown } | undefined) : undefined;
  const bodyErrors = (response?.body as { errors?: unknown } | undefined)?.errors;
  const typed = Array.isArray(bodyErrors)
    ? (bodyErrors as ErrorLike[]).find((e) => e && typeof e.message === 'string' && TYPED_CODES.has(codeOf(e) ?? ''))
    : undefined;
  if (typed) return new GraphQLError(typed.message, { extensions: details(typed.extensions) });
  ctx.log.warn({
    subgraph,
    status: typeof response?.status === 'number' ? response.status : undefined,
    err: error instanceof Error ? { message: error.message, name: error.name } : String(error),
  }, 'subgraph fetch failed; masked');
  const authCode = error instanceof GraphQLError ? codeOf(error) : null;
  if (authCode === 'UNAUTHENTICATED' || authCode === 'FORBIDDEN') {
    const english = authCode === 'UNAUTHENTICATED' ? 'Authentication required' : 'You are not allowed to do this';
    return new GraphQLError(localizedMessage(ctx.locale, authCode, english), { extensions: { code: authCode } });
  }
  return new GraphQLError(localizedMessage(ctx.locale, 'SUBGRAPH_UNAVAILABLE', UNAVAILABLE_MESSAGE), { extensions: { code: 'SUBGRAPH_UNAVAILABLE' } });
}

/** True when the error did not start as a GraphQLError (a TypeError, a RangeError...): a bug or an internal failure. */
export function hasInternalOrigin(error: unknown): boolean {
  let e: unknown = error;
  for (let depth = 0; e && depth < 8; depth++) {
    if (e instanceof Error && !(e instanceof GraphQLError)) return true;
    e = (e as { originalError?: unknown }).originalError;
  }
  return false;
}

/**
 * Apollo Server's `formatError` at the gateway: the last place an internal detail could leave.
 * An error that did not start as a GraphQLError (a RangeError, a TypeError in the gateway...) or
 * that @apollo/gateway labelled DOWNSTREAM_SERVICE_ERROR is answered as INTERNAL_SERVER_ERROR;
 * stack traces and raw responses are dropped from every error.
 */
export function formatGatewayError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  const code = typeof formatted.extensions?.code === 'string' ? formatted.extensions.code : null;
  if (hasInternalOrigin(error) || code === 'DOWNSTREAM_SERVICE_ERROR') {
    return { message: INTERNAL_MESSAGE, ...(formatted.path && { path: formatted.path }), extensions: { code: 'INTERNAL_SERVER_ERROR' } };
  }
  if (formatted.extensions && ('stacktrace' in formatted.extensions || 'exception' in formatted.extensions || 'response' in formatted.extensions)) {
    const { stacktrace: _s, exception: _e, response: _r, ...extensions } = formatted.extensions;
    return { ...formatted, extensions };
  }
  return formatted;
}

/**
 * Logs, with the request id, every error formatGatewayError will mask, and writes the masked
 * message in the caller's language.
 */
export function errorMaskingPlugin(): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart() {
      return {
        async didEncounterErrors(rc) {
          for (const e of rc.errors) {
            if (hasInternalOrigin(e)) rc.contextValue.log.error({ err: e.originalError ?? e }, 'internal error masked');
          }
        },
        async willSendResponse(rc) {
          const locale = rc.contextValue.locale;
          if (locale === 'en' || rc.response.body.kind !== 'single') return;
          for (const e of rc.response.body.singleResult.errors ?? []) {
            if (e.message === INTERNAL_MESSAGE) (e as { message: string }).message = localizedMessage(locale, 'INTERNAL_SERVER_ERROR', INTERNAL_MESSAGE);
          }
        },
      };
    },
  };
}
