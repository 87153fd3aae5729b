/**
 * SQL of tenant_users, the ids identity has announced as users of a tenant (see
 * migrations/0002-tenant-users.ts). Runs on tenant-scoped transactions: RLS shows a transaction
 * only its own tenant's rows, and the tenant is also named so the primary key is used.
 */
import type { Em } from '@imagy/platform/db';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Records that `userId` is a user of `tenantId`; a repeat is a no-op (a user logs on many times). */
export async function rememberTenantUser(em: Em, tenantId: string, userId: string): Promise<void> {
  if (!UUID.test(userId)) return;
  await em.execute(`insert into tenant_users (tenant_id, user_id) values (?, ?) on conflict do nothing`, [tenantId, userId.toLowerCase()]);
}

/** The ids among `ids` that are known users of `tenantId` (lower-case). Non-UUID ids are never users. */
export async function tenantUsersAmong(em: Em, tenantId: string, ids: readonly string[]): Promise<Set<string>> {
  const candidates = [...new Set(ids.filter((i) => UUID.test(i)).map((i) => i.toLowerCase()))];
  if (candidates.length === 0) return new Set();
  // A Postgres array literal of checked UUIDs: MikroORM would expand a JS array parameter into a list.
  const rows = await em.execute<{ id: string }[]>(
    `select user_id::text as id from tenant_users where tenant_id = ? and user_id = any(?::uuid[])`, [tenantId, `{${candidates.join(',')}}`]);
  return new Set(rows.map((r) => r.id));
}
