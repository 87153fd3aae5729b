/**
 * Who performed an audited activity, as the caller may be shown it. Pure rules, no I/O.
 *
 * The caller sees an actor as their tenant's user (and gets identity's profile of them through the
 * federated `User`) only when identity has announced that user in the caller's tenant. Anyone else
 * with a user id (platform staff acting in the tenant, a user the tenant never had) is an
 * EXTERNAL_USER: their id stays (it is in the stored OCSF event anyway), their profile is never
 * asked for, so nothing about another tenant's users is shown and the gateway never meets a
 * null `User` behind a selected non-null field.
 */
import type { AuditActorKind } from '../__generated__/graphql';
import type { AuditedEnvelope } from '../ocsf';

/** OCSF `actor.user.type_id` values (OCSF 1.x user object): 0 Unknown, 1 User, 2 Admin, 3 System, 4 Service. */
const USER_TYPES = new Set([1, 2]);

/**
 * The user an envelope proves to be a user of its tenant: identity created them there, or they
 * logged on there. Other events name users too, but as targets or actors that may come from
 * elsewhere (a platform admin creating a tenant's user), so they prove nothing.
 */
export function memberOfEnvelope(envelope: Pick<AuditedEnvelope, 'subject' | 'data'>): string | null {
  if (envelope.subject !== 'identity.user.created' && envelope.subject !== 'identity.user.login_succeeded') return null;
  const data = envelope.data && typeof envelope.data === 'object' ? (envelope.data as { userId?: unknown }) : {};
  return typeof data.userId === 'string' ? data.userId : null;
}

/** The kind of an event's actor for a caller, from its OCSF type and whether it is one of the caller's tenant's users. */
export function actorKindOf(typeId: number | null | undefined, actorUserId: string | null, isTenantUser: boolean): AuditActorKind {
  if (typeId != null && USER_TYPES.has(typeId) && actorUserId) return isTenantUser ? 'USER' : 'EXTERNAL_USER';
  if (typeId === 4) return 'SERVICE';
  if (typeId === 3) return 'SYSTEM';
  return 'ANONYMOUS';
}
