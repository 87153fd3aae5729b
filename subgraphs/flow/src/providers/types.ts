/**
 * The provider gateway's contract: one adapter interface for every capability. An adapter turns a
 * capability's input into a provider's request and its answer into the capability's output; it
 * throws ProviderError (retryable or not) and honours the AbortSignal (the gateway's timeout).
 */
import type { Capability } from '../flows/flows.store';
import type { ProviderSecret } from './secrets';

export type { Capability };
export const CAPABILITIES: readonly Capability[] = ['CREDIT_BUREAU', 'AML_SCREENING', 'IDENTITY_DOCUMENT', 'LIVENESS', 'PHONE_LOOKUP'];

/** One provider the router may try, as a tenant configured it (provider_configs). */
export interface ProviderChoice { provider: string; baseUrl?: string | null; dataset?: string | null }

export interface ProviderCallInput {
  capability: Capability;
  /** Mapped from the execution data by the step's input mapping. */
  input: Record<string, unknown>;
  choice: ProviderChoice;
  /** The tenant's own secret for this provider (API key, base URL), else null: the installation's defaults apply. */
  secret: ProviderSecret | null;
  signal: AbortSignal;
}

export interface ProviderResult {
  output: Record<string, unknown>;
  /** The provider's reference of the billable call (for billing's cost of provider). */
  costReference: string | null;
}

export interface ProviderAdapter {
  /** Stable name tenants configure (`mock`, `opensanctions`). */
  readonly name: string;
  readonly capabilities: readonly Capability[];
  /** Whether a tenant may set its own secret (API key, base URL) for it. */
  readonly takesSecret: boolean;
  call(request: ProviderCallInput): Promise<ProviderResult>;
}

/** A failed provider call: `retryable` for 429, 5xx, network errors; not for 4xx or bad input. */
export class ProviderError extends Error {
  constructor(public readonly code: string, public readonly retryable: boolean, message = code) {
    super(message);
    this.name = 'ProviderError';
  }
}

/** Shows only the last four characters of a document number (logs, summaries, events). */
export function maskDocument(value: unknown): string {
  const s = typeof value === 'string' ? value : String(value ?? '');
  return s.length <= 4 ? '****' : `${'*'.repeat(Math.min(s.length - 4, 12))}${s.slice(-4)}`;
}
