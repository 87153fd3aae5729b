/**
 * prepareOperation(): the one sequence of checks every operation goes through before anything is
 * planned or fetched, over HTTP (each item of a batch too) and over graphql-ws alike:
 *
 *   1. resolvePersistedQuery   safelist and APQ (persisted-queries.ts): the query text to run, or a refusal
 *   2. enforceTokenLimit       lexer tokens of that text, before it is parsed
 *   3. parse and validate      against the API schema (handed in, see below)
 *      coerceVariables         the variables against the operation's definitions, at most
 *                              MAX_VARIABLE_ERRORS errors (BAD_USER_INPUT); @apollo/gateway's own
 *                              coercion collects every error, so a list of 20 000 wrong items cost
 *                              seconds of CPU and an answer of 20 000 errors
 *   4. enforceOperationLimits  depth, aliases, root fields, cost (limits.ts)
 *      limitCredentialFields   at most one password-checking field (login) per HTTP request, batch included
 *   5. rememberApqRegistration an APQ registration is stored only once steps 1-4 passed
 *   6. authorizeCaller         authorization directives (authz.ts): unauthorized fields removed,
 *                              FORBIDDEN errors; the rewritten document is what gets planned
 *
 * Step 3 is the only one the two paths do differently, so it is a parameter: over HTTP Apollo
 * Server parses and validates (it keeps the parsed-and-validated document cache) and the operation
 * guard (operation-guard.ts) hands its document in; over graphql-ws `validatedDocument()` here does
 * it. Every other rule lives in this file, so a rule added here runs on both paths.
 *
 * Refusals are counted in `imagy_gateway_rejected_operations_total{reason,detail}` and logged with
 * the request id, here, once.
 */
import {
  GraphQLError, getOperationAST, getVariableValues, Kind, parse, validate,
  type DocumentNode, type FragmentDefinitionNode, type GraphQLSchema, type OperationDefinitionNode,
} from 'graphql';
import { rootFieldCount } from '@imagy/platform/graphql';
import type { GatewayContext } from './auth';
import { authorizeOperation, authzRulesFromSupergraph, callerOf, UNCHANGED, type AuthorizedOperation, type AuthzRules, type Caller } from './authz';
import { AcceptedSources, checkShape, checkSource, measureOperation, slicingArgumentError, supergraphCosts, type CostDirectives, type LimitViolation, type OperationLimits } from './limits';
import { rejectedOperations } from './operation-metrics';
import type { PersistedQueries } from './persisted-queries';
import { forbiddenErrors, localizedLimitError, localizedMessage } from './i18n';

export interface OperationRequest {
  query?: string | null;
  operationName?: string | null;
  variables?: Record<string, unknown> | null;
  extensions?: Record<string, unknown> | null;
}

/** A parsed document that passed validation against `schema` (the API schema). */
export interface ValidDocument {
  schema: GraphQLSchema;
  document: DocumentNode;
  /** The operation `operationName` selects; absent when none matches (execution reports it). */
  operation: OperationDefinitionNode | null | undefined;
}

/** Step 3: errors when the text does not parse or validate. */
export type ParseAndValidate = (query: string | undefined) => Promise<ValidDocument | { errors: readonly GraphQLError[] }>;

export type RefusalReason = 'safelist' | 'apq' | 'limits' | 'invalid' | 'credentials';

/**
 * Root mutation fields that check a credential (a password, or an authorization code and PKCE verifier
 * for completeOidcLogin). Identity refuses two in one operation; a batch of ten operations of one
 * each would still be ten guesses in one request, so the gateway counts them across the request (the
 * batch shares one context).
 */
export const CREDENTIAL_FIELDS: readonly string[] = ['login', 'completeOidcLogin'];
export const MAX_CREDENTIAL_FIELDS_PER_REQUEST = 1;

export interface RefusedOperation {
  kind: 'refused';
  reason: RefusalReason;
  errors: readonly GraphQLError[];
}

export interface PreparedOperation {
  kind: 'prepared';
  query: string;
  schema: GraphQLSchema;
  document: DocumentNode;
  operation: OperationDefinitionNode | null | undefined;
  /**
   * What the caller may see: `unchanged`, or the rewritten document (null when nothing is left) with
   * the removals to null out in results.
   */
  authz: AuthorizedOperation;
  /** FORBIDDEN errors for the removed fields, to add to every result (empty when nothing was removed). */
  forbidden: GraphQLError[];
}

export interface OperationPipelineOptions {
  supergraphSdl: string;
  persistedQueries: PersistedQueries;
  limits: OperationLimits;
}

/** Authorization verdicts kept per document (the same document object for the same text). */
const MAX_VERDICTS_PER_DOCUMENT = 64;

/** The objects the steps need, built once per gateway (startGateway). */
export class OperationPipeline {
  readonly persistedQueries: PersistedQueries;
  readonly limits: OperationLimits;
  /** The supergraph's `@cost`/`@listSize` (the API schema the gateway validates against drops them). */
  costs: CostDirectives;
  /** Texts already measured within the limits (checkSource skips them). */
  readonly accepted = new AcceptedSources();
  private rules: AuthzRules;
  private verdicts = new WeakMap<DocumentNode, Map<string, AuthorizedOperation>>();
  /**
   * HTTP only: what prepareOperation decided for a request, from the operation guard (plugin) to
   * the executor (authz.ts), keyed by the request's `metrics` object, which Apollo Server creates
   * per operation (batch items included) and hands unchanged to the gateway executor.
   */
  readonly preparedByRequest = new WeakMap<object, PreparedOperation>();

  constructor(options: OperationPipelineOptions) {
    this.persistedQueries = options.persistedQueries;
    this.limits = options.limits;
    this.rules = authzRulesFromSupergraph(options.supergraphSdl);
    this.costs = supergraphCosts(options.supergraphSdl);
  }

  /** The supergraph changed: new authorization rules, forget verdicts. */
  reload(supergraphSdl: string): void {
    this.rules = authzRulesFromSupergraph(supergraphSdl);
    this.costs = supergraphCosts(supergraphSdl);
    this.verdicts = new WeakMap();
  }

  /** Pure and memoized per document, operation name and caller rights. */
  authorize(schema: GraphQLSchema, document: DocumentNode, operationName: string | null | undefined, caller: Caller): AuthorizedOperation {
    if (this.rules.fields.size === 0 && this.rules.types.size === 0) return UNCHANGED;
    const key = `${operationName ?? ''}#${callerKey(caller)}`;
    let perDocument = this.verdicts.get(document);
    const hit = perDocument?.get(key);
    if (hit) return hit;
    const verdict = authorizeOperation(schema, this.rules, caller, document, operationName);
    if (!perDocument) this.verdicts.set(document, (perDocument = new Map()));
    if (perDocument.size >= MAX_VERDICTS_PER_DOCUMENT) perDocument.clear();
    perDocument.set(key, verdict);
    return verdict;
  }
}

const callerKey = (c: Caller) =>
  `${c.authenticated ? 1 : 0}|${[...c.scopes].sort().join(' ')}|${[...c.roles].sort().join(' ')}`;

export async function prepareOperation(
  pipeline: OperationPipeline,
  request: OperationRequest,
  context: GatewayContext,
  parseAndValidate: ParseAndValidate,
): Promise<PreparedOperation | RefusedOperation> {
  const refuse = (reason: RefusalReason, detail: string, errors: readonly GraphQLError[], extra: object = {}): RefusedOperation => {
    rejectedOperations.inc({ reason, detail });
    context.log.info({ reason, detail, operation_name: request.operationName ?? undefined, ...extra }, 'operation refused');
    return { kind: 'refused', reason, errors };
  };

  const source = resolvePersistedQuery(pipeline, request, context);
  if (source.kind === 'refused') return refuse(source.reason, source.code, [source.error]);

  const tooManyTokens = enforceSourceLimits(source.query, request.operationName, pipeline);
  if (tooManyTokens) return refuse('limits', tooManyTokens.limit, [localizedLimitError(tooManyTokens, context.locale)]);

  const parsed = await parseAndValidate(source.query);
  // Not counted as a refusal by the gateway's rules: the caller sent something that is not GraphQL
  // of this schema (Apollo Server's own GRAPHQL_PARSE_FAILED / GRAPHQL_VALIDATION_FAILED).
  if ('errors' in parsed) return { kind: 'refused', reason: 'invalid', errors: parsed.errors };
  const { schema, document, operation } = parsed;

  const badVariables = operation ? coerceVariables(schema, operation, request.variables) : null;
  if (badVariables) return { kind: 'refused', reason: 'invalid', errors: badVariables };

  const overLimit = operation ? enforceOperationLimits(schema, document, operation, request.variables, pipeline) : null;
  if (overLimit?.violation) return refuse('limits', overLimit.violation.limit, [localizedLimitError(overLimit.violation, context.locale)], overLimit.shape);
  if (overLimit?.slicingError) return refuse('limits', 'slicingArgument', [slicingArgumentError(overLimit.slicingError)], overLimit.shape);

  const credentialRefusal = operation ? limitCredentialFields(document, operation, context) : null;
  if (credentialRefusal) return refuse('credentials', 'ONE_LOGIN_PER_REQUEST', [credentialRefusal]);

  if (source.register) rememberApqRegistration(pipeline, source.register, source.query!);

  const authz = operation ? authorizeCaller(pipeline, schema, document, request.operationName, context) : UNCHANGED;
  return {
    kind: 'prepared',
    query: source.query ?? '',
    schema,
    document,
    operation,
    authz,
    forbidden: authz.unchanged ? [] : forbiddenErrors(authz.errors, context.locale),
  };
}

/** Step 4b: counts the request's credential fields on its context (shared by a batch's operations). */
function limitCredentialFields(document: DocumentNode, operation: OperationDefinitionNode, context: GatewayContext): GraphQLError | null {
  if (operation.operation !== 'mutation') return null;
  const fragments: Record<string, FragmentDefinitionNode> = {};
  for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments[d.name.value] = d;
  const fields = CREDENTIAL_FIELDS.reduce((n, name) => n + rootFieldCount(operation, fragments, name), 0);
  if (fields === 0) return null;
  context.credentialFields.count += fields;
  if (context.credentialFields.count <= MAX_CREDENTIAL_FIELDS_PER_REQUEST) return null;
  const english = 'A request may carry at most one login, batches included';
  return new GraphQLError(localizedMessage(context.locale, 'BAD_USER_INPUT', english, {}, 'ONE_LOGIN_PER_REQUEST'), {
    extensions: { code: 'BAD_USER_INPUT', reason: 'ONE_LOGIN_PER_REQUEST', field: 'login', http: { status: 400 } },
  });
}

type ResolvedSource =
  | { kind: 'source'; query: string | undefined; register?: string }
  | { kind: 'refused'; reason: 'safelist' | 'apq'; code: string; error: GraphQLError };

/** Step 1: API-key callers run only safelisted operations by id; others may use APQ or send a body. */
function resolvePersistedQuery(pipeline: OperationPipeline, request: OperationRequest, context: GatewayContext): ResolvedSource {
  const resolution = pipeline.persistedQueries.resolve(
    { query: request.query ?? undefined, extensions: request.extensions ?? undefined },
    context.auth.kind === 'apiKey',
    context.locale,
  );
  if (resolution.kind === 'refused') {
    const apq = resolution.code === 'PERSISTED_QUERY_NOT_FOUND' || resolution.code === 'PERSISTED_QUERY_HASH_MISMATCH';
    return { kind: 'refused', reason: apq ? 'apq' : 'safelist', code: resolution.code, error: resolution.error };
  }
  if (resolution.kind === 'resolved') return { kind: 'source', query: resolution.query, register: resolution.register };
  return { kind: 'source', query: request.query ?? undefined };
}

/** At most this many variable errors are reported (graphql-js's execute stops at 50). */
export const MAX_VARIABLE_ERRORS = 20;

/**
 * Step 3b: the variables coerced as execution will coerce them (the scalars' parseValue included),
 * stopping at MAX_VARIABLE_ERRORS. Every error is BAD_USER_INPUT (HTTP 400), the one that says the
 * limit was reached too; graphql-js names the variable and the path inside it in each message.
 * Null when the variables are valid.
 */
export function coerceVariables(
  schema: GraphQLSchema,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown> | null | undefined,
): GraphQLError[] | null {
  const definitions = operation.variableDefinitions ?? [];
  if (definitions.length === 0) return null;
  const { errors } = getVariableValues(schema, definitions, variables ?? {}, { maxErrors: MAX_VARIABLE_ERRORS });
  if (!errors) return null;
  return errors.map((e) => new GraphQLError(e.message, {
    nodes: e.nodes,
    originalError: e.originalError,
    extensions: { ...e.extensions, code: 'BAD_USER_INPUT', http: { status: 400 } },
  }));
}

/**
 * Step 2: on the text, before it is validated: tokens (counting stops at the limit, so an enormous
 * document costs almost nothing), depth, aliases, root fields, repeated fields.
 */
function enforceSourceLimits(query: string | undefined, operationName: string | null | undefined, pipeline: OperationPipeline): LimitViolation | null {
  if (typeof query !== 'string') return null;
  return checkSource(query, pipeline.limits, operationName ?? undefined, pipeline.accepted);
}

/** Step 4: the shape of the validated operation (fragments expanded) against the limits. */
function enforceOperationLimits(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown> | null | undefined,
  pipeline: OperationPipeline,
): { violation: LimitViolation | null; slicingError: NonNullable<ReturnType<typeof measureOperation>['slicingError']> | null; shape: object } | null {
  const shape = measureOperation(schema, document, operation, variables ?? undefined, pipeline.costs);
  const violation = checkShape(shape, pipeline.limits);
  return violation || shape.slicingError ? { violation, slicingError: shape.slicingError ?? null, shape } : null;
}

/** Step 5: APQ stores only what parsed, validated and passed the limits. */
function rememberApqRegistration(pipeline: OperationPipeline, id: string, query: string): void {
  pipeline.persistedQueries.apq.set(id, query);
}

/** Step 6: the caller's rights against the authorization directives (counted when anything was removed). */
function authorizeCaller(
  pipeline: OperationPipeline,
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  context: GatewayContext,
): AuthorizedOperation {
  const verdict = pipeline.authorize(schema, document, operationName, callerOf(context.auth));
  if (!verdict.unchanged) {
    rejectedOperations.inc({ reason: 'authz', detail: 'FORBIDDEN' });
    context.log.info({ removed: verdict.errors.map((e) => e.path.join('.')) }, 'unauthorized fields removed from operation');
  }
  return verdict;
}

/** Bounded cache of validated documents for the graphql-ws path (HTTP uses Apollo Server's). */
const MAX_DOCUMENTS = 1000;

/**
 * Step 3 for graphql-ws: parse and validate against the API schema, remembering the result per
 * text (the same document object then also hits the authorization memo).
 */
export function validatedDocument(schema: GraphQLSchema): (query: string | undefined, operationName: string | null | undefined) => ValidDocument | { errors: readonly GraphQLError[] } {
  const cache = new Map<string, DocumentNode | readonly GraphQLError[]>();
  return (query, operationName) => {
    const text = query ?? '';
    let entry = cache.get(text);
    if (entry === undefined) {
      try {
        const document = parse(text);
        const errors = validate(schema, document);
        entry = errors.length ? errors : document;
      } catch (e) {
        entry = [e instanceof GraphQLError ? e : new GraphQLError('Syntax error', { extensions: { code: 'GRAPHQL_PARSE_FAILED' } })];
      }
      if (cache.size >= MAX_DOCUMENTS) cache.delete(cache.keys().next().value!);
      cache.set(text, entry);
    }
    if (Array.isArray(entry)) return { errors: entry as readonly GraphQLError[] };
    const document = entry as DocumentNode;
    return { schema, document, operation: getOperationAST(document, operationName ?? undefined) };
  };
}
