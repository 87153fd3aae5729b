/**
 * SQL of lending's user directory (`users`, tenant RLS). Two statements: an insert that ignores a
 * user already known (a redelivered or replayed event), and an existence check. Runs on the `em`
 * of a tenant-scoped transaction: the consumer's (the event's tenant) or the booking's.
 */
import type { Em } from '@imagy/platform/db';

export async function insertUser(em: Em, u: { id: string; tenantId: string; createdAt: string }): Promise<void> {
  await em.execute('insert into users (id, tenant_id, created_at) values (?, ?, ?::timestamptz) on conflict (id) do nothing', [u.id, u.tenantId, u.createdAt]);
}

/** Whether `id` is a user of the transaction's tenant (RLS hides every other tenant's users). */
export async function userExists(em: Em, id: string): Promise<boolean> {
  const rows = await em.execute<{ found: boolean }[]>('select exists (select 1 from users where id = ?) as found', [id]);
  return rows[0]?.found === true;
}
