/**
 * Consumer of flow.execution.completed / flow.execution.failed / flow.execution.refused carrying lending's externalRef
 * (`application:<id>:<stepKey>`): completes, rejects or sends to review the COMPLIANCE_CHECK or
 * IDENTITY_VALIDATION step waiting on it, then advances the application. Other executions
 * (staff-triggered, other requesters) are ignored. A refusal (flow could not start the run, e.g.
 * FLOW_NOT_FOUND) sends the step to the review queue with flow's code at once, not after the timeout. Runs in the event's tenant (RLS).
 */
import type { EventEnvelope, EventHandler } from '@imagy/platform/events';
import type { ApplicationsService } from '../applications/applications.service';

const isFlowResult = (e: EventEnvelope): e is EventEnvelope<'flow.execution.completed'> | EventEnvelope<'flow.execution.failed'> =>
  e.subject === 'flow.execution.completed' || e.subject === 'flow.execution.failed';

export function onVerificationResult(applications: ApplicationsService): EventHandler {
  return async (em, envelope) => {
    if (isFlowResult(envelope)) await applications.onVerification(em, envelope);
    else if (envelope.subject === 'flow.execution.refused') await applications.onVerificationRefused(em, envelope as EventEnvelope<'flow.execution.refused'>);
  };
}
