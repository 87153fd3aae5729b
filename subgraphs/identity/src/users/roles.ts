import { ROLES } from '@imagy/platform/auth';

/**
 * Lending's own roles (lending checks them: subgraphs/lending/README.md, "Roles"). Identity only
 * needs their names, to let a tenant admin grant them and to derive scopes.
 */
export const LENDING_ROLES = { productManager: 'product_manager', productChecker: 'product_checker', portfolioManager: 'portfolio_manager' } as const;

/** Roles a tenant admin may grant. */
export const TENANT_ROLES: readonly string[] = [
  ROLES.tenantAdmin, ROLES.staff, ROLES.auditor, ROLES.borrower, LENDING_ROLES.productManager, LENDING_ROLES.productChecker, LENDING_ROLES.portfolioManager,
];

/** Roles that exist only on users of the platform tenant, created by the seed (never through the API). */
export const PLATFORM_ROLES: readonly string[] = [ROLES.platformAdmin, ROLES.platformAuditor];

/** Roles that may read other users of their tenant. */
export const USER_READERS: readonly string[] = [ROLES.tenantAdmin, ROLES.staff, ROLES.auditor, LENDING_ROLES.portfolioManager];
