/**
 * Consumer of identity.tenant.created / identity.tenant.updated: keeps lending's tenant directory
 * (see tenants/tenants.service.ts). Runs in the consumer's transaction after its inbox row was
 * written, so each event has its effect once.
 */
export { onTenantEvent } from '../tenants/tenants.service';
