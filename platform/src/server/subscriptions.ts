/**
 * GraphQL subscriptions of a subgraph: its `Subscription` fields served over graphql-ws
 * (`graphql-transport-ws`) at `/graphql` of the subgraph's own HTTP server, and the NATS fan-out
 * that feeds them.
 *
 *  - `subscriptionServer()` returns an `onListening` hook for `startSubgraph` plus `close()`. The
 *    bearer token comes in `connectionParams.authorization` ("Bearer ..."), is verified at
 *    `connection_init` with the same TokenVerifier as HTTP (a bad token: close 4403 Forbidden), and
 *    the socket is closed (4401) when the token expires. No token is an anonymous caller: resolvers
 *    refuse it as they do over HTTP. Each subscribe gets a fresh context of the same shape as an
 *    HTTP request's (`BaseContext` + `extendContext`), so resolvers are shared.
 *  - `NatsSubscriptionHub` keeps ONE core NATS subscription per wire subject per process, shared by
 *    every subscriber; it verifies each envelope's signature once (bad ones are dropped), then hands
 *    it to the subscribers whose tenant matches (a platform auditor with `allTenants` sees all) and
 *    whose filter accepts it. Each subscriber has a bounded buffer: past it, its iterator ends with
 *    `SUBSCRIPTION_BUFFER_OVERFLOW` instead of memory growing.
 */
import type http from 'node:http';
import crypto from 'node:crypto';
import { WebSocketServer } from 'ws';
import { useServer } from 'graphql-ws/use/ws';
import { GraphQLError, type GraphQLFormattedError, type GraphQLSchema } from 'graphql';
import type { AuthContext } from '../auth/context';
import { AuthError } from '../auth/errors';
import type { TokenVerifier } from '../auth/verifier';
import type { RevocationView } from '../auth/revocation';
import { looksLikeEnvelope, type EventEnvelope, type EventSigner } from '../events/envelope';
import type { EventSubject } from '../events/catalogue';
import { wireSubject, type Namespace, type NatsConnection } from '../events/nats';
import { logger, type Logger } from '../logger';
import { formatError } from './errors';
import { authenticate, refuseRevoked, requestIdFrom, type BaseContext } from './subgraph';

/** Close codes of graphql-ws used for authentication (the protocol's Unauthorized / Forbidden). */
export const WS_CLOSE_UNAUTHORIZED = 4401;
export const WS_CLOSE_FORBIDDEN = 4403;
/** Longest delay setTimeout accepts (about 24.8 days). */
const MAX_TIMER_MS = 2 ** 31 - 1;

export interface SubscriptionServerOptions<TExtra extends object> {
  name: string;
  verifier: TokenVerifier;
  /** Closes open sockets (4403) as soon as their tenant, user or session is revoked, and refuses new ones. */
  revocations?: RevocationView;
  /** Same role as startSubgraph's extendContext (DataLoaders...), called once per subscribe. */
  extendContext?: (base: BaseContext) => TExtra;
  /** Default `/graphql`. */
  path?: string;
  /** graphql-ws keep-alive ping interval (ms), default 12 000. */
  keepAliveMs?: number;
}

export interface SubscriptionServer {
  /** Pass as startSubgraph's `onListening`. */
  onListening(server: http.Server, schema: GraphQLSchema): void;
  /** Open client sockets (tests, metrics). */
  connections(): number;
  /** Closes every socket (1001) and the WebSocket server. Call before the subgraph's stop(). */
  close(): Promise<void>;
}

type ConnectionExtra = { auth?: AuthContext; expiryTimer?: NodeJS.Timeout };

/** Reads "Bearer ..." from connection params (`authorization` or `Authorization`). */
export function authorizationParam(params: Readonly<Record<string, unknown>> | undefined | null): string | undefined {
  const value = params?.authorization ?? params?.Authorization;
  return typeof value === 'string' ? value : undefined;
}

/** Closes `socket` with 4401 when the token expires; returns the timer (or undefined without exp). */
export function closeOnExpiry(socket: { close(code: number, reason: string): void }, expiresAt: number | undefined): NodeJS.Timeout | undefined {
  if (!expiresAt) return undefined;
  const ms = Math.max(0, expiresAt * 1000 - Date.now());
  const timer = setTimeout(() => socket.close(WS_CLOSE_UNAUTHORIZED, 'Token expired'), Math.min(ms, MAX_TIMER_MS));
  timer.unref();
  return timer;
}

export function subscriptionServer<TExtra extends object>(options: SubscriptionServerOptions<TExtra>): SubscriptionServer {
  const log = logger.child({ service: options.name, component: 'subscriptions' });
  let wss: WebSocketServer | null = null;
  let disposable: { dispose(): void | Promise<void> } | null = null;
  // Open authenticated sockets, so a revocation can close exactly the affected ones.
  const open = new Map<{ close(code: number, reason: string): void }, AuthContext>();
  const stopWatching = options.revocations?.onChange(() => {
    for (const [socket, auth] of open) {
      try {
        refuseRevoked(auth, options.revocations);
      } catch (e) {
        log.info({ tenant_id: auth.tenantId ?? undefined }, 'closing a subscription socket: access revoked');
        open.delete(socket);
        socket.close(WS_CLOSE_FORBIDDEN, `Forbidden: ${(e as Error).message}`);
      }
    }
  });

  const format = (errors: readonly GraphQLError[]): GraphQLFormattedError[] => errors.map((e) => formatError(e.toJSON(), e));

  return {
    onListening(server, schema) {
      wss = new WebSocketServer({ server, path: options.path ?? '/graphql' });
      disposable = useServer<Record<string, unknown>, ConnectionExtra>({
        schema,
        onConnect: async (ctx) => {
          const requestId = requestIdFrom(ctx.connectionParams?.['x-request-id']);
          try {
            const auth = await authenticate(options.verifier, authorizationParam(ctx.connectionParams), requestId, options.revocations);
            ctx.extra.auth = auth;
            if (auth.kind !== 'anonymous') open.set(ctx.extra.socket, auth);
            ctx.extra.expiryTimer = closeOnExpiry(ctx.extra.socket, auth.expiresAt);
            return true;
          } catch (e) {
            if (!(e instanceof AuthError)) throw e;
            log.warn({ reason: e.reason }, 'subscription connection refused');
            ctx.extra.socket.close(WS_CLOSE_FORBIDDEN, `Forbidden: ${e.message}`);
            return false;
          }
        },
        onClose: (ctx) => {
          open.delete(ctx.extra.socket);
          if (ctx.extra.expiryTimer) clearTimeout(ctx.extra.expiryTimer);
        },
        context: (ctx) => {
          const auth = { ...ctx.extra.auth!, requestId: crypto.randomUUID() };
          const base: BaseContext = {
            auth,
            requestId: auth.requestId,
            log: log.child({ request_id: auth.requestId, tenant_id: auth.tenantId ?? undefined }),
          };
          return Object.assign(base, options.extendContext?.(base) ?? ({} as TExtra));
        },
        // Same error shape as HTTP: typed errors keep their code, unexpected ones are hidden.
        onNext: (_ctx, _id, _payload, _args, result) => (result.errors?.length ? { ...result, errors: format(result.errors) } : undefined),
        onError: (_ctx, _id, _payload, errors) => format(errors),
      }, wss, options.keepAliveMs);
    },
    connections: () => wss?.clients.size ?? 0,
    async close() {
      stopWatching?.();
      if (!wss) return;
      const server = wss;
      wss = null;
      for (const client of server.clients) client.close(1001, 'Going away');
      await disposable?.dispose();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

// ---------------------------------------------------------------------------------------------
// NATS fan-out
// ---------------------------------------------------------------------------------------------

export const SUBSCRIPTION_BUFFER_OVERFLOW = 'SUBSCRIPTION_BUFFER_OVERFLOW';

/** A subscriber fell too far behind; its subscription was ended. */
export class SubscriptionBufferOverflowError extends Error {
  readonly extensions = { code: SUBSCRIPTION_BUFFER_OVERFLOW };
  constructor(limit: number) {
    super(`${SUBSCRIPTION_BUFFER_OVERFLOW}: the subscriber fell more than ${limit} events behind and its subscription was closed; subscribe again`);
    this.name = 'SubscriptionBufferOverflowError';
  }
}

export interface HubSubscriberOptions<S extends EventSubject> {
  /** Only envelopes of this tenant are delivered (null: none, unless allTenants). */
  tenantId: string | null;
  /** Every tenant's envelopes: set only after a platform role (e.g. platform_auditor) was checked. */
  allTenants?: boolean;
  /** Extra per-subscriber filter, after the tenant check. */
  filter?: (envelope: EventEnvelope<S>) => boolean;
  /** Overrides the hub's buffer size. */
  bufferSize?: number;
}

export type HubIterator<S extends EventSubject> = AsyncIterableIterator<EventEnvelope<S>> & {
  /** Stops delivery and ends the iterator. */
  close(): void;
};

/**
 * A subscription's stream from a hub iterator: each envelope mapped (async; null/undefined skips it).
 * `return()` closes the hub subscription at once, even while a read is pending; an async
 * generator's return() would instead wait for the next event, keeping a completed subscription
 * (and its NATS interest) alive.
 */
export function mapHubIterator<S extends EventSubject, T>(
  source: HubIterator<S>,
  map: (envelope: EventEnvelope<S>) => Promise<T | null | undefined> | T | null | undefined,
): AsyncIterableIterator<T> {
  return {
    async next(): Promise<IteratorResult<T>> {
      for (;;) {
        const r = await source.next();
        if (r.done) return { value: undefined, done: true };
        const value = await map(r.value);
        if (value !== null && value !== undefined) return { value, done: false };
      }
    },
    async return(): Promise<IteratorResult<T>> { source.close(); return { value: undefined, done: true }; },
    async throw(e?: unknown): Promise<IteratorResult<T>> { source.close(); throw e; },
    [Symbol.asyncIterator]() { return this; },
  };
}

interface Subscriber {
  tenantId: string | null;
  allTenants: boolean;
  filter?: (envelope: EventEnvelope) => boolean;
  push(envelope: EventEnvelope): void;
  end(): void;
}

interface Topic { subscription: { unsubscribe(): void }; subscribers: Set<Subscriber> }

export interface NatsSubscriptionHubOptions {
  nc: NatsConnection;
  ns: Namespace;
  signer: EventSigner;
  /** Events buffered per subscriber before it is ended with SUBSCRIPTION_BUFFER_OVERFLOW (default 1000). */
  bufferSize?: number;
  log?: Logger;
}

export class NatsSubscriptionHub {
  private readonly topics = new Map<string, Topic>();
  private readonly bufferSize: number;
  private readonly log: Logger;
  private natsSubscriptionsOpened = 0;
  /** Envelopes dropped for a bad signature or shape (tests, metrics). */
  rejected = 0;

  constructor(private readonly options: NatsSubscriptionHubOptions) {
    this.bufferSize = options.bufferSize ?? 1000;
    this.log = options.log ?? logger.child({ component: 'subscription-hub' });
  }

  /** Live envelopes of `subject` for one subscriber, as an async iterator (end it with return()/close()). */
  subscribe<S extends EventSubject>(subject: S, subscriber: HubSubscriberOptions<S>): HubIterator<S> {
    const wire = wireSubject(this.options.ns, subject);
    const limit = subscriber.bufferSize ?? this.bufferSize;
    const queue: EventEnvelope<S>[] = [];
    let head = 0;
    let waiting: ((r: IteratorResult<EventEnvelope<S>>) => void) | null = null;
    let failWaiting: ((e: Error) => void) | null = null;
    let done = false;
    let failure: Error | null = null;

    const detach = () => {
      const topic = this.topics.get(wire);
      if (!topic) return;
      topic.subscribers.delete(entry);
      if (topic.subscribers.size === 0) {
        this.topics.delete(wire);
        topic.subscription.unsubscribe();
      }
    };
    const finish = (error: Error | null) => {
      if (done) return;
      done = true;
      failure = error;
      queue.length = 0;
      head = 0;
      detach();
      if (waiting) {
        const [resolve, reject] = [waiting, failWaiting!];
        waiting = failWaiting = null;
        if (error) reject(error);
        else resolve({ value: undefined, done: true });
      }
    };

    const entry: Subscriber = {
      tenantId: subscriber.tenantId,
      allTenants: subscriber.allTenants === true,
      filter: subscriber.filter as ((e: EventEnvelope) => boolean) | undefined,
      push: (envelope) => {
        if (done) return;
        if (waiting) {
          const resolve = waiting;
          waiting = failWaiting = null;
          resolve({ value: envelope as EventEnvelope<S>, done: false });
          return;
        }
        if (queue.length - head >= limit) {
          this.log.warn({ subject, tenant_id: subscriber.tenantId, limit }, 'subscriber buffer overflow: subscription closed');
          finish(new SubscriptionBufferOverflowError(limit));
          return;
        }
        queue.push(envelope as EventEnvelope<S>);
      },
      end: () => finish(null),
    };

    let topic = this.topics.get(wire);
    if (!topic) {
      const subscribers = new Set<Subscriber>();
      const subscription = this.options.nc.subscribe(wire, { callback: (err, msg) => {
        if (err) { this.log.error({ err, subject: wire }, 'nats subscription error'); return; }
        this.dispatch(subscribers, msg.data);
      } });
      this.natsSubscriptionsOpened++;
      topic = { subscription, subscribers };
      this.topics.set(wire, topic);
    }
    topic.subscribers.add(entry);

    const iterator: HubIterator<S> = {
      next: () => {
        if (head < queue.length) {
          const value = queue[head]!;
          queue[head++] = undefined as never;
          if (head > 1024 && head * 2 > queue.length) { queue.splice(0, head); head = 0; }
          return Promise.resolve({ value, done: false });
        }
        if (done) {
          if (failure) { const f = failure; failure = null; return Promise.reject(f); }
          return Promise.resolve({ value: undefined, done: true });
        }
        return new Promise((resolve, reject) => { waiting = resolve; failWaiting = reject; });
      },
      return: () => { finish(null); return Promise.resolve({ value: undefined, done: true }); },
      throw: (e?: unknown) => { finish(null); return Promise.reject(e); },
      close: () => { finish(null); },
      [Symbol.asyncIterator]() { return this; },
    };
    return iterator;
  }

  private dispatch(subscribers: Set<Subscriber>, data: Uint8Array): void {
    let envelope: EventEnvelope;
    try {
      const parsed: unknown = JSON.parse(Buffer.from(data).toString('utf8'));
      if (!looksLikeEnvelope(parsed) || !this.options.signer.verify(parsed)) throw new Error('bad envelope or signature');
      envelope = parsed;
    } catch {
      this.rejected++;
      this.log.warn('dropped an event that is not a validly signed envelope');
      return;
    }
    for (const s of [...subscribers]) {
      if (!s.allTenants && (s.tenantId === null || envelope.tenantId !== s.tenantId)) continue;
      try {
        if (s.filter && !s.filter(envelope)) continue;
      } catch (err) {
        this.log.error({ err }, 'subscription filter failed');
        continue;
      }
      s.push(envelope);
    }
  }

  /** Core NATS subscriptions currently open (all subjects, or one logical subject). */
  natsSubscriptionCount(subject?: EventSubject): number {
    return subject ? (this.topics.has(wireSubject(this.options.ns, subject)) ? 1 : 0) : this.topics.size;
  }

  /** Core NATS subscriptions ever opened by this hub. */
  natsSubscriptionsOpenedTotal(): number {
    return this.natsSubscriptionsOpened;
  }

  /** Current subscribers (all subjects, or one logical subject). */
  subscriberCount(subject?: EventSubject): number {
    if (subject) return this.topics.get(wireSubject(this.options.ns, subject))?.subscribers.size ?? 0;
    let n = 0;
    for (const t of this.topics.values()) n += t.subscribers.size;
    return n;
  }

  /** Ends every subscriber and unsubscribes from NATS. */
  close(): void {
    for (const [wire, topic] of [...this.topics]) {
      this.topics.delete(wire);
      topic.subscription.unsubscribe();
      for (const s of [...topic.subscribers]) s.end();
      topic.subscribers.clear();
    }
  }
}
