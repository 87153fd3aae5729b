/**
 * Typed errors that services throw and the server maps to GraphQL error codes. Expected business
 * failures are returned as `userErrors` in payloads instead; these are for authn/authz, missing
 * resources and invalid input that a caller must fix.
 */
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { AuthError, ForbiddenError } from '../auth/errors';
import { unwrapResolverError } from '@apollo/server/errors';
import { logger } from '../logger';

export class NotFoundError extends Error {
  constructor(message = 'Not found') { super(message); this.name = 'NotFoundError'; }
}
export class BadInputError extends Error {
  constructor(message: string, public readonly field?: string) { super(message); this.name = 'BadInputError'; }
}
export class ConflictError extends Error {
  constructor(message: string) { super(message); this.name = 'ConflictError'; }
}
export { ForbiddenError, AuthError };

export function codeOf(error: unknown): string | null {
  if (error instanceof AuthError) return 'UNAUTHENTICATED';
  if (error instanceof ForbiddenError) return 'FORBIDDEN';
  if (error instanceof NotFoundError) return 'NOT_FOUND';
  if (error instanceof BadInputError) return 'BAD_USER_INPUT';
  if (error instanceof ConflictError) return 'CONFLICT';
  return null;
}

/** Apollo `formatError`: typed errors keep their message; unexpected ones are logged and hidden. */
export function formatError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  const original = unwrapResolverError(error);
  const code = codeOf(original);
  if (code) {
    const extensions: Record<string, unknown> = { code };
    if (original instanceof BadInputError && original.field) extensions.field = original.field;
    return { message: (original as Error).message, path: formatted.path, locations: formatted.locations, extensions };
  }
  const existing = formatted.extensions?.code;
  if (existing && existing !== 'INTERNAL_SERVER_ERROR') return formatted;
  logger.error({ err: original }, 'unexpected resolver error');
  return { message: 'Internal server error', path: formatted.path, extensions: { code: 'INTERNAL_SERVER_ERROR' } };
}

export function unauthenticated(message = 'Authentication required'): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } } });
}
