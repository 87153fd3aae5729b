/**
 * The typed event catalogue: every subject any subgraph publishes, with its payload type.
 * Subjects are `<domain>.<aggregate>.<pastTense>`. A producer can only publish a subject listed
 * here, and a consumer gets the payload type from the subject.
 */
export interface EventCatalogue {
  /** `timezone`: the tenant's IANA time zone (its business date); absent in events published before it was carried. */
  'identity.tenant.created': { tenantId: string; slug: string; name: string; hostnames: string[]; status: string; timezone?: string };
  'identity.tenant.updated': { tenantId: string; slug: string; changes: string[]; status: string; hostnames: string[]; timezone?: string };
  /** A tenant admin changed the portal branding; `changes` names the fields given (the values are on the tenant: a logo can be 64 KiB). */
  'identity.tenant.branding_updated': { tenantId: string; slug: string; changes: string[] };
  'identity.user.created': { userId: string; email: string; roles: string[] };
  'identity.user.updated': { userId: string; changes: string[]; /** The status after the change (revocation views disable or re-enable the user). */ status?: string };
  'identity.user.login_succeeded': { userId: string; email: string; ip: string | null; userAgent: string | null };
  'identity.user.login_failed': { email: string; userId: string | null; reason: 'BAD_CREDENTIALS' | 'LOCKED' | 'DISABLED'; ip: string | null; userAgent: string | null };
  'identity.user.locked': { userId: string; email: string; until: string };
  'identity.user.logged_out': { userId: string; /** The ended session (`sid` of its access tokens). */ sessionId?: string };
  /** A revoked refresh token was presented again (likely theft): its whole session family was revoked. */
  'identity.user.refresh_token_reused': { userId: string; familyId: string; ip: string | null; userAgent: string | null };
  /** A tenant admin created an API key (never carries the secret). */
  'identity.api_key.created': { apiKeyId: string; name: string; prefix: string; scopes: string[]; plan: string; expiresAt: string | null };
  /** A successor key was created; the old one keeps working until `overlapEndsAt`. */
  'identity.api_key.rotated': { apiKeyId: string; successorId: string; overlapEndsAt: string };
  /** The key stops at once: gateways evict its cached token on this event. */
  'identity.api_key.revoked': { apiKeyId: string; prefix: string };
  'lending.product.created': { productId: string; code: string; currency: string };
  'lending.change_request.created': { changeRequestId: string; kind: 'PUBLISH_VERSION' | 'ARCHIVE_PRODUCT'; productId: string; versionId: string | null; makerId: string };
  'lending.change_request.approved': { changeRequestId: string; kind: 'PUBLISH_VERSION' | 'ARCHIVE_PRODUCT'; productId: string; versionId: string | null; makerId: string; checkerId: string };
  'lending.change_request.rejected': { changeRequestId: string; kind: 'PUBLISH_VERSION' | 'ARCHIVE_PRODUCT'; productId: string; versionId: string | null; makerId: string; checkerId: string; reason: string };
  'lending.product.version_published': { productId: string; productCode: string; versionId: string; number: number; changeRequestId: string };
  'lending.product.archived': { productId: string; productCode: string; changeRequestId: string };
  'lending.credit.disbursed': { creditId: string; productId: string; versionId: string; borrowerId: string; principal: string; currency: string; disbursedAt: string; numberOfInstallments: number; source: 'PIPELINE' | 'BOOKED'; applicationId: string | null; /** The contact the borrower verified in the application (PIPELINE credits; null for BOOKED ones), for notifications' rules (recipientPath contactEmail / contactPhone). */ contactEmail?: string | null; contactPhone?: string | null };
  'lending.payment.received': { paymentId: string; creditId: string; borrowerId: string; amount: string; currency: string; paidAt: string; channel: string; principal: string; interest: string; fee: string; tax: string; penalty: string; prepaidPrincipal: string; creditStatus: string };
  'lending.payment.reversed': { paymentId: string; creditId: string; amount: string; currency: string; reason: string; creditStatus: string };
  'lending.credit.paid_off': { creditId: string; borrowerId: string; paidOffAt: string };
  'lending.credit.defaulted': { creditId: string; borrowerId: string; daysPastDue: number; businessDate: string; principalOutstanding: string; currency: string; /** As on lending.credit.disbursed: the application's verified contact, null for booked credits. */ contactEmail?: string | null; contactPhone?: string | null };
  /** Notifications (subgraphs/notifications): recipients appear masked only (j***@example.com, +5939****4567). */
  'notifications.template.created': { templateId: string; key: string; channel: string; version: number };
  'notifications.template.version_published': { templateId: string; key: string; channel: string; version: number };
  'notifications.template.archived': { templateId: string; key: string; channel: string };
  'notifications.channel_config.changed': { configId: string; channel: string; provider: string; priority: number; change: 'SET' | 'REMOVED' };
  'notifications.rule.changed': { ruleId: string; subject: string; templateKey: string; channel: string; enabled: boolean; change: 'CREATED' | 'ENABLED' | 'DISABLED' };
  'notifications.preference.changed': { channel: string; recipient: string; optedOut: boolean };
  'notifications.message.sent': { requestId: string; templateKey: string; channel: string; recipient: string; provider: string; providerMessageId: string | null; attempts: number };
  'notifications.message.failed': { requestId: string; templateKey: string; channel: string; recipient: string; error: string; attempts: number };
  'notifications.message.delivered': { requestId: string; templateKey: string; channel: string; recipient: string; provider: string; status: 'DELIVERED' | 'BOUNCED' };
  'notifications.otp.verified': { challengeId: string; purpose: string; channel: string; destination: string };
  'notifications.otp.failed': { challengeId: string; purpose: string; channel: string; destination: string; reason: 'WRONG_CODE' | 'EXPIRED' | 'LOCKED' | 'USED'; attemptsLeft: number };
  /** A step of a flow execution ended (COMPLETED with data or a provider result, SKIPPED by a rule, FAILED with on_error CONTINUE). */
  'flow.step.completed': { requestId: string; flowId: string; flowCode: string; versionId: string; stepKey: string; status: 'COMPLETED' | 'SKIPPED' | 'FAILED' };
  /** An execution ended with an outcome; `summary` holds each step's status and provider verdicts (never a full document number). */
  'flow.execution.completed': { requestId: string; flowId: string; flowCode: string; versionId: string; subjectRef: string; outcome: 'APPROVED' | 'REJECTED' | 'REVIEW'; summary: Record<string, unknown>; /** The requester's correlation (e.g. lending's `application:<id>:<stepKey>`), null for staff-triggered runs. */ externalRef?: string | null };
  /** An execution ended without an outcome: a provider step failed (on_error FAIL), it expired or it was cancelled. */
  'flow.execution.failed': { requestId: string; flowId: string; flowCode: string; versionId: string; subjectRef: string; reason: 'PROVIDER_FAILED' | 'EXPIRED' | 'CANCELLED'; stepKey: string | null; externalRef?: string | null };
  /** One provider of the gateway was called (all its attempts): latency, outcome and the cost reference billing reads. */
  'flow.provider.called': { callId: string; requestId: string | null; stepKey: string | null; capability: string; provider: string; outcome: 'SUCCESS' | 'FAILURE' | 'TIMEOUT' | 'SHORT_CIRCUITED'; attempts: number; latencyMs: number; costReference: string | null };
  /** An execution was created (by staff or a service's event); never carries the access token (the requester gets one with issueFlowAccessToken). `publicSteps`: it has FORM/DOCUMENT steps someone must fill through the public token API. */
  'flow.execution.created': { requestId: string; flowId: string; flowCode: string; versionId: string; subjectRef: string; externalRef: string | null; publicSteps: boolean };
  /** A `lending.verification.requested` flow could not start (unknown or unpublished flow, bad subject...): `code` is flow's error code, `field` the payload field at fault. */
  'flow.execution.refused': { externalRef: string; flowCode: string; code: string; field: string | null };
  /** A tenant admin set or removed a provider's secret configuration (never the secret itself: only which fields are set). */
  'flow.provider_secret.changed': { provider: string; fields: string[]; change: 'SET' | 'REMOVED' };
  // ---- origination contracts between lending, flow and sign (issue 12) ----
  /** Lending asks flow to run `flowCode` for an application's step; flow answers with flow.execution.completed/failed carrying `externalRef`. */
  'lending.verification.requested': { applicationId: string; stepKey: string; flowCode: string; subjectRef: string; externalRef: string; context: Record<string, unknown> };
  /** Lending issues a rendered contract for signature; sign creates and sends the request, correlated by `externalRef`. */
  'lending.contract.issued': { applicationId: string; externalRef: string; title: string; locale: string; body: string; signers: Array<{ name: string; email: string | null; phone: string | null; userId: string | null }>; signingOrder: 'SEQUENTIAL' | 'PARALLEL' };
  'sign.signer.signed': { signatureRequestId: string; externalRef: string | null; signerId: string; order: number };
  'sign.signature.completed': { signatureRequestId: string; externalRef: string | null; documentSha256: string; completedAt: string };
  'sign.signature.rejected': { signatureRequestId: string; externalRef: string | null; signerId: string; reason: string };
  /** One entry of a request's hash-chained signature trail (CREATED, SENT, INVITED, CODE_SENT, SIGNED, REJECTED, COMPLETED, CANCELLED, EXPIRED); never carries a signing link or code. */
  'sign.trail.appended': { signatureRequestId: string; seq: number; action: string; signerId: string | null; hash: string };
  // ---- origination pipeline (lending, issue 12) ----
  /** A borrower started an application for a product's published version (amounts at the currency's minor unit). */
  'lending.application.created': { applicationId: string; productId: string; versionId: string; borrowerId: string; amount: string; currency: string; term: number };
  /** A step of an application's pipeline reached a final state. */
  'lending.pipeline.step_completed': { applicationId: string; borrowerId: string; stepKey: string; stepType: string; state: 'COMPLETED' | 'SKIPPED' | 'REJECTED' | 'FAILED' };
  /** Every change of an application's steps or status (feeds the applicationProgress subscription). */
  'lending.application.progressed': { applicationId: string; borrowerId: string; status: string; currentStep: string | null; stepKey: string | null; stepState: string | null };
  /** An application was decided: approved (review passed), rejected, cancelled by staff, withdrawn by the borrower, or expired. */
  'lending.application.decided': { applicationId: string; borrowerId: string; decision: 'APPROVED' | 'REJECTED' | 'CANCELLED' | 'WITHDRAWN' | 'EXPIRED'; reason: string | null; stepKey: string | null; productCode: string; amount: string; currency: string; term: number; /** The contact the borrower verified (CONTACT_VERIFICATION), for notifications' rules (recipientPath contactEmail / contactPhone). */ contactEmail: string | null; contactPhone: string | null };
  /** subject (Subject 360) put a subject on a block list; `subjectRef` is the reference requesters gave it (lending: `user:<borrowerId>`). */
  'subject.profile.blacklisted': { profileId: string; subjectRef: string; reason: string; listCode: string | null };
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
