/** Lending's migrations in the order they run (app.ts passes this list to createSubgraphOrm). */
import type { MigrationObject } from '@mikro-orm/core';
import { Migration20260201000000Init } from './Migration20260201000000Init';
import { Migration20260401000000TenantHosts } from './Migration20260401000000TenantHosts';
import { Migration20260601000000DelinquencyHot } from './Migration20260601000000DelinquencyHot';
import { Migration20260701000000PenaltyTotals } from './Migration20260701000000PenaltyTotals';
import { Migration20260801000000UsersAndBookingKeys } from './Migration20260801000000UsersAndBookingKeys';
import { Migration0100TenantTimezone } from './0100-tenant-timezone';
import { Migration0200Origination } from './0200-origination';
import { Migration0300CreditContact } from './0300-credit-contact';
import { Migration0400PortfolioIndexes } from './0400-portfolio-indexes';
import { OutboxProtectionMigration } from '@imagy/platform/events';

export const lendingMigrations: MigrationObject[] = [
  { name: 'Migration20260201000000Init', class: Migration20260201000000Init },
  { name: 'Migration20260401000000TenantHosts', class: Migration20260401000000TenantHosts },
  { name: 'Migration20260601000000DelinquencyHot', class: Migration20260601000000DelinquencyHot },
  { name: 'Migration20260701000000PenaltyTotals', class: Migration20260701000000PenaltyTotals },
  { name: 'Migration20260801000000UsersAndBookingKeys', class: Migration20260801000000UsersAndBookingKeys },
  // Forced RLS on the outbox (only the relay reads it) for schemas made before the platform added it.
  { name: 'Migration20261201000000OutboxRls', class: OutboxProtectionMigration },
  { name: '0100-tenant-timezone', class: Migration0100TenantTimezone },
  { name: '0200-origination', class: Migration0200Origination },
  { name: '0300-credit-contact', class: Migration0300CreditContact },
  { name: '0400-portfolio-indexes', class: Migration0400PortfolioIndexes },
];
