import DataLoader from 'dataloader';
import type { AuthContext } from '@imagy/platform/auth';
import type { ProductsService } from './products.service';

/**
 * Per-request loaders of the product catalogue in the caller's tenant scope (RLS): one statement
 * per batch. Created for each request, so a cache never outlives it.
 */
export function createProductLoaders(products: ProductsService, auth: AuthContext) {
  const t = auth.tenantId;
  return {
    productById: new DataLoader((ids: readonly string[]) => products.productsByIds(t, ids)),
    versionById: new DataLoader((ids: readonly string[]) => products.versionsByIds(t, ids)),
    versionsByProductId: new DataLoader((ids: readonly string[]) => products.versionsByProductIds(t, ids)),
    pendingRequestsByProductId: new DataLoader((ids: readonly string[]) => products.pendingRequestsByProductIds(t, ids)),
  };
}
export type ProductLoaders = ReturnType<typeof createProductLoaders>;
