/**
 * Federated GraphQL subscriptions at the gateway, over graphql-ws (`graphql-transport-ws`) on the
 * gateway's own HTTP server and path (`/graphql`), beside the HTTP endpoint.
 *
 * Connection: the token comes in `connectionParams.authorization` ("Bearer ..."), verified at
 * `connection_init` exactly as an HTTP request's (gatewayContext: signature, issuer, audience,
 * expiry, tenant known and active). A refused token closes the socket with 4403; the socket is
 * closed with 4401 when the token expires. No token is an anonymous caller (subgraphs answer it
 * nothing but public fields), as over HTTP.
 *
 * Subscribe: parse, token limit, validate against the API schema, operation limits, authorization
 * directives (unauthorized fields removed, FORBIDDEN errors on every event), plan with
 * @apollo/query-planner (cached). The primary fetch runs as a graphql-ws subscription on the owning
 * subgraph (`ws://` of its routing URL), forwarding the caller's Authorization and a request id in
 * `connectionParams`; one upstream connection per (client connection, subgraph) multiplexes all
 * that client's subscriptions. Each event is completed across subgraphs by the normal entity
 * fetches (federated.ts) and sent as a `next` message.
 *
 * Back-pressure: events wait in a bounded queue per subscription (default 1000); a client that
 * falls further behind gets an `error` SUBSCRIPTION_BUFFER_OVERFLOW and the upstream is stopped.
 * NATS fan-out (one NATS subscription per subject per process) is the subgraphs' job
 * (NatsSubscriptionHub in @imagy/platform/server).
 *
 * Only subscriptions are served over WebSocket; queries and mutations use HTTP.
 */
import crypto from 'node:crypto';
import type http from 'node:http';
import type { Duplex } from 'node:stream';
import WebSocket, { WebSocketServer } from 'ws';
import { createClient, type Client, type Sink } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import {
  GraphQLError, Kind, getOperationAST, getVariableValues, parse, print, validate,
  type DocumentNode, type ExecutionArgs, type ExecutionResult, type GraphQLFormattedError, type OperationDefinitionNode,
} from 'graphql';
import { closeOnExpiry, WS_CLOSE_FORBIDDEN } from '@imagy/platform/server';
import { logger as rootLogger, type Logger } from '@imagy/platform/logger';
import { gatewayContext, type AuthOptions, type GatewayContext } from '../auth';
import { applyRemovals, authorizeOperation, authzRulesFromSupergraph, callerOf, type AuthorizedOperation } from '../authz';
import { checkShape, countTokens, limitError, measureOperation, type OperationLimits } from '../limits';
import { openSubscriptions, rejectedOperations } from '../operation-metrics';
import { FederatedSubscriptions, type SubscriptionPlan } from './federated';
import type { PersistedQueries } from '../persisted-queries';
import type { ForwardingDataSource } from '../datasource';
import { BoundedQueue, SubscriptionError } from './queue';

export { SUBSCRIPTION_BUFFER_OVERFLOW } from './queue';

/** Tunables of the graphql-ws side (startGateway's `subscriptions` option). */
export interface SubscriptionOptions {
  /** Default `/graphql`. */
  path?: string;
  /** Events buffered per client subscription before it is ended (default 1000). */
  bufferSize?: number;
  /** graphql-ws keep-alive ping interval (ms), default 12 000. */
  keepAliveMs?: number;
}

/**
 * What startGateway built once and both sides use: the caller's authentication (verifier, tenant
 * status, API keys and their rate limits), the persisted queries, the limits, and the subgraph data
 * sources (one keep-alive agent, one fetch deduplication).
 */
export interface SharedGatewayObjects {
  auth: AuthOptions;
  persistedQueries: PersistedQueries;
  limits: OperationLimits;
  dataSources: ReadonlyMap<string, ForwardingDataSource>;
  /** Routing URL per subgraph. */
  urls: ReadonlyMap<string, string>;
  /** `false`: no subgraph fetch metrics for the event fields' entity fetches. */
  telemetry: boolean;
  log: Logger;
}

export interface AttachSubscriptionsOptions extends SubscriptionOptions {
  httpServer: http.Server;
  supergraphSdl: string;
  shared: SharedGatewayObjects;
}

export interface GatewaySubscriptions {
  /** Open client WebSocket connections. */
  connections(): number;
  /** Open upstream (gateway -> subgraph) graphql-ws connections. */
  upstreamConnections(): number;
  /** Open client subscriptions. */
  activeSubscriptions(): number;
  close(): Promise<void>;
}

type ConnectionExtra = {
  context?: GatewayContext;
  expiryTimer?: NodeJS.Timeout;
  upstreams?: Map<string, Client>;
  closed?: boolean;
};

interface SubscribeContext {
  gateway: GatewayContext;
  plan: SubscriptionPlan;
  authz: AuthorizedOperation | null;
  upstream: () => Client;
}

export function attachSubscriptions(options: AttachSubscriptionsOptions): GatewaySubscriptions {
  const { shared } = options;
  const log = shared.log.child({ component: 'gateway-subscriptions' });
  const allowAnonymous = shared.auth.allowAnonymous;
  const path = options.path ?? '/graphql';
  const bufferSize = options.bufferSize ?? 1000;
  const limits = shared.limits;
  const urls = shared.urls;
  const apiKeys = shared.auth.apiKeys;
  const persisted = shared.persistedQueries;
  const federated = new FederatedSubscriptions(options.supergraphSdl, Object.fromEntries(shared.dataSources));
  const schema = federated.apiGraphQLSchema;
  const rules = authzRulesFromSupergraph(options.supergraphSdl);
  const hasRules = rules.fields.size > 0 || rules.types.size > 0;

  let upstreamOpen = 0;
  let active = 0;

  const upstreamFor = (extra: ConnectionExtra, service: string): Client => {
    extra.upstreams ??= new Map();
    let client = extra.upstreams.get(service);
    if (client) return client;
    if (extra.closed) throw new SubscriptionError('The connection is closed', 'CONNECTION_CLOSED');
    const httpUrl = urls.get(service);
    if (!httpUrl) throw new SubscriptionError(`No routing URL for subgraph "${service}"`, 'INTERNAL_SERVER_ERROR');
    const ctx = extra.context!;
    client = createClient({
      url: httpUrl.replace(/^http/, 'ws'),
      webSocketImpl: WebSocket,
      lazy: true,
      lazyCloseTimeout: 1_000,
      retryAttempts: 0,
      keepAlive: 12_000,
      connectionParams: {
        ...(ctx.authorization ? { authorization: ctx.authorization } : {}),
        'x-request-id': ctx.requestId,
      },
    });
    // Count acknowledged upstream sockets (a lazy client may connect and close several times).
    let counted = false;
    client.on('connected', () => { if (!counted) { counted = true; upstreamOpen++; } });
    client.on('closed', () => { if (counted) { counted = false; upstreamOpen--; } });
    extra.upstreams.set(service, client);
    return client;
  };

  const wss = new WebSocketServer({ noServer: true });
  const onUpgrade = (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    const pathname = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (pathname !== path) {
      // Leave other paths to other upgrade listeners; with none, refuse.
      if (options.httpServer.listenerCount('upgrade') <= 1) socket.destroy();
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  };
  options.httpServer.on('upgrade', onUpgrade);

  const disposable = useServer<Record<string, unknown>, ConnectionExtra>({
    schema,
    onConnect: async (ctx) => {
      const params = ctx.connectionParams ?? {};
      const raw = params.authorization ?? params.Authorization;
      const authorization = typeof raw === 'string' ? raw : undefined;
      const xApiKey = typeof params['x-api-key'] === 'string' ? params['x-api-key'] : undefined;
      const requestId = crypto.randomUUID();
      try {
        const context = await gatewayContext({ authorization, 'x-api-key': xApiKey }, requestId, { ...shared.auth, log });
        ctx.extra.context = context;
        ctx.extra.expiryTimer = allowAnonymous ? undefined : closeOnExpiry(ctx.extra.socket, context.auth.expiresAt);
        return true;
      } catch (e) {
        const code = e instanceof GraphQLError ? e.extensions?.code : undefined;
        if (code === 'UNAUTHENTICATED') {
          ctx.extra.socket.close(WS_CLOSE_FORBIDDEN, `Forbidden: ${e instanceof Error ? e.message : 'refused'}`);
        } else if (code === 'RATE_LIMITED') {
          ctx.extra.socket.close(4429, `Rate limited: retry after ${String((e as GraphQLError).extensions.retryAfter)} s`);
        } else {
          log.error({ err: e }, 'subscription connection could not be authenticated');
          ctx.extra.socket.close(1013, 'Try again later');
        }
        return false;
      }
    },
    onClose: (ctx) => {
      ctx.extra.closed = true;
      if (ctx.extra.expiryTimer) clearTimeout(ctx.extra.expiryTimer);
      for (const client of ctx.extra.upstreams?.values() ?? []) void client.dispose();
      ctx.extra.upstreams?.clear();
    },
    onSubscribe: async (ctx, _id, payload) => {
      const context = ctx.extra.context!;
      // Persisted queries as over HTTP: API-key callers only run safelisted operations, by id.
      const resolution = persisted.resolve({ query: payload.query, extensions: payload.extensions ?? undefined }, context.auth.kind === 'apiKey');
      if (resolution.kind === 'refused') {
        rejectedOperations.inc({ reason: 'safelist', detail: resolution.code });
        return [resolution.error];
      }
      if (context.auth.kind === 'apiKey') {
        // Each subscription counts against the key's rate, like an HTTP request.
        try { await apiKeys?.limit(context.auth); } catch (e) { return [e as GraphQLError]; }
      }
      const query = resolution.kind === 'resolved' ? resolution.query : typeof payload.query === 'string' ? payload.query : '';
      if (countTokens(query, limits.maxTokens) > limits.maxTokens) {
        rejectedOperations.inc({ reason: 'limits', detail: 'maxTokens' });
        return [limitError({ limit: 'maxTokens', max: limits.maxTokens, actual: limits.maxTokens + 1 })];
      }
      let document: DocumentNode;
      try {
        document = parse(query);
      } catch (e) {
        return [e instanceof GraphQLError ? e : new GraphQLError('Syntax error')];
      }
      const validationErrors = validate(schema, document);
      if (validationErrors.length) return validationErrors;
      const operationName = payload.operationName ?? undefined;
      const operation = getOperationAST(document, operationName);
      if (!operation) return [new GraphQLError('Unable to identify operation', { extensions: { code: 'BAD_USER_INPUT' } })];
      if (operation.operation !== 'subscription') {
        return [new GraphQLError('Only subscriptions are served over WebSocket; send queries and mutations with HTTP POST /graphql', { extensions: { code: 'BAD_REQUEST' } })];
      }
      const variables = getVariableValues(schema, operation.variableDefinitions ?? [], payload.variables ?? {});
      if (variables.errors) return variables.errors;
      const violation = checkShape(measureOperation(schema, document, operation, payload.variables ?? {}), limits);
      if (violation) {
        rejectedOperations.inc({ reason: 'limits', detail: violation.limit });
        return [limitError(violation)];
      }

      let authz: AuthorizedOperation | null = null;
      let planned: { document: DocumentNode; operation: OperationDefinitionNode; key: string } = { document, operation, key: `${operationName ?? ''}#${query}` };
      if (hasRules) {
        const verdict = authorizeOperation(schema, rules, callerOf(context.auth), document, operationName);
        if (!verdict.unchanged) {
          rejectedOperations.inc({ reason: 'authz', detail: 'FORBIDDEN' });
          const errors = verdict.errors.map((e) => new GraphQLError(e.message, { path: e.path, extensions: { code: 'FORBIDDEN' } }));
          if (!verdict.document || !verdict.operation) return errors;
          authz = verdict;
          planned = { document: verdict.document, operation: verdict.operation, key: `${operationName ?? ''}#${verdict.source ?? print(verdict.document)}` };
        }
      }
      let plan: SubscriptionPlan;
      try {
        plan = federated.plan(planned.document, operationName, planned.key);
      } catch (e) {
        log.warn({ err: e }, 'subscription could not be planned');
        return [new GraphQLError(`The subscription could not be planned: ${(e as Error).message}`, { extensions: { code: 'BAD_USER_INPUT' } })];
      }
      const subscribeContext: SubscribeContext = {
        gateway: { ...context, requestId: crypto.randomUUID() },
        plan,
        authz,
        upstream: () => upstreamFor(ctx.extra, plan.primary.serviceName),
      };
      const args: ExecutionArgs = {
        schema,
        document: { kind: Kind.DOCUMENT, definitions: planned.document.definitions },
        operationName,
        variableValues: payload.variables ?? {},
        contextValue: subscribeContext,
      };
      return args;
    },
    subscribe: (args) => {
      const sc = args.contextValue as SubscribeContext;
      return runSubscription(sc, args.document, args.operationName ?? undefined, (args.variableValues ?? {}) as Record<string, unknown>);
    },
    execute: () => ({ errors: [new GraphQLError('Only subscriptions are served over WebSocket', { extensions: { code: 'BAD_REQUEST' } })] }),
  }, wss, options.keepAliveMs ?? 12_000);

  function runSubscription(sc: SubscribeContext, document: DocumentNode, operationName: string | undefined, variables: Record<string, unknown>): AsyncIterableIterator<ExecutionResult> {
    const { plan, gateway } = sc;
    const subLog = gateway.log.child({ request_id: gateway.requestId, subgraph: plan.primary.serviceName });
    const upstreamVariables = Object.fromEntries((plan.primary.variableUsages ?? []).filter((v) => v in variables).map((v) => [v, variables[v]]));
    let stopUpstream: (() => void) | null = null;
    const queue = new BoundedQueue<ExecutionResult>(bufferSize, () => {
      subLog.warn({ limit: bufferSize }, 'slow subscriber: buffer overflow, subscription closed');
      stopUpstream?.();
    });
    const sink: Sink<ExecutionResult<Record<string, unknown>, unknown>> = {
      next: (result) => queue.push(result as ExecutionResult),
      error: (err) => queue.fail(upstreamError(err, plan.primary.serviceName)),
      complete: () => queue.end(),
    };
    let upstream: Client;
    try {
      upstream = sc.upstream();
    } catch (e) {
      queue.fail(e as Error);
      upstream = null as never;
    }
    if (upstream) {
      stopUpstream = upstream.subscribe({ query: plan.primary.operation, operationName: plan.primary.operationName, variables: upstreamVariables }, sink);
    }
    active++;
    openSubscriptions.inc();
    let finished = false;
    const finish = () => {
      if (finished) return;
      finished = true;
      active--;
      openSubscriptions.dec();
      stopUpstream?.();
      queue.end();
    };

    const authzErrors = sc.authz?.errors.map((e) => new GraphQLError(e.message, { path: e.path, extensions: { code: 'FORBIDDEN' } })) ?? [];
    const iterator: AsyncIterableIterator<ExecutionResult> = {
      next: async () => {
        let item: IteratorResult<ExecutionResult>;
        try {
          item = await queue.next();
        } catch (e) {
          finish();
          throw e;
        }
        if (item.done) { finish(); return item; }
        const event = item.value;
        let result: ExecutionResult;
        if (!event.data) {
          result = { errors: (event.errors ?? [new GraphQLError('Empty event from subgraph')]).map((e) => asGraphQLError(e as unknown as GraphQLFormattedError)) };
        } else {
          try {
            result = await federated.complete(plan, { data: event.data as Record<string, unknown>, errors: event.errors as unknown as GraphQLFormattedError[] | undefined }, {
              document, operationName, variables, context: gateway, log: subLog,
            });
          } catch (e) {
            subLog.error({ err: e }, 'subscription event could not be completed');
            result = { data: null, errors: [new GraphQLError('Internal server error', { extensions: { code: 'INTERNAL_SERVER_ERROR' } })] };
          }
        }
        if (sc.authz) {
          result = {
            data: applyRemovals(result.data as Record<string, unknown> | null | undefined, sc.authz.removals) as ExecutionResult['data'],
            errors: [...authzErrors, ...(result.errors ?? [])],
          };
        }
        return { value: result, done: false };
      },
      return: async () => { finish(); return { value: undefined, done: true }; },
      throw: async (e?: unknown) => { finish(); throw e; },
      [Symbol.asyncIterator]() { return this; },
    };
    return iterator;
  }

  return {
    connections: () => wss.clients.size,
    upstreamConnections: () => upstreamOpen,
    activeSubscriptions: () => active,
    async close() {
      options.httpServer.off('upgrade', onUpgrade);
      for (const client of wss.clients) client.close(1001, 'Going away');
      await disposable.dispose();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}

function asGraphQLError(e: GraphQLFormattedError | GraphQLError): GraphQLError {
  if (e instanceof GraphQLError) return e;
  return new GraphQLError(e.message, { path: e.path, extensions: e.extensions });
}

/** What the upstream's failure means to the client: its GraphQL errors, or the subgraph being gone. */
function upstreamError(err: unknown, service: string): Error {
  if (Array.isArray(err) && err.length) {
    const first = err[0] as GraphQLFormattedError;
    const code = typeof first.extensions?.code === 'string' ? first.extensions.code : 'SUBGRAPH_ERROR';
    return new SubscriptionError(first.message, code, { serviceName: service });
  }
  const close = err as { code?: number; reason?: string } | null;
  if (close && typeof close.code === 'number') {
    if (close.code === 4401 || close.code === 4403) return new SubscriptionError('The subgraph refused the credentials (token expired or invalid)', 'UNAUTHENTICATED', { serviceName: service });
    return new SubscriptionError(`Subgraph "${service}" closed the subscription (${close.code}${close.reason ? `: ${close.reason}` : ''})`, 'SUBGRAPH_UNAVAILABLE', { serviceName: service });
  }
  return new SubscriptionError(`Subgraph "${service}" is unavailable`, 'SUBGRAPH_UNAVAILABLE', { serviceName: service });
}
