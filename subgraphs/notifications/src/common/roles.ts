import { ROLES } from '@imagy/platform/auth';

/** Roles notifications adds to the platform's. */
export const NOTIFICATIONS_ROLES = { manager: 'notifications_manager' } as const;

export const TEMPLATE_WRITERS: readonly string[] = [ROLES.tenantAdmin, NOTIFICATIONS_ROLES.manager];
export const TEMPLATE_READERS: readonly string[] = [ROLES.tenantAdmin, ROLES.staff, ROLES.auditor, NOTIFICATIONS_ROLES.manager];
export const SENDERS: readonly string[] = [ROLES.tenantAdmin, ROLES.staff, NOTIFICATIONS_ROLES.manager];
export const LOG_READERS: readonly string[] = [ROLES.tenantAdmin, ROLES.staff, ROLES.auditor, NOTIFICATIONS_ROLES.manager];
export const MAILBOX_READERS: readonly string[] = [ROLES.tenantAdmin, ROLES.staff, NOTIFICATIONS_ROLES.manager];
export const CONFIG_ADMINS: readonly string[] = [ROLES.tenantAdmin];
export const PREFERENCE_WRITERS: readonly string[] = [ROLES.tenantAdmin, ROLES.staff, NOTIFICATIONS_ROLES.manager];
export const RULE_ADMINS: readonly string[] = [ROLES.tenantAdmin, NOTIFICATIONS_ROLES.manager];
