/**
 * Shared upstream subscriptions: identical client subscriptions ride on ONE upstream graphql-ws
 * subscription, and each event is completed ONCE for all of them.
 *
 * Identical means the same subgraph, the same credentials byte for byte (the exact Authorization
 * the gateway forwards: a user's bearer token, or the per-connection token minted for an API key,
 * so API-key connections never share), the same language, the same operation after authorization
 * (the plan key: operation name and the document with unauthorized fields removed) and the same
 * variables. Everything the subgraph and the completion fetches see is then the same request, so
 * the result is the same for every member: no caller ever receives what was computed with another
 * caller's rights, and different users (or tenants) never share, even with equal rights. The
 * authorization removals and FORBIDDEN errors are a function of (token, document), both in the key,
 * so they are applied once to the shared result.
 *
 * Why: before this, 1000 subscribers with one token meant 1000 upstream sockets, 1000 subgraph-side
 * subscriptions each re-reading and resolving every event, and 1000 completions at the gateway
 * (bench/README.md, "Subscription delivery").
 *
 * Each member keeps its own bounded queue (queue.ts) of completed results: a slow client overflows
 * and leaves alone; the group goes on for the others. The upstream subscription stops when the last
 * member leaves, and the upstream connection (one per subgraph and credentials) closes when its last
 * group does. An upstream error or end reaches every member.
 */
import crypto from 'node:crypto';
import WebSocket from 'ws';
import { createClient, type Client, type Sink } from 'graphql-ws';
import { GraphQLError, type DocumentNode, type ExecutionResult, type GraphQLFormattedError } from 'graphql';
import type { Logger } from '@imagy/platform/logger';
import type { GatewayContext } from '../auth';
import { applyRemovals } from '../authz';
import { localizedMessage } from '../i18n';
import { maskSubgraphError, UNAVAILABLE_MESSAGE } from '../errors';
import type { PreparedOperation } from '../pipeline';
import type { FederatedSubscriptions, OperationContext, SubscriptionPlan } from './federated';
import { SubscriptionError } from './queue';

/** What one client subscription asks for (after prepareOperation and planning). */
export interface SubscriptionRequest {
  gateway: GatewayContext;
  plan: SubscriptionPlan;
  /** Operation name and authorized document (federated.plan's cache key). */
  planKey: string;
  prepared: PreparedOperation;
  document: DocumentNode;
  operationName: string | undefined;
  variables: Record<string, unknown>;
}

/** One client subscription's end of a group: its own bounded queue. */
export interface Member {
  push(result: Promise<ExecutionResult>): void;
  fail(error: Error): void;
  end(): void;
}

interface UpstreamConnection { client: Client; groups: number; open: boolean }

class Group {
  readonly members = new Set<Member>();
  stop: (() => void) | null = null;
  connection: UpstreamConnection | null = null;
  /** Completions run one after the other, in event order (as one subscriber's did). */
  private last: Promise<unknown> = Promise.resolve();
  private readonly operationContext: OperationContext;
  readonly log: Logger;

  constructor(readonly request: SubscriptionRequest, private readonly federated: FederatedSubscriptions) {
    this.operationContext = federated.operationContext(request.document, request.operationName);
    this.log = request.gateway.log.child({ request_id: request.gateway.requestId, subgraph: request.plan.primary.serviceName });
  }

  event(event: ExecutionResult): void {
    const result = this.last.then(() => this.complete(event));
    this.last = result;
    for (const m of [...this.members]) m.push(result);
  }

  fail(error: Error): void { for (const m of [...this.members]) m.fail(error); }
  end(): void { for (const m of [...this.members]) m.end(); }

  /** The event completed across subgraphs, then the caller's authorization removals. Never rejects. */
  private async complete(event: ExecutionResult): Promise<ExecutionResult> {
    const { gateway, plan, prepared, document, operationName, variables } = this.request;
    let result: ExecutionResult;
    if (!event.data) {
      result = { errors: maskUpstreamErrors(event.errors as readonly GraphQLFormattedError[] | undefined, plan, gateway) };
    } else {
      try {
        result = await this.federated.complete(plan, {
          data: event.data as Record<string, unknown>,
          errors: maskUpstreamErrors(event.errors as readonly GraphQLFormattedError[] | undefined, plan, gateway),
        }, { document, operationName, variables, context: gateway, log: this.log, operationContext: this.operationContext });
      } catch (e) {
        this.log.error({ err: e }, 'subscription event could not be completed');
        result = { data: null, errors: [new GraphQLError(localizedMessage(gateway.locale, 'INTERNAL_SERVER_ERROR', 'Internal server error'), { extensions: { code: 'INTERNAL_SERVER_ERROR' } })] };
      }
    }
    if (prepared.authz.unchanged) return result;
    return {
      data: applyRemovals(result.data as Record<string, unknown> | null | undefined, prepared.authz.removals) as ExecutionResult['data'],
      errors: [...prepared.forbidden, ...(result.errors ?? [])],
    };
  }
}

export class SharedSubscriptions {
  private readonly connections = new Map<string, UpstreamConnection>();
  private readonly groups = new Map<string, Group>();
  private closed = false;

  constructor(private readonly urls: ReadonlyMap<string, string>, private readonly federated: FederatedSubscriptions) {}

  /** Acknowledged upstream (gateway -> subgraph) sockets. */
  get openConnections(): number {
    let n = 0;
    for (const c of this.connections.values()) if (c.open) n++;
    return n;
  }

  /** Upstream subscriptions (groups) currently running. */
  get upstreamSubscriptions(): number { return this.groups.size; }

  /**
   * Adds `member` to the group of identical subscriptions (starting it if new); returns the
   * function that takes it out again (the last one out stops the upstream subscription).
   */
  join(request: SubscriptionRequest, member: Member): () => void {
    if (this.closed) { member.fail(new SubscriptionError('The gateway is shutting down', 'SUBGRAPH_UNAVAILABLE')); return () => undefined; }
    const service = request.plan.primary.serviceName;
    const credentials = request.gateway.authorization ?? '';
    const connectionKey = JSON.stringify([service, credentials, request.gateway.locale]);
    const groupKey = JSON.stringify([connectionKey, request.planKey, request.variables]);
    let group = this.groups.get(groupKey);
    if (!group) {
      try {
        group = new Group(request, this.federated);
      } catch (e) {
        request.gateway.log.error({ err: e }, 'subscription could not be prepared for execution');
        member.fail(new SubscriptionError(localizedMessage(request.gateway.locale, 'INTERNAL_SERVER_ERROR', 'Internal server error'), 'INTERNAL_SERVER_ERROR'));
        return () => undefined;
      }
      group.members.add(member);
      this.groups.set(groupKey, group);
      this.start(group, groupKey, connectionKey);
    } else {
      group.members.add(member);
    }
    const g = group;
    return () => {
      if (!g.members.delete(member) || g.members.size > 0) return;
      this.retire(g, groupKey, connectionKey);
    };
  }

  /** Ends every group (their members end) and closes the upstream connections. */
  async close(): Promise<void> {
    this.closed = true;
    for (const group of [...this.groups.values()]) { group.stop?.(); group.end(); }
    this.groups.clear();
    const clients = [...this.connections.values()].map((c) => c.client);
    this.connections.clear();
    await Promise.all(clients.map((c) => c.dispose()));
  }

  private start(group: Group, groupKey: string, connectionKey: string): void {
    const { plan, gateway, variables } = group.request;
    let connection: UpstreamConnection;
    try {
      connection = this.connection(connectionKey, gateway, plan.primary.serviceName);
    } catch (e) {
      this.groups.delete(groupKey);
      group.fail(e as Error);
      return;
    }
    connection.groups++;
    group.connection = connection;
    const upstreamVariables = Object.fromEntries((plan.primary.variableUsages ?? []).filter((v) => v in variables).map((v) => [v, variables[v]]));
    // Past its end or error the group takes no new members (they get a fresh upstream subscription).
    const done = () => { if (this.groups.get(groupKey) === group) this.retire(group, groupKey, connectionKey); };
    const sink: Sink<ExecutionResult<Record<string, unknown>, unknown>> = {
      next: (result) => group.event(result as ExecutionResult),
      error: (err) => { done(); group.fail(upstreamError(err, plan.primary.serviceName, gateway, group.log)); },
      complete: () => { done(); group.end(); },
    };
    group.stop = connection.client.subscribe({ query: plan.primary.operation, operationName: plan.primary.operationName, variables: upstreamVariables }, sink);
  }

  /** The group leaves the map, its upstream subscription stops, and its connection is released. */
  private retire(group: Group, groupKey: string, connectionKey: string): void {
    if (this.groups.get(groupKey) === group) this.groups.delete(groupKey);
    const stop = group.stop;
    group.stop = null;
    if (!stop) return;
    stop();
    const connection = group.connection;
    group.connection = null;
    if (connection && --connection.groups === 0) {
      if (this.connections.get(connectionKey) === connection) this.connections.delete(connectionKey);
      void connection.client.dispose();
    }
  }

  /** The graphql-ws client of (subgraph, credentials, language), created lazily. */
  private connection(key: string, ctx: GatewayContext, service: string): UpstreamConnection {
    const existing = this.connections.get(key);
    if (existing) return existing;
    const httpUrl = this.urls.get(service);
    if (!httpUrl) throw new SubscriptionError('The subscription cannot be served', 'INTERNAL_SERVER_ERROR');
    const client = createClient({
      url: httpUrl.replace(/^http/, 'ws'),
      webSocketImpl: WebSocket,
      lazy: true,
      lazyCloseTimeout: 1_000,
      retryAttempts: 0,
      keepAlive: 12_000,
      connectionParams: {
        ...(ctx.authorization ? { authorization: ctx.authorization } : {}),
        'x-request-id': ctx.requestId ?? crypto.randomUUID(),
        'accept-language': ctx.locale,
      },
    });
    const connection: UpstreamConnection = { client, groups: 0, open: false };
    client.on('connected', () => { connection.open = true; });
    client.on('closed', () => {
      connection.open = false;
      // A socket the subgraph closed (expiry, revocation, restart): its groups got the error;
      // later subscribers get a fresh connection.
      if (this.connections.get(key) === connection) this.connections.delete(key);
    });
    this.connections.set(key, connection);
    return connection;
  }
}

/** An event's errors from the subgraph, masked like every subgraph error (errors.ts). */
function maskUpstreamErrors(errors: readonly GraphQLFormattedError[] | undefined, plan: SubscriptionPlan, context: GatewayContext): GraphQLError[] | undefined {
  if (!errors?.length) return undefined;
  return errors.map((e) => {
    const masked = maskSubgraphError(e, plan.primary.serviceName, context);
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
