/**
 * Consumer of flow.execution.completed / flow.execution.failed carrying lending's externalRef
 * (`application:<id>:<stepKey>`): completes, rejects or sends to review the COMPLIANCE_CHECK or
 * IDENTITY_VALIDATION step waiting on it, then advances the application. Other executions
 * (staff-triggered, other requesters) are ignored. Runs in the event's tenant (RLS).
 */
import type { EventEnvelope, EventHandler } from '@imagy/platform/events';
import type { ApplicationsService } from '../applications/applications.service';

const isFlowResult = (e: EventEnvelope): e is EventEnvelope<'flow.execution.completed'> | EventEnvelope<'flow.execution.failed'> =>
  e.subject === 'flow.execution.completed' || e.subject === 'flow.execution.failed';

export function onVerificationResult(applications: ApplicationsService): EventHandler {
  return async (em, envelope) => {
    if (isFlowResult(envelope)) await applications.onVerification(em, envelope);
  };
}
