import DataLoader from 'dataloader';
import type { AuthContext } from '@imagy/platform/auth';
import type { PaymentsService } from './payments.service';

/** Per-request loader of a credit's payments in the caller's tenant scope (RLS): one statement per batch. */
export function createPaymentLoaders(payments: PaymentsService, auth: AuthContext) {
  return {
    paymentsByCreditId: new DataLoader((ids: readonly string[]) => payments.byCreditIds(auth.tenantId, ids)),
  };
}
export type PaymentLoaders = ReturnType<typeof createPaymentLoaders>;
