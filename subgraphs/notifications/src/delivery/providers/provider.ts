/**
 * What every provider adapter implements. An adapter speaks one provider's documented API; the
 * dispatcher (delivery/dispatcher.ts) decides retries, circuit breaking and failover around it.
 */
import type { Em } from '@imagy/platform/db';
import type { OutboundPolicy } from '../../common/outbound';
import type { Channel } from '../../templates/render';

export interface OutboundMessage {
  requestId: string;
  tenantId: string;
  channel: Channel;
  /** Full recipient (normalised): only adapters see it, never a log. */
  recipient: string;
  subject: string | null;
  body: string;
  templateKey: string;
  locale: string;
  variables: Record<string, string>;
}

export interface ProviderContext {
  /** Runs `work` in a short transaction of the message's tenant (the local provider writes its mailbox in one). */
  tx<T>(work: (em: Em) => Promise<T>): Promise<T>;
  settings: Record<string, unknown>;
  credentials: Record<string, unknown>;
  outbound: OutboundPolicy;
}

export interface SendResult { providerMessageId: string | null }

export interface ProviderAdapter {
  name: string;
  channels: readonly Channel[];
  /** Why these settings/credentials cannot work (checked when a tenant configures them), or null. */
  check(settings: Record<string, unknown>, credentials: Record<string, unknown>): string | null;
  send(message: OutboundMessage, context: ProviderContext): Promise<SendResult>;
}

/**
 * A provider's refusal or failure. `retryable`: a 5xx, a timeout, a 429 (with `retryAfterMs`);
 * not retryable: the provider said the request itself is wrong (4xx), so the next provider is tried.
 */
export class ProviderError extends Error {
  constructor(message: string, readonly retryable: boolean, readonly status: number | null = null, readonly retryAfterMs: number | null = null) {
    super(message);
    this.name = 'ProviderError';
  }
}

/** ProviderError from an HTTP answer: 429 and 5xx retry, other 4xx do not. */
export function httpError(status: number, retryAfter: string | string[] | undefined, detail = ''): ProviderError {
  const header = Array.isArray(retryAfter) ? retryAfter[0] : retryAfter;
  const seconds = header && /^\d+$/.test(header) ? Number(header) : null;
  const retryable = status === 429 || status >= 500 || status === 408;
  return new ProviderError(`answered HTTP ${status}${detail ? `: ${detail.slice(0, 200)}` : ''}`, retryable, status, seconds === null ? null : seconds * 1000);
}

/** A non-blank string setting, trimmed; anything else is absent. */
export const str = (v: unknown): string | null => (typeof v === 'string' && v.trim().length > 0 ? v.trim() : null);
