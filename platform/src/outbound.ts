/**
 * Outbound HTTP to tenant-supplied URLs (notifications' webhooks and provider endpoints, identity's
 * OIDC issuers): the host is resolved and every address must be public unless `allowPrivate`
 * (each subgraph's configuration flag, e.g. NOTIFICATIONS_ALLOW_PRIVATE_URLS=1 or
 * IDENTITY_ALLOW_PRIVATE_OIDC_URLS=1; tests set it explicitly). The request goes to the address
 * that was checked (no second lookup between check and connect), with a timeout and no redirects.
 */
import dns from 'node:dns/promises';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { isPublicAddress } from './net';

export class OutboundRefused extends Error {
  constructor(message: string) { super(message); this.name = 'OutboundRefused'; }
}

export interface OutboundPolicy { allowPrivate: boolean; timeoutMs: number }

/** Private, loopback, link-local or otherwise non-public (platform's one classifier). */
export function isPrivateAddress(ip: string): boolean {
  return !isPublicAddress(ip);
}

/** The address to connect to for a tenant-supplied host: every address it resolves to must be allowed. */
export async function resolveAllowed(policy: OutboundPolicy, host: string): Promise<string> {
  let addresses: string[];
  try {
    addresses = net.isIP(host) ? [host] : (await dns.lookup(host, { all: true })).map((a) => a.address);
  } catch {
    throw new OutboundRefused(`host ${host} does not resolve`);
  }
  if (addresses.length === 0) throw new OutboundRefused('host has no address');
  if (!policy.allowPrivate && addresses.some(isPrivateAddress)) throw new OutboundRefused('private or loopback addresses are not allowed');
  return addresses[0]!;
}

export interface OutboundResponse { status: number; headers: http.IncomingHttpHeaders; body: string }

/** One request to a URL under the policy; the body is capped at 64 KiB. */
export async function outboundRequest(policy: OutboundPolicy, url: string, init: { method: string; headers: Record<string, string>; body?: string }): Promise<OutboundResponse> {
  const target = new URL(url);
  if (target.protocol !== 'https:' && target.protocol !== 'http:') throw new OutboundRefused(`protocol ${target.protocol} is not allowed`);
  const host = target.hostname.replace(/^\[|\]$/g, '');
  const address = await resolveAllowed(policy, host);
  const client = target.protocol === 'https:' ? https : http;
  return new Promise<OutboundResponse>((resolve, reject) => {
    const req = client.request({
      host: address,
      port: target.port || (target.protocol === 'https:' ? 443 : 80),
      path: `${target.pathname}${target.search}`,
      method: init.method,
      headers: { host: target.host, ...init.headers, ...(init.body !== undefined ? { 'content-length': String(Buffer.byteLength(init.body)) } : {}) },
      servername: net.isIP(host) ? undefined : host,
      timeout: policy.timeoutMs,
    }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => { size += c.length; if (size <= 65_536) chunks.push(c); });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`timed out after ${policy.timeoutMs} ms`)));
    req.on('error', reject);
    if (init.body !== undefined) req.write(init.body);
    req.end();
  });
}
