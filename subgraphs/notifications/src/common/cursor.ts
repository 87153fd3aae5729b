/** The keyset cursor of every newest-first list here: (createdAt, id), checked before it reaches SQL. */
import { isUuid } from '@imagy/platform/db';
import { BadInputError, decodeCursor } from '@imagy/platform/server';

export interface Keyset { createdAt: string; id: string }

export function keysetAfter(after: string | null | undefined): Keyset | null {
  const key = decodeCursor<Partial<Keyset>>(after);
  if (key === null) return null;
  if (typeof key !== 'object' || typeof key.createdAt !== 'string' || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/.test(key.createdAt) || !isUuid(key.id)) throw new BadInputError('Invalid cursor', 'after');
  return { createdAt: key.createdAt, id: key.id };
}

export const keysetOf = (row: Keyset): Keyset => ({ createdAt: row.createdAt, id: row.id });
