/** Per-request DataLoaders of items (a list of N references costs one SQL statement). */
import DataLoader from 'dataloader';
import type { AuthContext } from '@imagy/platform/auth';
import type { Item } from './items.store';
import type { ItemsService } from './items.service';

export function createItemLoaders(items: ItemsService, auth: AuthContext) {
  return { itemById: new DataLoader<string, Item | null>((ids) => items.byIds(auth, ids)) };
}

export type ItemLoaders = ReturnType<typeof createItemLoaders>;
