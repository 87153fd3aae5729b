/**
 * The simulator's only statement of its own: it reads products through products.store.ts inside a
 * transaction it first makes read-only, so a public request cannot write even by a bug.
 */
import type { Em } from '@imagy/platform/db';

export async function readOnly(em: Em): Promise<void> {
  await em.execute('set transaction read only');
}
