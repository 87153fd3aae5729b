/** JSON over HTTP for the adapters that speak a provider's documented REST API. */
import type { OutboundPolicy, OutboundResponse } from '../../common/outbound';
import { outboundRequest } from '../../common/outbound';
import { ProviderError } from './provider';

export async function postProvider(policy: OutboundPolicy, url: string, headers: Record<string, string>, body: string): Promise<OutboundResponse & { json: Record<string, unknown> | null }> {
  let res: OutboundResponse;
  try {
    res = await outboundRequest(policy, url, { method: 'POST', headers: { accept: 'application/json', ...headers }, body });
  } catch (e) {
    // Refused by the outbound policy: no retry helps. A network failure may pass.
    throw new ProviderError((e as Error).message, (e as Error).name !== 'OutboundRefused');
  }
  return { ...res, json: parseJson(res.body) };
}

export function parseJson(body: string): Record<string, unknown> | null {
  try {
    const v: unknown = JSON.parse(body);
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}
