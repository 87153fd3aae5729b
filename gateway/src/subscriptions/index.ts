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
 * `connectionParams`. Identical subscriptions (same subgraph, same exact credentials, language,
 * authorized operation and variables) share one upstream subscription and one completion per event
 * (shared.ts); one upstream connection per (subgraph, credentials, language) multiplexes them. Each
 * event is completed across subgraphs by the normal entity fetches (federated.ts) and sent as a
 * `next` message.
 *
 * Back-pressure: completed events wait in a bounded queue per client subscription (default 1000); a
 * client that falls further behind gets an `error` SUBSCRIPTION_BUFFER_OVERFLOW and leaves its group
 * (the upstream stops when nobody is left).
 * NATS fan-out (one NATS subscription per subject per process) is the subgraphs' job
 * (NatsSubscriptionHub in @imagy/platform/server).
 *
 * Only subscriptions are served over WebSocket; queries and mutations use HTTP.
 */
import crypto from 'node:crypto';
import type http from 'node:http';
import type { Duplex } from 'node:stream';
import WebSocket, { WebSocketServer } from 'ws';
import { useServer } from 'graphql-ws/use/ws';
import {
  GraphQLError, Kind, print,
  type DocumentNode, type ExecutionArgs, type ExecutionResult, type GraphQLSchema,
} from 'graphql';
import { closeOnExpiry, refuseRevoked, WS_CLOSE_FORBIDDEN } from '@imagy/platform/server';
import type { Logger } from '@imagy/platform/logger';
import { gatewayContext, type AuthOptions, type GatewayContext } from '../auth';
import type { ForwardingDataSource } from '../datasource';
import { openSubscriptions } from '../operation-metrics';
import { prepareOperation, validatedDocument, type OperationPipeline, type PreparedOperation } from '../pipeline';
import { localizedMessage } from '../i18n';
import { FederatedSubscriptions, type SubscriptionPlan } from './federated';
import { BoundedQueue } from './queue';
import { SharedSubscriptions, type SubscriptionRequest } from './shared';

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
  /** Running upstream subscriptions (identical client subscriptions share one). */
  upstreamSubscriptions(): number;
  /** Open client subscriptions. */
  activeSubscriptions(): number;
  close(): Promise<void>;
}

type ConnectionExtra = {
  context?: GatewayContext;
  expiryTimer?: NodeJS.Timeout;
};

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
  const upstreams = new SharedSubscriptions(shared.urls, federated);
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
    onClose: (ctx) => { authenticated.delete(ctx.extra.socket); if (ctx.extra.expiryTimer) clearTimeout(ctx.extra.expiryTimer); },
    onSubscribe: async (ctx, _id, payload) => {
      const context = ctx.extra.context!;
      const accepted = await acceptSubscription(payload, context, shared, schema, parseAndValidate, federated, log);
      if ('errors' in accepted) return accepted.errors;
      const { prepared, plan, planKey, document, operationName } = accepted;
      const request: SubscriptionRequest = {
        gateway: { ...context, requestId: crypto.randomUUID() },
        plan, planKey, prepared, document, operationName,
        variables: payload.variables ?? {},
      };
      const args: ExecutionArgs = {
        schema,
        document: { kind: Kind.DOCUMENT, definitions: document.definitions },
        operationName,
        variableValues: request.variables,
        contextValue: request,
      };
      return args;
    },
    subscribe: (args) => runSubscription(args.contextValue as SubscriptionRequest, upstreams, bufferSize, counts),
    execute: () => ({ errors: [new GraphQLError('Only subscriptions are served over WebSocket', { extensions: { code: 'BAD_REQUEST' } })] }),
  }, wss, options.keepAliveMs ?? 12_000);

  return {
    connections: () => wss.clients.size,
    upstreamConnections: () => upstreams.openConnections,
    upstreamSubscriptions: () => upstreams.upstreamSubscriptions,
    activeSubscriptions: () => counts.active,
    async close() {
      options.httpServer.off('upgrade', onUpgrade);
      stopWatching?.();
      stopWatchingKeys?.();
      for (const client of wss.clients) client.close(1001, 'Going away');
      await disposable.dispose();
      await upstreams.close();
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
): Promise<{ errors: readonly GraphQLError[] } | { prepared: PreparedOperation; plan: SubscriptionPlan; planKey: string; document: DocumentNode; operationName: string | undefined }> {
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
    return { prepared, plan: federated.plan(document, operationName, key), planKey: key, document, operationName };
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
 * One client subscription: a member of the group of identical subscriptions (shared.ts), reading
 * the group's completed events from its own bounded queue.
 */
function runSubscription(
  request: SubscriptionRequest,
  upstreams: SharedSubscriptions,
  bufferSize: number,
  counts: { active: number },
): AsyncIterableIterator<ExecutionResult> {
  const { gateway, plan } = request;
  let leave: (() => void) | null = null;
  const queue = new BoundedQueue<Promise<ExecutionResult>>(bufferSize, () => {
    gateway.log.warn({ request_id: gateway.requestId, subgraph: plan.primary.serviceName, limit: bufferSize }, 'slow subscriber: buffer overflow, subscription closed');
    leave?.();
  });
  leave = upstreams.join(request, { push: (r) => queue.push(r), fail: (e) => queue.fail(e), end: () => queue.end() });
  counts.active++;
  openSubscriptions.inc();
  let finished = false;
  const finish = () => {
    if (finished) return;
    finished = true;
    counts.active--;
    openSubscriptions.dec();
    leave?.();
    queue.end();
  };

  return {
    next: async () => {
      let item: IteratorResult<Promise<ExecutionResult>>;
      try {
        item = await queue.next();
      } catch (e) {
        finish();
        throw e;
      }
      if (item.done) { finish(); return { value: undefined, done: true }; }
      return { value: await item.value, done: false };
    },
    return: async () => { finish(); return { value: undefined, done: true }; },
    throw: async (e?: unknown) => { finish(); throw e; },
    [Symbol.asyncIterator]() { return this; },
  };
}
