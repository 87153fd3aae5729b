/**
 * Consumer of `lending.verification.requested` (durable `flow-verifications`): lending asks for a
 * flow run for one step of an application. The execution starts on the same path as
 * `triggerExecution` (ExecutionsService.create), under the event's tenant, with the event's
 * `externalRef` stored on it and echoed by flow.execution.completed / failed. Runs in the
 * consumer's transaction after its inbox row was written, so a redelivered event has no effect;
 * the idempotency key `event:<id>` guards the same on the table. The engine drives the execution
 * once that transaction committed (`kick`; the resume sweep if the process dies first), so no
 * provider is called while the event's transaction is open.
 *
 * A request flow cannot start (unknown or unpublished flow, bad subject or context, a flow
 * assigned to organisations) is answered with `flow.execution.refused` { externalRef, code, field }
 * instead of being retried into the dead-letter queue.
 */
import { Rejected } from '@imagy/platform/graphql';
import type { EventEnvelope, EventHandler, Outbox } from '@imagy/platform/events';
import type { ExecutionsService } from '../executions/executions.service';

export const VERIFICATIONS_CONSUMER = 'flow-verifications';

const isVerificationRequested = (e: EventEnvelope): e is EventEnvelope<'lending.verification.requested'> => e.subject === 'lending.verification.requested';

const text = (v: unknown, max: number): string => (typeof v === 'string' ? v.slice(0, max) : '');

export function onLendingVerificationRequested(executions: ExecutionsService, outbox: Outbox): EventHandler {
  return async (em, envelope) => {
    if (!isVerificationRequested(envelope) || !envelope.tenantId) return;
    const tenantId = envelope.tenantId;
    const data = envelope.data;
    const meta = { actor: envelope.actor, requestId: envelope.requestId };
    try {
      const started = await executions.create(em, tenantId, {
        flowCode: text(data.flowCode, 200),
        subjectRef: typeof data.subjectRef === 'string' ? data.subjectRef : '',
        context: data.context,
        idempotencyKey: `event:${envelope.id}`.slice(0, 100),
        organizationId: null,
        externalRef: typeof data.externalRef === 'string' ? data.externalRef : '',
      }, meta, false);
      if (!started.replayed) executions.kick(tenantId, started.request.id);
    } catch (e) {
      if (!(e instanceof Rejected)) throw e;
      const first = e.userErrors[0];
      await outbox.publish(em, 'flow.execution.refused', {
        externalRef: text(data.externalRef, 200), flowCode: text(data.flowCode, 200), code: first?.code ?? 'REFUSED', field: first?.field ?? null,
      }, { tenantId, ...meta });
    }
  };
}
