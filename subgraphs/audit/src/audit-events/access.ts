/**
 * Who may read and write the audit trail.
 * - `tenant_admin`, `auditor`: their own tenant only (RLS on the caller's tenant).
 * - `platform_auditor`: every tenant (the `allTenants` read scope, set only after this check).
 * - `staff`, `tenant_admin`, `platform_admin` may record explicit events, always in their own tenant.
 * - API keys (integrators) with the `audit:read` scope: their own tenant only, read only.
 * - anonymous callers: nothing (UNAUTHENTICATED).
 */
import { ForbiddenError, hasScope, ROLES, type AuthContext } from '@imagy/platform/auth';
import type { TenantScope } from '@imagy/platform/db';
import { requireRole, type Authenticated } from '@imagy/platform/server';

export const READ_ROLES = [ROLES.tenantAdmin, ROLES.auditor, ROLES.platformAuditor];
export const WRITE_ROLES = [ROLES.staff, ROLES.tenantAdmin, ROLES.platformAdmin];

export interface ReadAccess { user: Authenticated; scope: TenantScope; allTenants: boolean }

export function readAccess(auth: AuthContext): ReadAccess {
  if (auth.kind === 'apiKey' && auth.tenantId && auth.userId) {
    if (!hasScope(auth, 'audit:read')) throw new ForbiddenError('Requires the scope audit:read');
    return { user: auth as Authenticated, allTenants: false, scope: { tenantId: auth.tenantId } };
  }
  const user = requireRole(auth, ...READ_ROLES);
  const allTenants = user.roles.includes(ROLES.platformAuditor);
  return { user, allTenants, scope: allTenants ? { tenantId: user.tenantId, allTenants: true } : { tenantId: user.tenantId } };
}

export function writeAccess(auth: AuthContext): Authenticated {
  return requireRole(auth, ...WRITE_ROLES);
}
