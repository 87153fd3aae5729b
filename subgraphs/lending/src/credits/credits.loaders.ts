import DataLoader from 'dataloader';
import type { AuthContext } from '@imagy/platform/auth';
import type { CreditsService } from './credits.service';

/** Per-request loaders of credits and their schedules in the caller's tenant scope (RLS): one statement per batch. */
export function createCreditLoaders(credits: CreditsService, auth: AuthContext) {
  const t = auth.tenantId;
  return {
    creditById: new DataLoader((ids: readonly string[]) => credits.byIds(t, ids)),
    creditsByBorrowerId: new DataLoader((ids: readonly string[]) => credits.byBorrowerIds(t, ids)),
    installmentsByCreditId: new DataLoader((ids: readonly string[]) => credits.installmentsByCreditIds(t, ids)),
    /** The tenant's business date, read once per request (installment statuses compare due dates with it). */
    businessDate: new DataLoader((tenantIds: readonly string[]) => Promise.all(tenantIds.map((id) => credits.businessDate(id)))),
  };
}
export type CreditLoaders = ReturnType<typeof createCreditLoaders>;
