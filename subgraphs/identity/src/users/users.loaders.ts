import DataLoader from 'dataloader';
import type { AuthContext } from '@imagy/platform/auth';
import type { User, UsersService } from './users.service';

/** Per-request loaders in the caller's tenant scope: one SQL statement per batch of ids. */
export function createUserLoaders(users: UsersService, auth: AuthContext) {
  return {
    userById: new DataLoader<string, User | null>((ids) => users.byIds(auth.tenantId, ids)),
  };
}
