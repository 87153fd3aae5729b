/** The audit subgraph's migrations, in the order they run (names are recorded in mikro_orm_migrations: never rename one). */
import type { SubgraphOrmOptions } from '@imagy/platform/db';
import { AuditEvents0001 } from './0001-audit-events';
import { TenantUsers0002 } from './0002-tenant-users';
import { OutboxProtectionMigration } from '@imagy/platform/events';

export const migrations: SubgraphOrmOptions['migrations'] = [
  { name: 'AuditEvents0001', class: AuditEvents0001 },
  { name: 'TenantUsers0002', class: TenantUsers0002 },
  // Forced RLS on the outbox (only the relay reads it) for schemas made before the platform added it.
  { name: 'OutboxRls0003', class: OutboxProtectionMigration },
];
