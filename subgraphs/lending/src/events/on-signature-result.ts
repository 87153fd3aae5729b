/**
 * Consumer of sign.signature.completed / sign.signature.rejected carrying lending's externalRef:
 * completes (or rejects the application at) the DOCUMENT_SIGNATURE step waiting on it, then
 * advances the application. Runs in the event's tenant (RLS).
 */
import type { EventEnvelope, EventHandler } from '@imagy/platform/events';
import type { ApplicationsService } from '../applications/applications.service';

const isSignResult = (e: EventEnvelope): e is EventEnvelope<'sign.signature.completed'> | EventEnvelope<'sign.signature.rejected'> =>
  e.subject === 'sign.signature.completed' || e.subject === 'sign.signature.rejected';

export function onSignatureResult(applications: ApplicationsService): EventHandler {
  return async (em, envelope) => {
    if (isSignResult(envelope)) await applications.onSignature(em, envelope);
  };
}
