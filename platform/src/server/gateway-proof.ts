/**
 * Which requests come from our gateway. The gateway sends the client's address in
 * X-Forwarded-For; a subgraph believes it only when the request also carries the installation's
 * gateway secret (`x-imagy-gateway-proof`), so any other local process (or a container on the same
 * network) that calls a subgraph directly is recorded, and throttled, by its own address, whatever
 * it claims. The secret is GATEWAY_FORWARD_SECRET (base64) in production, else generated at first
 * start into the state folder (installationSecret), which `npm start` and compose share.
 *
 * TRUST_PROXY (caller.ts) still applies to requests without the proof, for a deployment that puts
 * another proxy it trusts in front of a subgraph; by default it is unset and nobody else is believed.
 */
import crypto from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { installationSecret } from '../config';

export const GATEWAY_PROOF_HEADER = 'x-imagy-gateway-proof';

let cached: { env: string | undefined; digest: Buffer; value: string } | null = null;

function secret(): { digest: Buffer; value: string } {
  const env = process.env.GATEWAY_FORWARD_SECRET;
  if (!cached || cached.env !== env) {
    const value = installationSecret('GATEWAY_FORWARD_SECRET', 'gateway-forward.secret').toString('base64url');
    cached = { env, value, digest: crypto.createHash('sha256').update(value).digest() };
  }
  return cached;
}

/** The header value the gateway sends on every subgraph fetch. */
export function gatewayProof(): string {
  return secret().value;
}

/** Whether these request headers carry the installation's gateway proof (constant-time comparison). */
export function isFromGateway(headers: IncomingHttpHeaders): boolean {
  const presented = headers[GATEWAY_PROOF_HEADER];
  if (typeof presented !== 'string' || presented.length === 0 || presented.length > 256) return false;
  // Digests have one length, so timingSafeEqual never sees two and leaks nothing about the secret.
  return crypto.timingSafeEqual(crypto.createHash('sha256').update(presented).digest(), secret().digest);
}
