import { ROLES } from '@imagy/platform/auth';

/**
 * Flow's roles. `tenant_admin` can do everything in its tenant; `flow_designer` builds and
 * publishes flows; `flow_operator` (and `staff`) trigger and cancel executions; `auditor` reads.
 * A service (API key or service token) triggers with the scope `flow:trigger`.
 */
export const FLOW_ROLES = { designer: 'flow_designer', operator: 'flow_operator' } as const;
export const TRIGGER_SCOPE = 'flow:trigger';

export const FLOW_DESIGNERS: readonly string[] = [ROLES.tenantAdmin, FLOW_ROLES.designer];
export const FLOW_READERS: readonly string[] = [ROLES.tenantAdmin, ROLES.staff, ROLES.auditor, FLOW_ROLES.designer, FLOW_ROLES.operator];
export const FLOW_OPERATORS: readonly string[] = [ROLES.tenantAdmin, ROLES.staff, FLOW_ROLES.operator];
export const PROVIDER_ADMINS: readonly string[] = [ROLES.tenantAdmin];
