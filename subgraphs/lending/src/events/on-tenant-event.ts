/**
 * Consumer of identity.tenant.created / identity.tenant.updated: keeps lending's tenant directory
 * (tenants/tenants.service.ts). Runs in the consumer's transaction after its inbox row was written,
 * so each event has its effect once.
 */
import type { EventEnvelope, EventHandler } from '@imagy/platform/events';
import type { TenantDirectory } from '../tenants/tenants.service';

const isTenantEvent = (e: EventEnvelope): e is EventEnvelope<'identity.tenant.created'> | EventEnvelope<'identity.tenant.updated'> =>
  e.subject === 'identity.tenant.created' || e.subject === 'identity.tenant.updated';

/** Handler of the `lending-tenants` consumer (identity.tenant.*). */
export function onTenantEvent(directory: TenantDirectory): EventHandler {
  return async (em, envelope) => {
    if (isTenantEvent(envelope)) await directory.apply(em, envelope);
  };
}
