/**
 * The hash chain of a request's trail: each entry's hash is SHA-256 over the previous entry's hash
 * and the entry's canonical content, so changing, removing or reordering any entry breaks every
 * hash after it. The first entry chains to GENESIS.
 */
import crypto from 'node:crypto';
import { canonicalJson } from '@imagy/platform/events';

export const GENESIS = '0'.repeat(64);

export interface TrailContent {
  requestId: string;
  seq: number;
  action: string;
  signerId: string | null;
  ip: string | null;
  userAgent: string | null;
  data: Record<string, unknown>;
  at: string;
}

export const entryHash = (prevHash: string, content: TrailContent): string =>
  crypto.createHash('sha256').update(prevHash).update(canonicalJson(content)).digest('hex');

/** True when every entry chains to the one before it and its hash matches its content. */
export function chainHolds(entries: Array<TrailContent & { prevHash: string; hash: string }>): boolean {
  let prev = GENESIS;
  for (const [i, e] of entries.entries()) {
    if (e.seq !== i + 1 || e.prevHash !== prev) return false;
    const { prevHash: _p, hash, ...content } = e;
    if (entryHash(prev, content) !== hash) return false;
    prev = hash;
  }
  return true;
}
