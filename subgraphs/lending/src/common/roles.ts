import { ROLES } from '@imagy/platform/auth';

/**
 * Lending's roles. `tenant_admin` can do everything in its tenant. `product_manager` makes product
 * changes, `product_checker` approves them, `portfolio_manager` books credits and runs
 * delinquency, `staff` reads and registers payments, `auditor` reads.
 */
export const LENDING_ROLES = {
  productManager: 'product_manager',
  productChecker: 'product_checker',
  portfolioManager: 'portfolio_manager',
  /** Decides applications in the origination review queue. */
  creditAnalyst: 'credit_analyst',
} as const;

export const PRODUCT_MAKERS: readonly string[] = [ROLES.tenantAdmin, LENDING_ROLES.productManager];
export const PRODUCT_CHECKERS: readonly string[] = [ROLES.tenantAdmin, LENDING_ROLES.productChecker];
export const PRODUCT_READERS: readonly string[] = [ROLES.tenantAdmin, ROLES.staff, ROLES.auditor, LENDING_ROLES.productManager, LENDING_ROLES.productChecker, LENDING_ROLES.portfolioManager];
export const CREDIT_BOOKERS: readonly string[] = [ROLES.tenantAdmin, LENDING_ROLES.portfolioManager];
export const PORTFOLIO_READERS: readonly string[] = [ROLES.tenantAdmin, ROLES.staff, ROLES.auditor, LENDING_ROLES.portfolioManager];
export const PAYMENT_REGISTRARS: readonly string[] = [ROLES.tenantAdmin, ROLES.staff, LENDING_ROLES.portfolioManager];
export const DELINQUENCY_RUNNERS: readonly string[] = [ROLES.tenantAdmin, LENDING_ROLES.portfolioManager];
