/** Rules of items: who may create them and what a name may be. Never builds SQL (items.store.ts does). */
import crypto from 'node:crypto';
import type { AuthContext } from '@imagy/platform/auth';
import { inTenantTx, isUuid, type Orm } from '@imagy/platform/db';
import { notPlainText, payload } from '@imagy/platform/graphql';
import { decodeCursor, pageSize, requireRole, requireUser, toConnection, type Caller, type Connection } from '@imagy/platform/server';
import type { CreateSignItemInput } from '../__generated__/graphql';
import { reject } from '../i18n/messages';
import { itemsStore, type Item } from './items.store';

export const ITEM_WRITERS = ['tenant_admin', 'staff'];
export const MAX_NAME = 120;

export class ItemsService {
  constructor(private readonly orm: Orm) {}

  async create(caller: Caller, input: CreateSignItemInput) {
    const auth = requireRole(caller.auth, ...ITEM_WRITERS);
    const name = input.name.trim();
    return payload(() => inTenantTx(this.orm, { tenantId: auth.tenantId }, async (em) => {
      if (!name) reject('NAME_REQUIRED', { field: 'name' });
      if (name.length > MAX_NAME) reject('NAME_TOO_LONG', { field: 'name', params: { max: MAX_NAME } });
      if (notPlainText(name)) reject('NAME_NOT_PLAIN_TEXT', { field: 'name' });
      return { item: await itemsStore.insert(em, { id: crypto.randomUUID(), tenantId: auth.tenantId!, name }) };
    }), { item: null });
  }

  /** For the DataLoader: one statement for many ids; RLS leaves another tenant's ids out. */
  async byIds(auth: AuthContext, ids: readonly string[]): Promise<(Item | null)[]> {
    const valid = ids.filter(isUuid);
    const found = await inTenantTx(this.orm, { tenantId: auth.tenantId }, (em) => itemsStore.byIds(em, valid));
    const byId = new Map(found.map((i) => [i.id, i]));
    return ids.map((id) => byId.get(id) ?? null);
  }

  async list(auth: AuthContext, args: { first?: number | null; after?: string | null }): Promise<Connection<Item>> {
    requireUser(auth);
    const limit = pageSize(args.first);
    const after = decodeCursor<{ createdAt: string; id: string }>(args.after);
    const rows = await inTenantTx(this.orm, { tenantId: auth.tenantId }, (em) => itemsStore.page(em, limit, after));
    return toConnection(rows, limit, (i) => ({ createdAt: i.createdAt, id: i.id }));
  }
}
