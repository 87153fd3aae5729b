/**
 * Consumer of identity.user.created: keeps lending's user directory (users/users.service.ts).
 * Runs in the consumer's transaction, in the event's tenant, after its inbox row was written, so
 * each event has its effect once.
 */
import type { EventEnvelope, EventHandler } from '@imagy/platform/events';
import type { UserDirectory } from '../users/users.service';

const isUserCreated = (e: EventEnvelope): e is EventEnvelope<'identity.user.created'> => e.subject === 'identity.user.created';

/** Handler of the `lending-users` consumer (identity.user.created). */
export function onUserEvent(users: UserDirectory): EventHandler {
  return async (em, envelope) => {
    if (isUserCreated(envelope)) await users.apply(em, envelope);
  };
}
