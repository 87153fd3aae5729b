/**
 * Who may use what, as the subgraphs decide it (their README "Roles" sections). The console only
 * hides what a user may not use; every subgraph refuses it anyway (FORBIDDEN).
 */
export const ROLE = {
  platformAdmin: 'platform_admin',
  platformAuditor: 'platform_auditor',
  tenantAdmin: 'tenant_admin',
  staff: 'staff',
  auditor: 'auditor',
  productManager: 'product_manager',
  productChecker: 'product_checker',
  portfolioManager: 'portfolio_manager',
  notificationsManager: 'notifications_manager',
  flowDesigner: 'flow_designer',
  flowOperator: 'flow_operator',
  creditAnalyst: 'credit_analyst',
} as const;

const { tenantAdmin, staff, auditor, productManager, productChecker, portfolioManager, notificationsManager, flowDesigner, flowOperator, platformAuditor, platformAdmin, creditAnalyst } = ROLE;

export const CAN = {
  readProducts: [tenantAdmin, staff, auditor, productManager, productChecker, portfolioManager],
  makeProducts: [tenantAdmin, productManager],
  checkProducts: [tenantAdmin, productChecker],
  readPortfolio: [tenantAdmin, staff, auditor, portfolioManager],
  registerPayments: [tenantAdmin, staff, portfolioManager],
  reversePayments: [tenantAdmin, staff, portfolioManager],
  runDelinquency: [tenantAdmin, portfolioManager],
  readApplications: [tenantAdmin, staff, auditor, portfolioManager, creditAnalyst],
  reviewApplications: [tenantAdmin, staff, creditAnalyst],
  readSignatures: [tenantAdmin, staff],
  readTemplates: [tenantAdmin, staff, auditor, notificationsManager],
  writeTemplates: [tenantAdmin, notificationsManager],
  readDeliveryLog: [tenantAdmin, staff, auditor, notificationsManager],
  readMailbox: [tenantAdmin, staff, notificationsManager],
  configureChannels: [tenantAdmin],
  readAudit: [tenantAdmin, auditor, platformAuditor, platformAdmin],
  readUsers: [tenantAdmin, staff, auditor, portfolioManager],
  writeUsers: [tenantAdmin],
  manageApiKeys: [tenantAdmin],
  readFlows: [tenantAdmin, staff, auditor, flowDesigner, flowOperator],
  designFlows: [tenantAdmin, flowDesigner],
} as const satisfies Record<string, readonly string[]>;

/** Roles a tenant admin may grant through identity's createUser/updateUser. */
export const GRANTABLE_ROLES = [tenantAdmin, staff, auditor, 'borrower', productManager, productChecker, portfolioManager] as const;

export const hasAny = (roles: readonly string[], allowed: readonly string[]) => roles.some((r) => allowed.includes(r));
