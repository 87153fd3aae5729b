import DataLoader from 'dataloader';
import type { Tenant, TenantsService } from './tenants.service';

/** Per-request loaders (created in extendContext, so a cache never outlives its request). */
export function createTenantLoaders(tenants: TenantsService) {
  return {
    tenantById: new DataLoader<string, Tenant | null>((ids) => tenants.byIds(ids)),
  };
}
