/**
 * Identity and background checks with Truora's Checks API (https://dev.truora.com/checks/create/):
 *
 *   POST {baseUrl}/v1/checks            Truora-API-Key: <key>, application/x-www-form-urlencoded
 *        national_id, country, type=person, user_authorized=true [, date_of_birth, phone_number]
 *   -> { "check": { "check_id", "status": "not_started" | "in_progress" | "delayed" | "completed" | "error", "score", "summary": { "identity_status" } }, "details", "self" }
 *   GET  {baseUrl}/v1/checks/{check_id} until the status is final (completed or error)
 *
 * Capability IDENTITY_DOCUMENT. Input: `documentNumber` (national id), `country` (ALL, BR, CL, CO,
 * CR, EC, MX, PE, AR), `userAuthorized` (must be true: the person's consent, which Truora requires
 * and the flow must collect, e.g. a FORM step's checkbox), optional `birthDate` (YYYY-MM-DD) and
 * `phone`. Output: `{ valid, fraudSignals, score, identityStatus, checkId }`: valid when the
 * identity was found (not dead, not missing); `score` is Truora's 0..1 background score (1 best)
 * for rules. The check is polled every `pollMs` within the step's timeout (the gateway's AbortSignal);
 * a check still running then is a TIMEOUT, and the retry's create returns the same check (Truora
 * de-duplicates creation for the same subject unless force_creation is sent, which we never do),
 * so a repeated call does not pay twice. 429 and 5xx are retryable, other 4xx not; a check that
 * ends in `error` is CHECK_ERROR (not retryable). Key and base URL: the tenant's secret, else the
 * installation's (TRUORA_API_KEY, TRUORA_URL, default https://api.checks.truora.com).
 */
import { ProviderError, type ProviderAdapter, type ProviderCallInput, type ProviderResult } from './types';
import { providerAccount, providerJson } from './http';
import type { NetworkPolicy } from './network';

export const TRUORA_DEFAULT_URL = 'https://api.checks.truora.com';
const COUNTRIES = ['ALL', 'BR', 'CL', 'CO', 'CR', 'EC', 'MX', 'PE', 'AR'];
const FINAL = ['completed', 'error'];

export interface TruoraOptions extends NetworkPolicy {
  apiKey: string | null;
  baseUrl?: string;
  /** Between two reads of a running check (default 1000 ms). */
  pollMs?: number;
}

interface TruoraCheck { check_id?: unknown; status?: unknown; score?: unknown; summary?: { identity_status?: unknown } }

export class TruoraProvider implements ProviderAdapter {
  readonly name = 'truora';
  readonly capabilities = ['IDENTITY_DOCUMENT'] as const;
  readonly takesSecret = true;

  constructor(private readonly options: TruoraOptions) {}

  async call({ input, choice, secret, signal }: ProviderCallInput): Promise<ProviderResult> {
    const nationalId = typeof input.documentNumber === 'string' ? input.documentNumber.trim() : '';
    const country = typeof input.country === 'string' ? input.country.toUpperCase() : '';
    if (!nationalId || nationalId.length > 40) throw new ProviderError('INPUT_MISSING', false, 'a Truora check needs documentNumber');
    if (!COUNTRIES.includes(country)) throw new ProviderError('INPUT_MISSING', false, 'a Truora check needs a supported country');
    if (input.userAuthorized !== true) throw new ProviderError('CONSENT_MISSING', false, 'the person has not authorised the check (userAuthorized)');
    const { apiKey, base } = await providerAccount({ secret, choice, installation: this.options, defaultUrl: TRUORA_DEFAULT_URL, keyVariable: 'TRUORA_API_KEY' });

    const form = new URLSearchParams({ national_id: nationalId, country, type: 'person', user_authorized: 'true' });
    if (typeof input.birthDate === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(input.birthDate)) form.set('date_of_birth', input.birthDate);
    if (typeof input.phone === 'string' && /^\+?\d{6,15}$/.test(input.phone)) form.set('phone_number', input.phone);
    let check = await this.send(`${base}/v1/checks`, { method: 'POST', headers: { 'truora-api-key': apiKey, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' }, body: form.toString() }, signal);
    const checkId = typeof check.check_id === 'string' && /^[A-Za-z0-9_-]{1,100}$/.test(check.check_id) ? check.check_id : null;
    if (!checkId) throw new ProviderError('BAD_RESPONSE', true);
    while (!FINAL.includes(String(check.status))) {
      await pause(this.options.pollMs ?? 1_000, signal);
      check = await this.send(`${base}/v1/checks/${encodeURIComponent(checkId)}`, { method: 'GET', headers: { 'truora-api-key': apiKey, accept: 'application/json' } }, signal);
    }
    if (check.status === 'error') throw new ProviderError('CHECK_ERROR', false);
    const identityStatus = typeof check.summary?.identity_status === 'string' ? check.summary.identity_status : 'unknown';
    const fraudSignals = identityStatus === 'found' ? [] : [identityStatus === 'dead' ? 'DECEASED' : identityStatus === 'not_found' ? 'IDENTITY_NOT_FOUND' : 'IDENTITY_UNKNOWN'];
    return {
      output: { valid: identityStatus === 'found', fraudSignals, score: typeof check.score === 'number' ? check.score : null, identityStatus, checkId },
      costReference: `truora:${checkId}`,
    };
  }

  /** One request; the check of its answer (`{ check: {...} }`). */
  private async send(url: string, init: RequestInit, signal: AbortSignal): Promise<TruoraCheck> {
    const { body } = await providerJson(url, init, signal);
    const check = body && typeof body === 'object' ? (body as { check?: unknown }).check : undefined;
    if (!check || typeof check !== 'object') throw new ProviderError('BAD_RESPONSE', true);
    return check as TruoraCheck;
  }
}

function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) { reject(new ProviderError('TIMEOUT', true)); return; }
    const timer = setTimeout(() => { signal.removeEventListener('abort', onAbort); resolve(); }, ms);
    const onAbort = () => { clearTimeout(timer); reject(new ProviderError('TIMEOUT', true)); };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
