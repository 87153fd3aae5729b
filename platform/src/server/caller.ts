/**
 * Request facts every subgraph needs for events and audit, and small wiring helpers that every
 * subgraph's app.ts used to repeat.
 */
import type express from 'express';
import type { NatsConnection } from '@nats-io/transport-node';
import type { AuthContext } from '../auth/context';
import type { EventActor } from '../events/envelope';
import type { ReadinessCheck } from './subgraph';

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

/**
 * Client address and user agent of a request. `req.ip` honours express's `trust proxy` setting
 * (TRUST_PROXY, see `trustProxySetting`), so behind the gateway it is the caller's address only when
 * the deployment says the hop in front is trusted; otherwise it is the peer's address.
 */
export function clientOf(req: express.Request): { ip: string | null; userAgent: string | null } {
  const ua = req.get('user-agent');
  return { ip: req.ip ?? req.socket.remoteAddress ?? null, userAgent: ua ? ua.slice(0, 512) : null };
}

/** express `trust proxy` value from the TRUST_PROXY environment variable (true, a hop count, or addresses). */
export function trustProxySetting(raw: string): boolean | number | string {
  if (raw === 'true') return true;
  if (raw === 'false') return false;
  return /^\d+$/.test(raw) ? Number(raw) : raw;
}

export function buildCaller(base: { auth: AuthContext; requestId: string }, req: express.Request): Caller {
  return { auth: base.auth, requestId: base.requestId, ...clientOf(req) };
}

/** `/ready` check: the NATS connection is open and answers a round trip. */
export function natsReadiness(nc: NatsConnection): ReadinessCheck {
  return { name: 'nats', check: async () => { if (nc.isClosed()) throw new Error('closed'); await nc.flush(); } };
}

type ResolverMap = Record<string, Record<string, unknown>>;

/** Merges feature resolver maps type by type (later maps add fields to earlier types). */
export function mergeResolvers(...maps: ResolverMap[]): ResolverMap {
  const out: ResolverMap = {};
  for (const m of maps) for (const [type, fields] of Object.entries(m)) out[type] = { ...out[type], ...fields };
  return out;
}
