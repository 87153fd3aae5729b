/**
 * Outbound calls to tenant-supplied URLs (provider base URLs): https only, and never to private,
 * loopback, link-local or otherwise non-public addresses unless the installation allows them
 * (`FLOW_ALLOW_PRIVATE_PROVIDER_URLS=1`; tests pass `allowPrivateNetworks: true` explicitly).
 * The host is resolved at save time and again before every call (a name that later resolves to a
 * private address is refused then).
 */
import dns from 'node:dns/promises';
import net from 'node:net';
import { isPublicAddress } from '@imagy/platform/net';

export { isPublicAddress };

/** A name that does not resolve within this is refused (a slow resolver must not hold a request). */
export const DNS_TIMEOUT_MS = 2_000;

async function resolveWithin(host: string, ms: number): Promise<string[]> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_r, reject) => { timer = setTimeout(() => reject(new Error('DNS timeout')), ms); });
  try {
    return (await Promise.race([dns.lookup(host, { all: true, verbatim: true }), timeout])).map((a) => a.address);
  } finally {
    clearTimeout(timer);
  }
}

export interface NetworkPolicy { allowPrivateNetworks: boolean }

/** The reason a URL may not be called, or null. Resolves the host (every address must be public). */
export async function urlProblem(raw: string, policy: NetworkPolicy): Promise<string | null> {
  let url: URL;
  try { url = new URL(raw); } catch { return 'not a URL'; }
  if (url.username || url.password) return 'credentials in the URL';
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && policy.allowPrivateNetworks)) return 'https is required';
  if (raw.length > 300) return 'longer than 300 characters';
  if (policy.allowPrivateNetworks) return null;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  let addresses: string[];
  try {
    addresses = net.isIP(host) ? [host] : await resolveWithin(host, DNS_TIMEOUT_MS);
  } catch { return 'the host does not resolve'; }
  if (!addresses.length || !addresses.every(isPublicAddress)) return 'the host has a private or loopback address';
  return null;
}
