import type { AuthContext } from '@imagy/platform/auth';
import type { EventActor } from '@imagy/platform/events';

/** What services know about the request: the verified identity plus client hints for audit events. */
export interface Caller {
  auth: AuthContext;
  requestId: string;
  ip: string | null;
  userAgent: string | null;
}

export function actorOf(caller: Caller): EventActor {
  if (caller.auth.kind === 'anonymous' || !caller.auth.userId) return { kind: 'anonymous', userId: null, ip: caller.ip, userAgent: caller.userAgent };
  return { kind: caller.auth.kind === 'apiKey' ? 'apiKey' : 'user', userId: caller.auth.userId, ip: caller.ip, userAgent: caller.userAgent };
}

export const SYSTEM_ACTOR: EventActor = { kind: 'system', userId: null };
