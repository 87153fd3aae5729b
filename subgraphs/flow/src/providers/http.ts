/**
 * The HTTP exchange every provider adapter makes: one request with the gateway's AbortSignal,
 * redirects refused, 429 and 5xx retryable ProviderErrors, other non-2xx not, network errors
 * retryable, an abort a TIMEOUT, bodies over 1 MB refused, the JSON parsed (malformed: retryable).
 */
import { urlProblem, type NetworkPolicy } from './network';
import type { ProviderSecret } from './secrets';
import { ProviderError, type ProviderChoice } from './types';

export const MAX_RESPONSE_CHARS = 1_000_000;

export async function providerJson(url: string, init: RequestInit, signal: AbortSignal): Promise<{ body: unknown; headers: Headers }> {
  let res: Response;
  try {
    res = await fetch(url, { ...init, signal, redirect: 'error' });
  } catch (e) {
    if (signal.aborted) throw new ProviderError('TIMEOUT', true);
    throw new ProviderError('NETWORK', true, (e as Error).message);
  }
  if (res.status === 429 || res.status >= 500) { await res.body?.cancel(); throw new ProviderError(`HTTP_${res.status}`, true); }
  if (!res.ok) { await res.body?.cancel(); throw new ProviderError(`HTTP_${res.status}`, false); }
  const text = await res.text();
  if (text.length > MAX_RESPONSE_CHARS) throw new ProviderError('RESPONSE_TOO_LARGE', false);
  try {
    return { body: JSON.parse(text) as unknown, headers: res.headers };
  } catch {
    throw new ProviderError('BAD_RESPONSE', true);
  }
}

/**
 * The account a call uses: the tenant's own (its secret) first, the installation's as default; the
 * base URL from the router configuration, else the secret, else the installation's, checked for
 * public addresses (network.ts) before every call. NOT_CONFIGURED without a key, URL_REFUSED.
 */
export async function providerAccount(a: { secret: ProviderSecret | null; choice: ProviderChoice; installation: { apiKey: string | null; baseUrl?: string } & NetworkPolicy; defaultUrl: string; keyVariable: string }): Promise<{ apiKey: string; base: string }> {
  const apiKey = a.secret?.apiKey ?? a.installation.apiKey;
  if (!apiKey) throw new ProviderError('NOT_CONFIGURED', false, `no API key (tenant secret or ${a.keyVariable})`);
  const base = (a.choice.baseUrl ?? a.secret?.baseUrl ?? a.installation.baseUrl ?? a.defaultUrl).replace(/\/+$/, '');
  const problem = await urlProblem(base, a.installation);
  if (problem) throw new ProviderError('URL_REFUSED', false, problem);
  return { apiKey, base };
}
