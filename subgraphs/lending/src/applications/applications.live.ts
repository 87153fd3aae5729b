/**
 * `Subscription.applicationProgress`: every change of one application (lending.application.progressed),
 * through the platform's NatsSubscriptionHub (one NATS subscription per process, tenant-filtered).
 * Only the application's borrower and staff of its tenant may follow it; anyone else, including
 * another tenant's staff (RLS hides the row) and another borrower, gets NOT_FOUND. Each event is
 * answered with the application as stored after the change (never imports graphql).
 */
import type { AuthContext } from '@imagy/platform/auth';
import { mapHubIterator, type NatsSubscriptionHub } from '@imagy/platform/server';
import type { ApplicationsService } from './applications.service';
import type { Application, Progress, StepState } from './applications.types';

export const PROGRESSED = 'lending.application.progressed' as const;
export type ProgressView = Progress & { application: Application };

export async function liveApplicationProgress(service: ApplicationsService, hub: NatsSubscriptionHub, auth: AuthContext, applicationId: string, fresh: () => void): Promise<AsyncIterableIterator<ProgressView>> {
  // Subscribe first, then check: no change between the check and the subscription is missed.
  const source = hub.subscribe(PROGRESSED, { tenantId: auth.tenantId, filter: (e) => e.data.applicationId === applicationId });
  try {
    await service.followable(auth, applicationId);
  } catch (e) {
    source.close();
    throw e;
  }
  return mapHubIterator(source, async (envelope) => {
    fresh();
    const [app] = await service.byIds(auth.tenantId, [applicationId]);
    if (!app || !service.canRead(auth, app)) return null;
    return { application: app, applicationId, stepKey: envelope.data.stepKey, stepState: envelope.data.stepState as StepState | null, occurredAt: envelope.occurredAt };
  });
}
