/**
 * Request facts every subgraph needs for events and audit, and small wiring helpers that every
 * subgraph's app.ts used to repeat.
 */
import net from 'node:net';
import type express from 'express';
import type { NatsConnection } from '@nats-io/transport-node';
import type { AuthContext } from '../auth/context';
import type { EventActor } from '../events/envelope';
import type { ReadinessCheck } from './subgraph';
import { isFromGateway } from './gateway-proof';

/** What services know about the request: the verified identity plus client hints for audit events. */
export interface Caller {
  auth: AuthContext;
  requestId: string;
  ip: string | null;
  userAgent: string | null;
}

export const SYSTEM_ACTOR: EventActor = { kind: 'system', userId: null };

export function actorOf(caller: Caller): EventActor {
  if (caller.auth.kind === 'anonymous' || !caller.auth.userId) return { kind: 'anonymous', userId: null, ip: caller.ip, userAgent: caller.userAgent };
  return { kind: caller.auth.kind === 'apiKey' ? 'apiKey' : 'user', userId: caller.auth.userId, ip: caller.ip, userAgent: caller.userAgent };
}

/** Client hints of a request for audit and login events. */
export interface ClientInfo { ip: string | null; userAgent: string | null }

/** What a caller over graphql-ws is known as: the socket's upgrade request is not kept per operation. */
export const NO_CLIENT_INFO: ClientInfo = { ip: null, userAgent: null };

/**
 * Client address and user agent of a request. From our gateway (the request carries the
 * installation's gateway proof, gateway-proof.ts) it is the address the gateway put in
 * X-Forwarded-For (the gateway never passes a caller's own). Otherwise `req.ip`, which honours
 * express's `trust proxy` (TRUST_PROXY, parsed once by `trustProxySetting` and applied by
 * startSubgraph; unset by default, so it is the peer's address). A forwarded value that is not an
 * IP address is dropped rather than recorded.
 */
export function clientOf(req: express.Request): ClientInfo {
  const ua = req.get('user-agent');
  const ip = isFromGateway(req.headers) ? gatewayForwardedFor(req) : (req.ip ?? req.socket.remoteAddress ?? null);
  return { ip: ip && net.isIP(ip) ? ip : null, userAgent: ua ? ua.slice(0, 512) : null };
}

/** The gateway sets one address; the last entry is the one its own hop added, should a proxy in between append. */
function gatewayForwardedFor(req: express.Request): string | null {
  const header = req.get('x-forwarded-for');
  const last = header?.split(',').pop()?.trim();
  return last ? last.replace(/^::ffff:/, '') : (req.socket.remoteAddress ?? null);
}

/** express `trust proxy` value of TRUST_PROXY: true/false, a hop count, or addresses/subnets ('loopback', 'uniquelocal', CIDRs). */
export type TrustProxy = boolean | number | string;

/**
 * The one parser of TRUST_PROXY (every subgraph and process uses it). Unset or empty: undefined
 * (X-Forwarded-For is ignored, `req.ip` is the peer). 'true'/'false', a hop count, or anything else
 * as express's list of trusted addresses.
 */
export function trustProxySetting(raw: string | undefined = process.env.TRUST_PROXY): TrustProxy | undefined {
  const value = raw?.trim();
  if (!value) return undefined;
  if (value === 'true') return true;
  if (value === 'false') return false;
  return /^\d+$/.test(value) ? Number(value) : value;
}

/** The Caller of a request: its verified identity plus client hints (none without an HTTP request, e.g. over graphql-ws). */
export function buildCaller(base: { auth: AuthContext; requestId: string }, req?: express.Request): Caller {
  return { auth: base.auth, requestId: base.requestId, ...(req ? clientOf(req) : NO_CLIENT_INFO) };
}

/** `/ready` check: the NATS connection is open and answers a round trip. */
export function natsReadiness(nc: NatsConnection): ReadinessCheck {
  return { name: 'nats', check: async () => { if (nc.isClosed()) throw new Error('closed'); await nc.flush(); } };
}
