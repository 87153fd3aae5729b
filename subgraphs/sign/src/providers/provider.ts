/**
 * SignatureProvider (seed 2.8): who collects the signatures of a request. The built-in electronic
 * signature (OTP by notifications + explicit acceptance) is sign's own public API
 * (signing/signing.service.ts) and needs no adapter; an external provider gets the documents and
 * signers when the request is sent, invites the signers itself and reports each signature back by
 * a callback (providers/callbacks.ts). Either way the request completes here: sign seals its own
 * evidence package with the provider's events in the trail and on the certificate page.
 */
import type { ProviderKind, SigningOrder } from '../requests/requests.store';

export interface ProviderStart {
  tenantId: string;
  requestId: string;
  title: string;
  signingOrder: SigningOrder;
  locale: string;
  documents: Array<{ name: string; content: Buffer }>;
  signers: Array<{ id: string; name: string; email: string | null; phone: string | null }>;
}

export interface ProviderStarted {
  /** The provider's id of the request (DocuSeal: the submission id). */
  providerRef: string;
  signers: Array<{ signerId: string; providerRef: string }>;
}

export interface SignatureProvider {
  kind: Exclude<ProviderKind, 'BUILT_IN'>;
  start(input: ProviderStart): Promise<ProviderStarted>;
}

/** The provider refused or could not be reached (the caller answers PROVIDER_UNAVAILABLE). */
export class ProviderError extends Error {
  constructor(message: string) { super(message); this.name = 'ProviderError'; }
}

/** A signer's reference at the provider: `<tenantId>:<signerId>`, so a callback opens the right tenant before any read. */
export const externalIdOf = (tenantId: string, signerId: string) => `${tenantId}:${signerId}`;

export function parseExternalId(value: unknown): { tenantId: string; signerId: string } | null {
  if (typeof value !== 'string') return null;
  const m = /^([0-9a-f-]{36}):([0-9a-f-]{36})$/.exec(value);
  return m ? { tenantId: m[1]!, signerId: m[2]! } : null;
}
