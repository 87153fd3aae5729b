/**
 * The identity of one request, as every subgraph and the gateway see it. Built only from a
 * verified token: never from headers a caller could invent.
 */
export interface AuthContext {
  kind: 'anonymous' | 'user' | 'apiKey';
  tenantId: string | null;
  userId: string | null;
  roles: string[];
  scopes: string[];
  requestId: string;
  /** Raw bearer token, forwarded by the gateway to subgraphs. Never logged. */
  token?: string;
  expiresAt?: number;
  /** `iat` and `sid` of the token, for the revocation view (auth/revocation.ts). */
  issuedAt?: number | null;
  sessionId?: string | null;
}

/**
 * The platform-wide roles identity issues and every subgraph may check. A role that only one
 * subgraph checks belongs to that subgraph (e.g. lending's product_manager in
 * subgraphs/lending/src/common/roles.ts), not here.
 */
export const ROLES = {
  platformAdmin: 'platform_admin',
  platformAuditor: 'platform_auditor',
  tenantAdmin: 'tenant_admin',
  auditor: 'auditor',
  staff: 'staff',
  borrower: 'borrower',
} as const;

export function anonymous(requestId: string): AuthContext {
  return { kind: 'anonymous', tenantId: null, userId: null, roles: [], scopes: [], requestId };
}

export const hasRole = (ctx: AuthContext, ...roles: string[]) => roles.some((r) => ctx.roles.includes(r));
export const hasScope = (ctx: AuthContext, scope: string) => ctx.scopes.includes(scope);
