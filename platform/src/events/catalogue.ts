/**
 * The typed event catalogue: every subject any subgraph publishes, with its payload type.
 * Subjects are `<domain>.<aggregate>.<pastTense>`. A producer can only publish a subject listed
 * here, and a consumer gets the payload type from the subject.
 */
export interface EventCatalogue {
  'identity.tenant.created': { tenantId: string; slug: string; name: string };
  'identity.tenant.updated': { tenantId: string; slug: string; changes: string[]; status: string };
  'identity.user.created': { userId: string; email: string; roles: string[] };
  'identity.user.updated': { userId: string; changes: string[] };
  'identity.user.login_succeeded': { userId: string; email: string; ip: string | null; userAgent: string | null };
  'identity.user.login_failed': { email: string; userId: string | null; reason: 'BAD_CREDENTIALS' | 'LOCKED' | 'DISABLED'; ip: string | null; userAgent: string | null };
  'identity.user.locked': { userId: string; email: string; until: string };
  'identity.user.logged_out': { userId: string };
  /** A revoked refresh token was presented again (likely theft): its whole session family was revoked. */
  'identity.user.refresh_token_reused': { userId: string; familyId: string; ip: string | null; userAgent: string | null };
  'audit.event.recorded': { eventId: string; classUid: number; activityId: number; time: string };
}

export type EventSubject = keyof EventCatalogue;

/** Domains own one JetStream stream each (`IDENTITY` on `identity.>`, ...). */
export const DOMAINS = ['identity', 'lending', 'sign', 'flow', 'subject', 'notifications', 'audit', 'billing'] as const;
export type Domain = (typeof DOMAINS)[number];

export function domainOf(subject: string): Domain {
  const d = subject.split('.')[0] as Domain;
  if (!DOMAINS.includes(d)) throw new Error(`Subject ${subject} is outside every known domain`);
  return d;
}
