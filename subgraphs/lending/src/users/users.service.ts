/**
 * Lending's directory of users: which user ids exist in which tenant, a projection of identity's
 * users fed by identity.user.created (src/events/on-user-event.ts), the same way lending learns
 * tenants. Lending never reads identity's tables and never calls identity while booking a credit:
 * the event arrives within milliseconds of the user's creation (outbox relay + JetStream), and a
 * booking for a user lending has not heard of yet is refused with BORROWER_NOT_FOUND and can be
 * retried with the same idempotency key.
 *
 * Only existence is kept: a user disabled later still owns their credits, and a credit can be
 * booked for them (a portfolio migration books loans of people who may no longer log in).
 */
import { isUuid, type Em } from '@imagy/platform/db';
import type { EventEnvelope } from '@imagy/platform/events';
import * as store from './users.store';

export class UserDirectory {
  /** Records the user of an identity.user.created event in the event's tenant (the consumer's transaction). */
  async apply(em: Em, e: EventEnvelope<'identity.user.created'>): Promise<void> {
    if (!e.tenantId || !isUuid(e.tenantId) || !isUuid(e.data.userId)) return;
    await store.insertUser(em, { id: e.data.userId, tenantId: e.tenantId, createdAt: e.occurredAt });
  }

  /** Whether `userId` is a user of the tenant whose transaction `em` is. */
  async known(em: Em, userId: string): Promise<boolean> {
    return isUuid(userId) && store.userExists(em, userId);
  }
}
