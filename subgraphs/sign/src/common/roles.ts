/** Roles that manage signature requests of their tenant. */
export const STAFF = ['tenant_admin', 'staff'];
