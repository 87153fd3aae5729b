/**
 * OAuth-style scopes carried in the access token's `scope` claim, derived from the user's roles so
 * an API gateway or a third party can check coarse rights without knowing our role names.
 */
import { ROLES } from '@imagy/platform/auth';
import { LENDING_ROLES } from '../users/roles';

export const SCOPES_BY_ROLE: Record<string, readonly string[]> = {
  [ROLES.platformAdmin]: ['tenants:read', 'tenants:write', 'users:read', 'users:write', 'audit:read'],
  [ROLES.platformAuditor]: ['tenants:read', 'audit:read'],
  [ROLES.tenantAdmin]: ['tenant:read', 'users:read', 'users:write', 'lending:read', 'lending:write', 'audit:read'],
  [ROLES.staff]: ['tenant:read', 'users:read', 'lending:read', 'lending:write'],
  [ROLES.auditor]: ['tenant:read', 'users:read', 'lending:read', 'audit:read'],
  [ROLES.borrower]: ['profile:read', 'profile:write', 'lending:self'],
  [LENDING_ROLES.productManager]: ['tenant:read', 'lending:read', 'lending:write'],
  [LENDING_ROLES.productChecker]: ['tenant:read', 'lending:read', 'lending:write'],
  [LENDING_ROLES.portfolioManager]: ['tenant:read', 'users:read', 'lending:read', 'lending:write'],
};

/** Space-separated, sorted, de-duplicated scopes of all the roles (unknown roles add none). */
export function scopesFor(roles: readonly string[]): string {
  const scopes = new Set<string>();
  for (const r of roles) for (const s of SCOPES_BY_ROLE[r] ?? []) scopes.add(s);
  return [...scopes].sort().join(' ');
}
