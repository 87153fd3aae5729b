/**
 * The signature trail: every action on a request is appended to its hash chain (chain.ts) and
 * published as sign.trail.appended through the outbox (audit records it), in the action's transaction.
 */
import type { Em } from '@imagy/platform/db';
import type { EventActor, Outbox } from '@imagy/platform/events';
import { chainHolds } from './chain';
import { trailStore, type TrailEntry } from './trail.store';

export type { TrailEntry };

export interface ActionMeta { tenantId: string; actor: EventActor; requestId: string | null; ip: string | null; userAgent: string | null }

export class Trail {
  constructor(private readonly outbox: Outbox) {}

  async record(em: Em, meta: ActionMeta, requestId: string, action: string, signerId: string | null, data: Record<string, unknown> = {}): Promise<TrailEntry> {
    const entry = await trailStore.append(em, meta.tenantId, { requestId, action, signerId, ip: meta.ip, userAgent: meta.userAgent, data });
    await this.outbox.publish(em, 'sign.trail.appended', { signatureRequestId: requestId, seq: entry.seq, action, signerId, hash: entry.hash }, { tenantId: meta.tenantId, actor: meta.actor, requestId: meta.requestId });
    return entry;
  }

  verified(entries: TrailEntry[]): boolean {
    return chainHolds(entries);
  }
}
