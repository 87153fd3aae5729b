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
 * Subscribe: prepareOperation() (pipeline.ts), the same steps as HTTP: persisted queries and the
 * safelist, token limit, parse and validate against the API schema, variables coerced, operation
 * limits, authorization directives (unauthorized fields removed, FORBIDDEN errors on every event);
 * then only a subscription is accepted, an API key's subscription counts
 * against its rate, and it is planned with @apollo/query-planner (cached). The primary fetch runs as a graphql-ws subscription on the owning
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
  GraphQLError, Kind, print,
  type DocumentNode, type ExecutionArgs, type ExecutionResult, type GraphQLFormattedError, type GraphQLSchema,
} from 'graphql';
import { closeOnExpiry, refuseRevoked, WS_CLOSE_FORBIDDEN } from '@imagy/platform/server';
import type { Logger } from '@imagy/platform/logger';
import { gatewayContext, type AuthOptions, type GatewayContext } from '../auth';
import type { ForwardingDataSource } from '../datasource';
import { applyRemovals } from '../authz';
import { openSubscriptions } from '../operation-metrics';
import { prepareOperation, validatedDocument, type OperationPipeline, type PreparedOperation } from '../pipeline';
import { localizedMessage } from '../i18n';
import { maskSubgraphError, UNAVAILABLE_MESSAGE } from '../errors';
import { FederatedSubscriptions, type SubscriptionPlan } from './federated';
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
 * status, API keys and their rate limits), the operation pipeline (persisted queries, limits,
 * authorization rules), and the subgraph data sources (one keep-alive agent, one fetch
 * deduplication).
 */
export interface SharedGatewayObjects {
  auth: AuthOptions;
  pipeline: OperationPipeline;
  dataSources: ReadonlyMap<string, ForwardingDataSource>;
  /** Routing URL per subgraph. */
  urls: ReadonlyMap<string, string>;
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
  prepared: PreparedOperation;
  upstream: () => Client;
}

interface SubscribePayload {
  query?: string | null;
  operationName?: string | null;
  variables?: Record<string, unknown> | null;
  extensions?: Record<string, unknown> | null;
}

/** WebSocket close code for a rate-limited connection (4000-4999 are the application's). */
const WS_CLOSE_RATE_LIMITED = 4429;
/** The server cannot take the connection now (RFC 6455 1013). */
const WS_CLOSE_TRY_AGAIN_LATER = 1013;

export function attachSubscriptions(options: AttachSubscriptionsOptions): GatewaySubscriptions {
  const { shared } = options;
  const log = shared.log.child({ component: 'gateway-subscriptions' });
  const bufferSize = options.bufferSize ?? 1000;
  const federated = new FederatedSubscriptions(options.supergraphSdl, Object.fromEntries(shared.dataSources));
  const schema = federated.apiGraphQLSchema;
  const parseAndValidate = validatedDocument(schema);
  const upstreams = new UpstreamConnections(shared.urls);
  const counts = { active: 0 };

  const wss = new WebSocketServer({ noServer: true });
  // Authenticated sockets, so a revocation (tenant suspended, user disabled, session ended) closes
  // exactly the affected ones with 4403, as the subgraphs do.
  const authenticated = new Map<WebSocket, GatewayContext['auth']>();
  const stopWatching = shared.auth.revocations?.onChange(() => {
    for (const [socket, auth] of authenticated) {
      try {
        refuseRevoked(auth, shared.auth.revocations);
      } catch (e) {
        log.info({ tenant_id: auth.tenantId ?? undefined }, 'closing a subscription socket: access revoked');
        authenticated.delete(socket);
        socket.close(WS_CLOSE_FORBIDDEN, reason(`Forbidden: ${(e as Error).message}`));
      }
    }
  });
  // A revoked API key (or a rotated one at the end of its overlap) closes its sockets the same way.
  const stopWatchingKeys = shared.auth.apiKeys?.onKeyEnded((apiKeyId) => {
    for (const [socket, auth] of authenticated) {
      if (auth.kind !== 'apiKey' || auth.userId !== `apikey:${apiKeyId}`) continue;
      log.info({ tenant_id: auth.tenantId ?? undefined }, 'closing a subscription socket: API key revoked');
      authenticated.delete(socket);
      socket.close(WS_CLOSE_FORBIDDEN, reason('Forbidden: API key revoked'));
    }
  });
  const onUpgrade = upgradeHandler(options.httpServer, wss, options.path ?? '/graphql');
  options.httpServer.on('upgrade', onUpgrade);

  const disposable = useServer<Record<string, unknown>, ConnectionExtra>({
    schema,
    onConnect: async (ctx) => {
      try {
        ctx.extra.context = await authenticateConnection(ctx.connectionParams ?? {}, shared.auth, log);
        if (ctx.extra.context.auth.kind !== 'anonymous') authenticated.set(ctx.extra.socket, ctx.extra.context.auth);
        ctx.extra.expiryTimer = shared.auth.allowAnonymous ? undefined : closeOnExpiry(ctx.extra.socket, ctx.extra.context.auth.expiresAt);
        return true;
      } catch (e) {
        closeRefusedConnection(ctx.extra.socket, e, log);
        return false;
      }
    },
    onClose: (ctx) => { authenticated.delete(ctx.extra.socket); releaseConnection(ctx.extra); },
    onSubscribe: async (ctx, _id, payload) => {
      const context = ctx.extra.context!;
      const accepted = await acceptSubscription(payload, context, shared, schema, parseAndValidate, federated, log);
      if ('errors' in accepted) return accepted.errors;
      const { prepared, plan, document, operationName } = accepted;
      const subscribeContext: SubscribeContext = {
        gateway: { ...context, requestId: crypto.randomUUID() },
        plan,
        prepared,
        upstream: () => upstreams.for(ctx.extra, plan.primary.serviceName),
      };
      const args: ExecutionArgs = {
        schema,
        document: { kind: Kind.DOCUMENT, definitions: document.definitions },
        operationName,
        variableValues: payload.variables ?? {},
        contextValue: subscribeContext,
      };
      return args;
    },
    subscribe: (args) => {
      const sc = args.contextValue as SubscribeContext;
      return runSubscription(sc, args.document, args.operationName ?? undefined, (args.variableValues ?? {}) as Record<string, unknown>, federated, bufferSize, counts);
    },
    execute: () => ({ errors: [new GraphQLError('Only subscriptions are served over WebSocket', { extensions: { code: 'BAD_REQUEST' } })] }),
  }, wss, options.keepAliveMs ?? 12_000);

  return {
    connections: () => wss.clients.size,
    upstreamConnections: () => upstreams.open,
    activeSubscriptions: () => counts.active,
    async close() {
      options.httpServer.off('upgrade', onUpgrade);
      stopWatching?.();
      stopWatchingKeys?.();
      for (const client of wss.clients) client.close(1001, 'Going away');
      await disposable.dispose();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}

/** Upgrades requests for `path` to graphql-ws; other paths are left to other listeners (none: refused). */
function upgradeHandler(httpServer: http.Server, wss: WebSocketServer, path: string) {
  return (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    const pathname = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (pathname !== path) {
      if (httpServer.listenerCount('upgrade') <= 1) socket.destroy();
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  };
}

/**
 * connection_init: the caller exactly as an HTTP request's (gatewayContext: token or API key,
 * tenant status, rate limit), from `connectionParams` (authorization, x-api-key, accept-language).
 */
async function authenticateConnection(params: Record<string, unknown>, auth: AuthOptions, log: Logger): Promise<GatewayContext> {
  const text = (v: unknown) => (typeof v === 'string' ? v : undefined);
  const headers = {
    authorization: text(params.authorization ?? params.Authorization),
    'x-api-key': text(params['x-api-key']),
    'accept-language': text(params['accept-language'] ?? params['Accept-Language']),
  };
  return gatewayContext(headers, crypto.randomUUID(), { ...auth, log });
}

/** A WebSocket close reason is at most 123 bytes. */
const reason = (text: string) => Buffer.from(text).subarray(0, 123).toString();

/** A refused connection_init: 4403 for credentials, 4429 when rate limited, 1013 when we cannot tell. */
function closeRefusedConnection(socket: WebSocket, e: unknown, log: Logger): void {
  const code = e instanceof GraphQLError ? e.extensions?.code : undefined;
  if (code === 'UNAUTHENTICATED') {
    socket.close(WS_CLOSE_FORBIDDEN, reason(`Forbidden: ${e instanceof Error ? e.message : 'refused'}`));
  } else if (code === 'RATE_LIMITED') {
    socket.close(WS_CLOSE_RATE_LIMITED, reason(`Rate limited: retry after ${String((e as GraphQLError).extensions.retryAfter)} s`));
  } else {
    log.error({ err: e }, 'subscription connection could not be authenticated');
    socket.close(WS_CLOSE_TRY_AGAIN_LATER, 'Try again later');
  }
}

/** The client's socket closed: its expiry timer and upstream connections go with it. */
function releaseConnection(extra: ConnectionExtra): void {
  extra.closed = true;
  if (extra.expiryTimer) clearTimeout(extra.expiryTimer);
  for (const client of extra.upstreams?.values() ?? []) void client.dispose();
  extra.upstreams?.clear();
}

/**
 * subscribe: prepareOperation() as over HTTP, then the WebSocket's own rules. The answer is the
 * errors for the client, or what runs.
 */
async function acceptSubscription(
  payload: SubscribePayload,
  context: GatewayContext,
  shared: SharedGatewayObjects,
  schema: GraphQLSchema,
  parseAndValidate: ReturnType<typeof validatedDocument>,
  federated: FederatedSubscriptions,
  log: Logger,
): Promise<{ errors: readonly GraphQLError[] } | { prepared: PreparedOperation; plan: SubscriptionPlan; document: DocumentNode; operationName: string | undefined }> {
  const operationName = payload.operationName ?? undefined;
  const prepared = await prepareOperation(shared.pipeline, payload, context, async (query) => parseAndValidate(query, operationName));
  if (prepared.kind === 'refused') return { errors: prepared.errors };
  const notSubscription = requireSubscription(prepared, context);
  if (notSubscription) return { errors: [notSubscription] };
  const limited = await countApiKeySubscription(context, shared.auth);
  if (limited) return { errors: [limited] };
  const { authz } = prepared;
  if (!authz.unchanged && !authz.document) return { errors: prepared.forbidden };
  const document = authz.unchanged ? prepared.document : authz.document!;
  try {
    const key = `${operationName ?? ''}#${authz.unchanged ? prepared.query : authz.source ?? print(document)}`;
    return { prepared, plan: federated.plan(document, operationName, key), document, operationName };
  } catch (e) {
    log.warn({ err: e, request_id: context.requestId }, 'subscription could not be planned');
    return { errors: [new GraphQLError(localizedMessage(context.locale, 'BAD_USER_INPUT', 'The subscription could not be planned'), { extensions: { code: 'BAD_USER_INPUT' } })] };
  }
}

/** Only subscriptions go over the socket; queries and mutations are for HTTP POST. */
function requireSubscription(prepared: PreparedOperation, context: GatewayContext): GraphQLError | null {
  if (!prepared.operation) {
    return new GraphQLError(localizedMessage(context.locale, 'BAD_USER_INPUT', 'Unable to identify operation'), { extensions: { code: 'BAD_USER_INPUT' } });
  }
  if (prepared.operation.operation !== 'subscription') {
    return new GraphQLError('Only subscriptions are served over WebSocket; send queries and mutations with HTTP POST /graphql', { extensions: { code: 'BAD_REQUEST' } });
  }
  return null;
}

/** An API key's subscription counts against the key's rate like an HTTP request (users count per connection). */
async function countApiKeySubscription(context: GatewayContext, auth: AuthOptions): Promise<GraphQLError | null> {
  if (context.auth.kind !== 'apiKey' || !auth.apiKeys) return null;
  try {
    await auth.apiKeys.limit(context.auth);
    return null;
  } catch (e) {
    return e as GraphQLError;
  }
}

/**
 * Gateway -> subgraph graphql-ws clients: one per (client connection, subgraph), multiplexing all
 * of that client's subscriptions, carrying the caller's Authorization and a request id.
 */
class UpstreamConnections {
  /** Acknowledged upstream sockets (a lazy client may connect and close several times). */
  open = 0;

  constructor(private readonly urls: ReadonlyMap<string, string>) {}

  for(extra: ConnectionExtra, service: string): Client {
    extra.upstreams ??= new Map();
    let client = extra.upstreams.get(service);
    if (client) return client;
    if (extra.closed) throw new SubscriptionError('The connection is closed', 'CONNECTION_CLOSED');
    const httpUrl = this.urls.get(service);
    if (!httpUrl) throw new SubscriptionError('The subscription cannot be served', 'INTERNAL_SERVER_ERROR');
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
        'accept-language': ctx.locale,
      },
    });
    let counted = false;
    client.on('connected', () => { if (!counted) { counted = true; this.open++; } });
    client.on('closed', () => { if (counted) { counted = false; this.open--; } });
    extra.upstreams.set(service, client);
    return client;
  }
}

/** One client subscription: the upstream primary subscription, buffered, each event completed. */
function runSubscription(
  sc: SubscribeContext,
  document: DocumentNode,
  operationName: string | undefined,
  variables: Record<string, unknown>,
  federated: FederatedSubscriptions,
  bufferSize: number,
  counts: { active: number },
): AsyncIterableIterator<ExecutionResult> {
  const { plan, gateway, prepared } = sc;
  const subLog = gateway.log.child({ request_id: gateway.requestId, subgraph: plan.primary.serviceName });
  let stopUpstream: (() => void) | null = null;
  const queue = new BoundedQueue<ExecutionResult>(bufferSize, () => {
    subLog.warn({ limit: bufferSize }, 'slow subscriber: buffer overflow, subscription closed');
    stopUpstream?.();
  });
  stopUpstream = subscribeUpstream(sc, variables, queue, subLog);
  counts.active++;
  openSubscriptions.inc();
  let finished = false;
  const finish = () => {
    if (finished) return;
    finished = true;
    counts.active--;
    openSubscriptions.dec();
    stopUpstream?.();
    queue.end();
  };

  const completeEvent = async (event: ExecutionResult): Promise<ExecutionResult> => {
    let result: ExecutionResult;
    if (!event.data) {
      result = { errors: maskUpstreamErrors(event.errors as readonly GraphQLFormattedError[] | undefined, sc) };
    } else {
      try {
        result = await federated.complete(plan, {
          data: event.data as Record<string, unknown>,
          errors: maskUpstreamErrors(event.errors as readonly GraphQLFormattedError[] | undefined, sc),
        }, { document, operationName, variables, context: gateway, log: subLog });
      } catch (e) {
        subLog.error({ err: e }, 'subscription event could not be completed');
        result = { data: null, errors: [new GraphQLError(localizedMessage(gateway.locale, 'INTERNAL_SERVER_ERROR', 'Internal server error'), { extensions: { code: 'INTERNAL_SERVER_ERROR' } })] };
      }
    }
    if (prepared.authz.unchanged) return result;
    return {
      data: applyRemovals(result.data as Record<string, unknown> | null | undefined, prepared.authz.removals) as ExecutionResult['data'],
      errors: [...prepared.forbidden, ...(result.errors ?? [])],
    };
  };

  return {
    next: async () => {
      let item: IteratorResult<ExecutionResult>;
      try {
        item = await queue.next();
      } catch (e) {
        finish();
        throw e;
      }
      if (item.done) { finish(); return item; }
      return { value: await completeEvent(item.value), done: false };
    },
    return: async () => { finish(); return { value: undefined, done: true }; },
    throw: async (e?: unknown) => { finish(); throw e; },
    [Symbol.asyncIterator]() { return this; },
  };
}

/** Starts the primary subscription on its subgraph; events and its end go into `queue`. */
function subscribeUpstream(sc: SubscribeContext, variables: Record<string, unknown>, queue: BoundedQueue<ExecutionResult>, subLog: Logger): (() => void) | null {
  const { plan } = sc;
  const upstreamVariables = Object.fromEntries((plan.primary.variableUsages ?? []).filter((v) => v in variables).map((v) => [v, variables[v]]));
  const sink: Sink<ExecutionResult<Record<string, unknown>, unknown>> = {
    next: (result) => queue.push(result as ExecutionResult),
    error: (err) => queue.fail(upstreamError(err, plan.primary.serviceName, sc.gateway, subLog)),
    complete: () => queue.end(),
  };
  let upstream: Client;
  try {
    upstream = sc.upstream();
  } catch (e) {
    queue.fail(e as Error);
    return null;
  }
  return upstream.subscribe({ query: plan.primary.operation, operationName: plan.primary.operationName, variables: upstreamVariables }, sink);
}

/** An event's errors from the subgraph, masked like every subgraph error (errors.ts). */
function maskUpstreamErrors(errors: readonly GraphQLFormattedError[] | undefined, sc: SubscribeContext): GraphQLError[] | undefined {
  if (!errors?.length) return undefined;
  return errors.map((e) => {
    const masked = maskSubgraphError(e, sc.plan.primary.serviceName, sc.gateway);
    return new GraphQLError(masked.message, { path: masked.path, extensions: masked.extensions });
  });
}

/**
 * What the upstream's failure means to the client: its first GraphQL error (masked), or the
 * subgraph refusing the credentials or being gone. Close reasons are logged, never passed on.
 */
function upstreamError(err: unknown, service: string, context: GatewayContext, log: Logger): Error {
  if (Array.isArray(err) && err.length) {
    const first = maskSubgraphError(err[0] as GraphQLFormattedError, service, context);
    return new SubscriptionError(first.message, String(first.extensions?.code ?? 'INTERNAL_SERVER_ERROR'), details(first.extensions));
  }
  const close = err as { code?: number; reason?: string } | null;
  if (close && typeof close.code === 'number' && (close.code === 4401 || close.code === 4403)) {
    return new SubscriptionError(localizedMessage(context.locale, 'UNAUTHENTICATED', 'The subgraph refused the credentials (token expired or invalid)'), 'UNAUTHENTICATED');
  }
  log.warn({ close: close && typeof close.code === 'number' ? { code: close.code, reason: close.reason } : undefined, err: close && typeof close.code === 'number' ? undefined : String(err) }, 'upstream subscription ended; masked as SUBGRAPH_UNAVAILABLE');
  return new SubscriptionError(localizedMessage(context.locale, 'SUBGRAPH_UNAVAILABLE', UNAVAILABLE_MESSAGE), 'SUBGRAPH_UNAVAILABLE');
}

/** Detail extensions of a masked error, without its code (SubscriptionError takes the code apart). */
function details(extensions: Record<string, unknown> | undefined): Record<string, unknown> {
  const { code: _code, ...rest } = extensions ?? {};
  return rest;
}
