/** SQL of the hash-chained trail (chain.ts). Appends run under the request's row lock, so seq and the chain never fork. */
import { iso, jsonParam, UUID_ARRAY_PARAM, type Em } from '@imagy/platform/db';
import { entryHash, GENESIS, type TrailContent } from './chain';

export interface TrailEntry extends TrailContent { prevHash: string; hash: string }

interface TrailRow { request_id: string; seq: number; action: string; signer_id: string | null; ip: string | null; user_agent: string | null; data: Record<string, unknown>; at: string; prev_hash: string; hash: string }

const toEntry = (r: TrailRow): TrailEntry => ({
  requestId: r.request_id, seq: r.seq, action: r.action, signerId: r.signer_id, ip: r.ip, userAgent: r.user_agent, data: r.data, at: r.at, prevHash: r.prev_hash, hash: r.hash,
});

export const trailStore = {
  async append(em: Em, tenantId: string, e: Omit<TrailContent, 'seq' | 'at'>): Promise<TrailEntry> {
    const last = await em.execute<{ seq: number; hash: string; now: string }[]>(
      `select coalesce(max(seq), 0)::int as seq, coalesce((select hash from trail where request_id = ? order by seq desc limit 1), ?) as hash, ${iso('clock_timestamp()')} as now from trail where request_id = ?`,
      [e.requestId, GENESIS, e.requestId]);
    const { seq, hash: prevHash, now } = last[0]!;
    const content: TrailContent = { ...e, seq: seq + 1, at: now };
    const hash = entryHash(prevHash, content);
    await em.execute(`insert into trail (tenant_id, request_id, seq, action, signer_id, ip, user_agent, data, at, prev_hash, hash) values (?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?::timestamptz, ?, ?)`,
      [tenantId, e.requestId, content.seq, e.action, e.signerId, e.ip, e.userAgent, jsonParam(e.data), now, prevHash, hash]);
    return { ...content, prevHash, hash };
  },

  async of(em: Em, requestIds: readonly string[]): Promise<TrailEntry[]> {
    if (requestIds.length === 0) return [];
    return (await em.execute<TrailRow[]>(`select request_id, seq, action, signer_id, ip, user_agent, data, ${iso('at')} as at, prev_hash, hash from trail
      where request_id = any(${UUID_ARRAY_PARAM}) order by request_id, seq`, [jsonParam(requestIds)])).map(toEntry);
  },
};
