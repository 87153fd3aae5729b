/**
 * The typed catalogue of internal calls (rpc.ts): method -> request, response and the refusal codes
 * the server may answer. The serving subgraph owns each method's meaning (its README says so); a
 * caller maps refusals to its own userErrors.
 */
export interface RpcCatalogue {
  /** notifications sends a one-time code to `destination` (critical: opt-outs do not apply). */
  'notifications.otp.request': {
    request: { purpose: string; channel: 'SMS' | 'EMAIL' | 'WHATSAPP'; destination: string; locale: string | null; recipientUserId: string | null; ip: string | null };
    response: { challengeId: string; expiresAt: string; destinationMasked: string };
    errors: string;
  };
  /** notifications checks a code of a challenge created for `purpose` (a challenge of another purpose is OTP_INVALID). */
  'notifications.otp.verify': {
    request: { challengeId: string; code: string; purpose: string; ip: string | null };
    response: { verified: boolean; attemptsLeft: number | null };
    errors: string;
  };
  /**
   * notifications sends a message the caller rendered (critical transactional: opt-outs do not apply),
   * e.g. sign's invitation carrying a signing link, which must never travel on the event bus.
   * A replayed `idempotencyKey` returns the first message and sends nothing.
   */
  'notifications.message.send': {
    request: { templateKey: string; channel: 'SMS' | 'EMAIL' | 'WHATSAPP'; recipient: string; subject: string | null; body: string; locale: string | null; idempotencyKey: string; recipientUserId: string | null };
    response: { requestId: string; status: string; replayed: boolean };
    errors: string;
  };
  /**
   * identity creates a borrower (role `borrower` only) in the call's tenant, for origination's
   * user_registration (lending cannot write identity's tables). Refusals: TENANT_INACTIVE,
   * EMAIL_TAKEN, INVALID_EMAIL, INVALID_PHONE, INVALID_DISPLAY_NAME, WEAK_PASSWORD, INVALID_PASSWORD
   * (with the field). The borrower signs in with identity's `login` afterwards.
   */
  'identity.borrower.register': {
    request: { email: string; displayName: string; password: string; phone: string | null };
    response: { userId: string; email: string };
    errors: string;
  };
  /**
   * flow issues a fresh access token (its public token API: flowSession, requestFlowUpload,
   * submitFlowStep) of the newest open execution the caller's event started with `externalRef`, in
   * the call's tenant; the earlier token stops working. For the requester that owns the relation with
   * the person (lending, for the application's borrower). Refusals: EXTERNAL_REF_INVALID,
   * REQUEST_NOT_FOUND (not started yet, or unknown), REQUEST_FINISHED (with `status` in the field).
   */
  'flow.access_token.issue': {
    request: { externalRef: string };
    response: { accessToken: string; requestId: string; status: string; currentStepKey: string | null; expiresAt: string };
    errors: string;
  };
}

export type RpcMethod = keyof RpcCatalogue;
