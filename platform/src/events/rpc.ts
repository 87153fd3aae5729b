/**
 * Internal request-reply between subgraphs over NATS core (not JetStream): for the few calls that
 * need an answer now (sign asks notifications to send and check a signing OTP). Events stay the
 * default; a call here is for "do this and tell me the result", never for broadcasting facts.
 *
 * Trust: requests and replies are signed with the installation's event-signing key (the same trust
 * every subgraph already has for events), under a distinct domain tag so an event can never be
 * replayed as a call or a reply as a request. A request carries its tenant, actor and time; a server
 * refuses requests older than `RPC_MAX_AGE_MS` (30 s) and unsigned or tampered ones; a client refuses
 * replies that are unsigned, tampered or answer another request. The server handler runs under the
 * request's tenant (the handler opens its own `inTenantTx`), so RLS applies as for any request.
 *
 * Subjects are `rpc.<method>` (e.g. `rpc.notifications.otp.request`), outside every domain stream,
 * so JetStream never stores or acks them. Servers join the queue group of the method: replicas share
 * the calls.
 */
import crypto from 'node:crypto';
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import { logger, type Logger } from '../logger';
import { canonicalJson, type EventActor, type EventSigner } from './envelope';
import { wireSubject, type Namespace } from './nats';
import type { RpcCatalogue, RpcMethod } from './rpc-catalogue';

export type { RpcCatalogue, RpcMethod } from './rpc-catalogue';

const RPC_MAX_AGE_MS = 30_000;
const MAX_MESSAGE_BYTES = 64 * 1024;

export interface RpcRequest<M extends RpcMethod = RpcMethod> {
  id: string;
  method: M;
  tenantId: string;
  actor: EventActor;
  requestId: string | null;
  sentAt: string;
  data: RpcCatalogue[M]['request'];
  signature: string;
}

/** A handler's answer: the method's result, or a typed refusal the caller maps to its own userError. */
export type RpcResult<M extends RpcMethod> =
  | { ok: true; data: RpcCatalogue[M]['response'] }
  | { ok: false; code: RpcCatalogue[M]['errors'] | 'INTERNAL' | 'BAD_REQUEST'; field: string | null };

interface RpcReply<M extends RpcMethod = RpcMethod> {
  inReplyTo: string;
  result: RpcResult<M>;
  signature: string;
}

/** A call failed before a handler answered: no server, a timeout, or a reply that does not verify. */
export class RpcUnavailableError extends Error {
  constructor(readonly method: string, reason: string) {
    super(`rpc ${method}: ${reason}`);
    this.name = 'RpcUnavailableError';
  }
}

/** HMAC over a domain tag plus the canonical fields, with the installation's event key. */
export class RpcSigner {
  constructor(private readonly events: EventSigner) {}

  mac(tag: 'rpc-request' | 'rpc-reply', fields: unknown[]): string {
    return this.events.hmac(canonicalJson([tag, ...fields]));
  }

  matches(given: unknown, expected: string): boolean {
    if (typeof given !== 'string') return false;
    const a = Buffer.from(given, 'base64url');
    const b = Buffer.from(expected, 'base64url');
    return a.length === b.length && crypto.timingSafeEqual(a, b);
  }
}

const requestFields = (r: Omit<RpcRequest, 'signature'>) => [r.id, r.method, r.tenantId, r.actor, r.requestId, r.sentAt, r.data];
const replyFields = (r: Omit<RpcReply, 'signature'>) => [r.inReplyTo, r.result];

export interface RpcCallOptions {
  tenantId: string;
  actor: EventActor;
  requestId?: string | null;
  /** Default 5 s: the handlers behind calls are short transactions. */
  timeoutMs?: number;
}

export class RpcClient {
  constructor(private readonly nc: NatsConnection, private readonly ns: Namespace, private readonly signer: RpcSigner) {}

  async call<M extends RpcMethod>(method: M, data: RpcCatalogue[M]['request'], options: RpcCallOptions): Promise<RpcResult<M>> {
    const unsigned = { id: crypto.randomUUID(), method, tenantId: options.tenantId, actor: options.actor, requestId: options.requestId ?? null, sentAt: new Date().toISOString(), data };
    const request: RpcRequest<M> = { ...unsigned, signature: this.signer.mac('rpc-request', requestFields(unsigned)) };
    let raw: Uint8Array;
    try {
      const msg = await this.nc.request(wireSubject(this.ns, `rpc.${method}`), JSON.stringify(request), { timeout: options.timeoutMs ?? 5_000 });
      raw = msg.data;
    } catch (err) {
      throw new RpcUnavailableError(method, (err as Error).message);
    }
    let reply: RpcReply<M>;
    try {
      reply = JSON.parse(Buffer.from(raw).toString('utf8')) as RpcReply<M>;
    } catch {
      throw new RpcUnavailableError(method, 'reply is not JSON');
    }
    if (!reply || typeof reply !== 'object' || reply.inReplyTo !== request.id || !reply.result || typeof reply.result !== 'object'
      || !this.signer.matches(reply.signature, this.signer.mac('rpc-reply', replyFields(reply)))) {
      throw new RpcUnavailableError(method, 'reply does not verify');
    }
    return reply.result;
  }
}

/** What a handler gets besides the data: the verified tenant and actor of the call. */
export interface RpcCall { tenantId: string; actor: EventActor; requestId: string | null }

/**
 * One served method of a subgraph definition (`rpc` in defineSubgraph). Written with method
 * signatures on purpose: a spec of one method is then a spec of the catalogue (`RpcServerSpec`),
 * so a definition lists several methods in one array; `accepts` is what makes that sound at run time.
 */
export interface RpcServerSpec<M extends RpcMethod = RpcMethod> {
  method: M;
  /** Shape check of the data before the handler runs: a refusal answers BAD_REQUEST. */
  accepts(data: unknown): data is RpcCatalogue[M]['request'];
  handler(data: RpcCatalogue[M]['request'], call: RpcCall): Promise<RpcResult<M>>;
}

/** Infers the method's types for a spec written inline. */
export const rpcMethod = <M extends RpcMethod>(spec: RpcServerSpec<M>): RpcServerSpec<M> => spec;

export class RpcServer {
  private subscription: Subscription | null = null;
  private loop: Promise<void> | null = null;
  private readonly log: Logger;

  constructor(private readonly nc: NatsConnection, private readonly ns: Namespace, private readonly signer: RpcSigner, private readonly spec: RpcServerSpec, log: Logger = logger) {
    this.log = log.child({ component: 'rpc', method: spec.method });
  }

  /** Subscribes and waits until the server has the subscription, so a call right after start is answered. */
  async start(): Promise<void> {
    const subject = wireSubject(this.ns, `rpc.${this.spec.method}`);
    const sub = this.nc.subscribe(subject, { queue: `rpc.${this.spec.method}` });
    this.subscription = sub;
    this.loop = (async () => {
      for await (const msg of sub) {
        if (!msg.reply) continue;
        const reply = await this.answer(msg.data);
        if (reply) msg.respond(JSON.stringify(reply));
      }
    })();
    await this.nc.flush();
  }

  /** The signed reply to one raw request, or null when the request is not ours to answer (unsigned, stale). */
  private async answer(raw: Uint8Array): Promise<RpcReply | null> {
    if (raw.length > MAX_MESSAGE_BYTES) return null;
    let request: RpcRequest;
    try {
      request = JSON.parse(Buffer.from(raw).toString('utf8')) as RpcRequest;
    } catch {
      return null;
    }
    if (!request || typeof request !== 'object' || typeof request.id !== 'string' || request.method !== this.spec.method || typeof request.tenantId !== 'string'
      || !request.actor || typeof request.actor !== 'object' || typeof request.sentAt !== 'string'
      || !this.signer.matches(request.signature, this.signer.mac('rpc-request', requestFields(request)))) {
      this.log.warn('refused an rpc request that does not verify');
      return null;
    }
    const age = Date.now() - Date.parse(request.sentAt);
    if (!(age < RPC_MAX_AGE_MS && age > -RPC_MAX_AGE_MS)) {
      this.log.warn({ ageMs: age }, 'refused a stale rpc request');
      return null;
    }
    let result: RpcResult<RpcMethod>;
    if (!this.spec.accepts(request.data)) result = { ok: false, code: 'BAD_REQUEST', field: null };
    else {
      try {
        result = await this.spec.handler(request.data, { tenantId: request.tenantId, actor: request.actor, requestId: request.requestId ?? null });
      } catch (err) {
        this.log.error({ err }, 'rpc handler failed');
        result = { ok: false, code: 'INTERNAL', field: null };
      }
    }
    const unsigned = { inReplyTo: request.id, result };
    return { ...unsigned, signature: this.signer.mac('rpc-reply', replyFields(unsigned)) };
  }

  async stop(): Promise<void> {
    const sub = this.subscription;
    this.subscription = null;
    if (sub && !sub.isClosed()) await sub.drain().catch(() => sub.unsubscribe());
    await this.loop;
  }
}
