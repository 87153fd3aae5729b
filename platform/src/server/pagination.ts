/**
 * Relay cursor pagination helpers. Cursors are opaque base64url JSON of the sort key, so keyset
 * pagination stays index-friendly (no OFFSET).
 */
import { BadInputError } from './errors';

export const MAX_PAGE_SIZE = 100;

export function pageSize(first: number | null | undefined, fallback = 20): number {
  if (first === null || first === undefined) return fallback;
  if (!Number.isInteger(first) || first < 1 || first > MAX_PAGE_SIZE) throw new BadInputError(`first must be between 1 and ${MAX_PAGE_SIZE}`, 'first');
  return first;
}

export function encodeCursor(key: unknown): string {
  return Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');
}

export function decodeCursor<T>(cursor: string | null | undefined): T | null {
  if (!cursor) return null;
  try {
    return JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as T;
  } catch {
    throw new BadInputError('Invalid cursor', 'after');
  }
}

export interface Connection<T> {
  edges: { cursor: string; node: T }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null; hasPreviousPage: boolean; startCursor: string | null };
  totalCount?: number;
}

/** Builds a connection from `limit + 1` fetched rows (the extra row only tells hasNextPage). */
export function toConnection<T>(rows: T[], limit: number, keyOf: (row: T) => unknown, totalCount?: number): Connection<T> {
  const page = rows.slice(0, limit);
  const edges = page.map((node) => ({ cursor: encodeCursor(keyOf(node)), node }));
  return {
    edges,
    pageInfo: { hasNextPage: rows.length > limit, endCursor: edges.at(-1)?.cursor ?? null, hasPreviousPage: false, startCursor: edges[0]?.cursor ?? null },
    totalCount,
  };
}
