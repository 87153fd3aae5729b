import DataLoader from 'dataloader';
import type { BrandingService, StoredBranding } from './branding.service';

/** Per-request loaders (created in the request's context, so a cache never outlives its request). */
export function createBrandingLoaders(branding: BrandingService) {
  return {
    brandingByTenantId: new DataLoader<string, StoredBranding | null>((ids) => branding.byTenantIds(ids)),
  };
}
