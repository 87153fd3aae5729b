/** All SQL of items: typed rows in, domain objects out. Runs inside the caller's tenant transaction (RLS). */
import { iso, jsonParam, UUID_ARRAY_PARAM, type Em } from '@imagy/platform/db';

export interface Item {
  id: string;
  tenantId: string;
  name: string;
  createdAt: string;
}

interface ItemRow { id: string; tenant_id: string; name: string; created_at: string }

const SELECT = `select id, tenant_id, name, ${iso('created_at')} as created_at from items`;
const toItem = (r: ItemRow): Item => ({ id: r.id, tenantId: r.tenant_id, name: r.name, createdAt: r.created_at });

export const itemsStore = {
  async insert(em: Em, item: { id: string; tenantId: string; name: string }): Promise<Item> {
    const rows = await em.execute<ItemRow[]>(`insert into items (id, tenant_id, name) values (?, ?, ?) returning id, tenant_id, name, ${iso('created_at')} as created_at`, [item.id, item.tenantId, item.name]);
    return toItem(rows[0]!);
  },

  async byIds(em: Em, ids: readonly string[]): Promise<Item[]> {
    if (ids.length === 0) return [];
    return (await em.execute<ItemRow[]>(`${SELECT} where id = any(${UUID_ARRAY_PARAM})`, [jsonParam(ids)])).map(toItem);
  },

  /** Newest first, keyset after (createdAt, id); one row more than the page to tell hasNextPage. */
  async page(em: Em, limit: number, after: { createdAt: string; id: string } | null): Promise<Item[]> {
    const rows = after
      ? await em.execute<ItemRow[]>(`${SELECT} where (created_at, id) < (?::timestamptz, ?::uuid) order by created_at desc, id desc limit ?`, [after.createdAt, after.id, limit + 1])
      : await em.execute<ItemRow[]>(`${SELECT} order by created_at desc, id desc limit ?`, [limit + 1]);
    return rows.map(toItem);
  },
};
