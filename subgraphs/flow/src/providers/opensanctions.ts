/**
 * AML screening with the OpenSanctions matching API (https://api.opensanctions.org/#tag/Matching):
 *
 *   POST {baseUrl}/match/{dataset}     Authorization: ApiKey <key>
 *   { "queries": { "q1": { "schema": "Person", "properties": { "name": [..], "birthDate": [..] } } } }
 *   -> { "responses": { "q1": { "results": [ { "id", "caption", "score", "match", "datasets" } ] } } }
 *
 * Input: `name` (required), `birthDate` (YYYY-MM-DD), `nationality` (optional). Output:
 * `{ matched, score, hits }` (at most 5 hits). 429 and 5xx are retryable ProviderErrors; other 4xx
 * are not. The base URL (default https://api.opensanctions.org) and dataset (default `default`) may
 * be overridden per tenant; the key is the installation's (OPENSANCTIONS_API_KEY), never stored in
 * the database or logged.
 */
import { ProviderError, type ProviderAdapter, type ProviderCallInput, type ProviderResult } from './types';
import { providerAccount, providerJson } from './http';
import type { NetworkPolicy } from './network';

export const OPENSANCTIONS_DEFAULT_URL = 'https://api.opensanctions.org';

export interface OpenSanctionsOptions extends NetworkPolicy {
  apiKey: string | null;
  baseUrl?: string;
}

interface MatchResult { id?: unknown; caption?: unknown; score?: unknown; match?: unknown; datasets?: unknown }

export class OpenSanctionsProvider implements ProviderAdapter {
  readonly name = 'opensanctions';
  readonly capabilities = ['AML_SCREENING'] as const;
  readonly takesSecret = true;

  constructor(private readonly options: OpenSanctionsOptions) {}

  async call({ input, choice, secret, signal }: ProviderCallInput): Promise<ProviderResult> {
    const name = typeof input.name === 'string' ? input.name.trim() : '';
    if (!name) throw new ProviderError('INPUT_MISSING', false, 'AML screening needs a name');
    // The tenant's own account first; the installation's key and URL are the default.
    const { apiKey, base } = await providerAccount({ secret, choice, installation: this.options, defaultUrl: OPENSANCTIONS_DEFAULT_URL, keyVariable: 'OPENSANCTIONS_API_KEY' });
    const properties: Record<string, string[]> = { name: [name] };
    if (typeof input.birthDate === 'string' && input.birthDate) properties.birthDate = [input.birthDate];
    if (typeof input.nationality === 'string' && input.nationality) properties.nationality = [input.nationality];
    const dataset = encodeURIComponent(choice.dataset ?? 'default');
    const answer = await providerJson(`${base}/match/${dataset}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json', authorization: `ApiKey ${apiKey}` },
      body: JSON.stringify({ queries: { q1: { schema: 'Person', properties } } }),
    }, signal);
    const body = (answer.body ?? {}) as { responses?: { q1?: { results?: MatchResult[] } } };
    const results = body.responses?.q1?.results;
    if (!Array.isArray(results)) throw new ProviderError('BAD_RESPONSE', true);
    const hits = results.slice(0, 5).map((r) => ({
      id: String(r.id ?? ''), caption: String(r.caption ?? '').slice(0, 200),
      score: typeof r.score === 'number' ? r.score : 0, match: r.match === true,
      datasets: Array.isArray(r.datasets) ? r.datasets.slice(0, 10).map(String) : [],
    }));
    return {
      output: { matched: hits.some((h) => h.match), score: hits.reduce((m, h) => Math.max(m, h.score), 0), hits },
      costReference: answer.headers.get('x-request-id') ? `opensanctions:${answer.headers.get('x-request-id')}` : `opensanctions:${dataset}`,
    };
  }
}
