/**
 * Consumer of subject.profile.blacklisted (seed 3.29): rejects every open application of the
 * subject (`subjectRef`, lending's `user:<borrowerId>`) in the event's tenant, with the reason.
 */
import type { EventEnvelope, EventHandler } from '@imagy/platform/events';
import type { ApplicationsService } from '../applications/applications.service';

const isBlacklisted = (e: EventEnvelope): e is EventEnvelope<'subject.profile.blacklisted'> => e.subject === 'subject.profile.blacklisted';

export function onProfileBlacklisted(applications: ApplicationsService): EventHandler {
  return async (em, envelope) => {
    if (isBlacklisted(envelope)) await applications.onBlacklisted(em, envelope);
  };
}
