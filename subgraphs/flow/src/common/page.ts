/** Keyset page arguments of flow's newest-first lists: `first` bounded, `after` a (createdAt, id) cursor checked before it reaches SQL. */
import { isUuid } from '@imagy/platform/db';
import { BadInputError, decodeCursor, pageSize } from '@imagy/platform/server';

export interface NewestFirst { createdAt: string; id: string }

export function newestFirstPage(args: { first?: number | null; after?: string | null }): { limit: number; after: NewestFirst | null } {
  const limit = pageSize(args.first);
  const after = decodeCursor<NewestFirst>(args.after);
  if (after && (typeof after.createdAt !== 'string' || Number.isNaN(Date.parse(after.createdAt)) || !isUuid(after.id))) throw new BadInputError('Invalid cursor', 'after');
  return { limit, after };
}

export const cursorOf = (row: NewestFirst): NewestFirst => ({ createdAt: row.createdAt, id: row.id });

/** Orders what one statement found by the keys a DataLoader asked for (null where RLS or absence left a gap). */
export function byKeys<T extends { id: string }>(ids: readonly string[], found: T[]): (T | null)[] {
  const byId = new Map(found.map((r) => [r.id, r]));
  return ids.map((id) => byId.get(id) ?? null);
}

/** Groups what one statement found by the keys a DataLoader asked for (an empty list for a key with nothing). */
export function groupedBy<T>(keys: readonly string[], found: T[], keyOf: (row: T) => string): T[][] {
  const groups = new Map<string, T[]>();
  for (const row of found) {
    const k = keyOf(row);
    const g = groups.get(k);
    if (g) g.push(row); else groups.set(k, [row]);
  }
  return keys.map((k) => groups.get(k) ?? []);
}
