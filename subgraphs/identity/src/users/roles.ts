import { ROLES } from '@imagy/platform/auth';

/** Roles a tenant admin may grant. */
export const TENANT_ROLES: readonly string[] = [
  ROLES.tenantAdmin, ROLES.staff, ROLES.auditor, ROLES.borrower, ROLES.productManager, ROLES.productChecker, ROLES.portfolioManager,
];

/** Roles that exist only on users of the platform tenant, created by the seed (never through the API). */
export const PLATFORM_ROLES: readonly string[] = [ROLES.platformAdmin, ROLES.platformAuditor];

/** Roles that may read other users of their tenant. */
export const USER_READERS: readonly string[] = [ROLES.tenantAdmin, ROLES.staff, ROLES.auditor, ROLES.portfolioManager];
