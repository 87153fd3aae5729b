/**
 * Keyset pagination on `(created_at, id)`, shared by the lists of tenants, users and API keys.
 * Cursors are the platform's opaque base64url JSON of `[createdAt ISO string, id]`.
 */
import { raw } from '@mikro-orm/core';
import { isUuid } from '@imagy/platform/db';
import { BadInputError, decodeCursor } from '@imagy/platform/server';

export interface KeysetPosition { createdAt: Date; id: string }

/** Decodes an `after` cursor; anything that is not `[valid instant, uuid]` is BAD_USER_INPUT. */
export function keysetAfter(after: string | null | undefined): KeysetPosition | null {
  const cursor = decodeCursor<unknown>(after);
  if (cursor === null) return null;
  if (Array.isArray(cursor) && cursor.length === 2 && typeof cursor[0] === 'string' && isUuid(cursor[1])) {
    const createdAt = new Date(cursor[0]);
    if (!Number.isNaN(createdAt.getTime())) return { createdAt, id: cursor[1] };
  }
  throw new BadInputError('Invalid cursor', 'after');
}

/**
 * Rows strictly after the position, as one row comparison `(created_at, id) > (?, ?)`: PostgreSQL
 * walks the `(…, created_at, id)` index from there, where the equivalent OR of two conditions would
 * scan from the start of the tenant's rows.
 */
export function afterKey(after: KeysetPosition | null): { [rowKey: string]: { $gt: string } } {
  if (!after) return {};
  const rowKey = raw<object, string>((alias: string) => `(${alias}.created_at, ${alias}.id)`);
  return { [rowKey]: { $gt: raw<object, string>('(?::timestamptz, ?::uuid)', [after.createdAt.toISOString(), after.id]) } };
}
