/**
 * Identity's migrations, in the order they run (MikroORM `migrationsList`). Each is committed SQL;
 * the app never runs schema:update. Add a new one at the end, never edit one that has shipped.
 */
import type { MigrationObject } from '@mikro-orm/core';
import { Migration20260101000000Init } from './Migration20260101000000Init';
import { Migration20260301000000ApiKeys } from './Migration20260301000000ApiKeys';
import { Migration20260401000000LoginThrottle } from './Migration20260401000000LoginThrottle';
import { Migration20261208000000TenantBranding } from './Migration20261208000000TenantBranding';
import { OutboxProtectionMigration } from '@imagy/platform/events';

export const migrations: MigrationObject[] = [
  { name: 'Migration20260101000000Init', class: Migration20260101000000Init },
  { name: 'Migration20260301000000ApiKeys', class: Migration20260301000000ApiKeys },
  { name: 'Migration20260401000000LoginThrottle', class: Migration20260401000000LoginThrottle },
  // Forced RLS on the outbox (only the relay reads it) for schemas made before the platform added it.
  { name: 'Migration20261201000000OutboxRls', class: OutboxProtectionMigration },
  { name: 'Migration20261208000000TenantBranding', class: Migration20261208000000TenantBranding },
];
