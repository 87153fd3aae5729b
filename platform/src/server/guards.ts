/** Small permission checks used by resolvers and services (no graphql import). */
import { AuthError, ForbiddenError } from '../auth/errors';
import type { AuthContext } from '../auth/context';

export interface Authenticated extends AuthContext { userId: string; tenantId: string }

export function requireUser(auth: AuthContext): Authenticated {
  if (auth.kind === 'anonymous' || !auth.userId || !auth.tenantId) throw new AuthError('MISSING', 'Authentication required');
  return auth as Authenticated;
}

export function requireRole(auth: AuthContext, ...roles: string[]): Authenticated {
  const user = requireUser(auth);
  if (!roles.some((r) => user.roles.includes(r))) throw new ForbiddenError(`Requires one of the roles: ${roles.join(', ')}`);
  return user;
}
