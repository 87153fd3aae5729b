/** Per-request DataLoaders: N events by id cost one SQL statement. */
import DataLoader from 'dataloader';
import type { AuthContext } from '@imagy/platform/auth';
import type { AuditEventService } from './audit-event.service';
import type { AuditEventRow } from './audit-event.store';

export interface AuditLoaders {
  auditEventById: DataLoader<string, AuditEventRow | null>;
  /** Is this actor id a user of the caller's tenant? Batched, not cached: a live tail's context lives for hours. */
  isTenantUser: DataLoader<string, boolean>;
}

export function createLoaders(service: AuditEventService, auth: AuthContext): AuditLoaders {
  return {
    auditEventById: new DataLoader((ids: readonly string[]) => service.byIds(auth, ids), { maxBatchSize: 500 }),
    isTenantUser: new DataLoader((ids: readonly string[]) => service.areTenantUsers(auth, ids), { maxBatchSize: 500, cache: false }),
  };
}
