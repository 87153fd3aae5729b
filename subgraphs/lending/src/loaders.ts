import DataLoader from 'dataloader';
import type { AuthContext } from '@imagy/platform/auth';
import type { LendingServices } from './context';

/**
 * Per-request loaders in the caller's tenant scope (RLS): one SQL statement per batch, so a list of
 * N credits with their products, versions, schedules and payments costs a constant number of
 * statements. Created in extendContext, so a cache never outlives its request.
 */
export function createLendingLoaders(s: Pick<LendingServices, 'products' | 'credits' | 'payments'>, auth: AuthContext) {
  const t = auth.tenantId;
  return {
    productById: new DataLoader((ids: readonly string[]) => s.products.productsByIds(t, ids)),
    versionById: new DataLoader((ids: readonly string[]) => s.products.versionsByIds(t, ids)),
    versionsByProductId: new DataLoader((ids: readonly string[]) => s.products.versionsByProductIds(t, ids)),
    pendingRequestsByProductId: new DataLoader((ids: readonly string[]) => s.products.pendingRequestsByProductIds(t, ids)),
    creditById: new DataLoader((ids: readonly string[]) => s.credits.byIds(t, ids)),
    creditsByBorrowerId: new DataLoader((ids: readonly string[]) => s.credits.byBorrowerIds(t, ids)),
    installmentsByCreditId: new DataLoader((ids: readonly string[]) => s.credits.installmentsByCreditIds(t, ids)),
    paymentsByCreditId: new DataLoader((ids: readonly string[]) => s.payments.byCreditIds(t, ids)),
  };
}
