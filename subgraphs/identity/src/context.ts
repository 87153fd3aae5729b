import type { BaseContext } from '@imagy/platform/server';
import type { Caller } from '@imagy/platform/server';
import type { ApiKeysService } from './api-keys/api-keys.service';
import type { AuthService } from './auth/auth.service';
import type { BrandingService } from './branding/branding.service';
import type { createBrandingLoaders } from './branding/branding.loaders';
import type { TenantsService } from './tenants/tenants.service';
import type { UsersService } from './users/users.service';
import type { createTenantLoaders } from './tenants/tenants.loaders';
import type { createUserLoaders } from './users/users.loaders';

export interface IdentityServices {
  tenants: TenantsService;
  users: UsersService;
  auth: AuthService;
  apiKeys: ApiKeysService;
  branding: BrandingService;
}

export interface IdentityExtra {
  caller: Caller;
  services: IdentityServices;
  loaders: ReturnType<typeof createTenantLoaders> & ReturnType<typeof createUserLoaders> & ReturnType<typeof createBrandingLoaders>;
}

export type IdentityContext = BaseContext & IdentityExtra;
