/**
 * Consumer `identity-revocations`: projects identity's own committed events into the revocation
 * buckets every subgraph and the gateway watch (platform/src/auth/revocation.ts), so a suspended
 * tenant, a disabled user, a password change or an ended session is refused everywhere within
 * milliseconds. Fed from the outbox through JetStream, so a NATS outage delays a revocation but
 * never loses it; the writes are idempotent puts, so a redelivery is harmless.
 */
import type { RevocationWriter } from '@imagy/platform/auth';
import type { EventEnvelope, EventHandler } from '@imagy/platform/events';

export const REVOCATION_SUBJECTS = ['identity.tenant.updated', 'identity.user.updated', 'identity.user.logged_out', 'identity.user.refresh_token_reused'];

const is = <S extends EventEnvelope['subject']>(e: EventEnvelope, subject: S): e is EventEnvelope<S> => e.subject === subject;

export function onRevocationEvent(writer: RevocationWriter): EventHandler {
  return async (_em, e) => {
    if (is(e, 'identity.tenant.updated')) {
      await writer.tenantStatus(e.data.tenantId, e.data.status);
    } else if (is(e, 'identity.user.updated')) {
      if (e.data.status) await writer.userDisabled(e.data.userId, e.data.status !== 'ACTIVE');
      // Tokens issued before the change lose their access; the next login gets new ones.
      if (e.data.changes.includes('password')) await writer.userTokensIssuedBefore(e.data.userId, Math.floor(Date.parse(e.occurredAt) / 1000));
    } else if (is(e, 'identity.user.logged_out')) {
      if (e.data.sessionId) await writer.sessionRevoked(e.data.sessionId);
    } else if (is(e, 'identity.user.refresh_token_reused')) {
      await writer.sessionRevoked(e.data.familyId);
    }
  };
}
