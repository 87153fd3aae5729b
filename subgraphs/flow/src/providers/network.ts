/**
 * Outbound calls to tenant-supplied URLs (provider base URLs): https only, and never to private,
 * loopback, link-local or otherwise non-public addresses unless the installation allows them
 * (`FLOW_ALLOW_PRIVATE_PROVIDER_URLS=1`; tests pass `allowPrivateNetworks: true` explicitly).
 * The host is resolved at save time and again before every call (a name that later resolves to a
 * private address is refused then).
 */
import dns from 'node:dns/promises';
import net from 'node:net';

// Two lists: a BlockList also checks an IPv4 address against its IPv6 rules (as ::ffff:a.b.c.d),
// so the IPv6 rule for mapped addresses would otherwise block every IPv4 address.
const blocked4 = new net.BlockList();
const blocked6 = new net.BlockList();
for (const [addr, prefix] of [['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12], ['192.0.0.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['224.0.0.0', 4], ['240.0.0.0', 4]] as const) blocked4.addSubnet(addr, prefix, 'ipv4');
for (const [addr, prefix] of [['::', 128], ['::1', 128], ['fc00::', 7], ['fe80::', 10], ['ff00::', 8], ['::ffff:0:0', 96], ['64:ff9b::', 96]] as const) blocked6.addSubnet(addr, prefix, 'ipv6');

export function isPublicAddress(address: string): boolean {
  const family = net.isIP(address);
  if (family === 0) return false;
  if (family === 6 && address.toLowerCase().startsWith('::ffff:')) {
    const v4 = address.slice(7);
    if (net.isIPv4(v4)) return !blocked4.check(v4, 'ipv4');
  }
  return family === 4 ? !blocked4.check(address, 'ipv4') : !blocked6.check(address, 'ipv6');
}

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
