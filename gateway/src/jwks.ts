/**
 * `/.well-known/jwks.json` at the gateway: the identity subgraph's public keys, proxied with a short
 * cache so clients and external verifiers need to know only the gateway's address. A stale copy is
 * served when identity is briefly unreachable.
 */
import type { RequestHandler } from 'express';
import { fetch, type Dispatcher } from 'undici';
import type { Logger } from '@imagy/platform/logger';

export interface JwksProxyOptions {
  upstreamUrl: string | null;
  dispatcher?: Dispatcher;
  ttlMs?: number;
  timeoutMs?: number;
  log: Logger;
}

export function jwksProxy(options: JwksProxyOptions): RequestHandler {
  const ttlMs = options.ttlMs ?? 60_000;
  let cached: { body: string; expiresAt: number } | null = null;
  let inFlight: Promise<string> | null = null;

  const load = async (): Promise<string> => {
    const res = await fetch(options.upstreamUrl!, {
      signal: AbortSignal.timeout(options.timeoutMs ?? 5_000),
      ...(options.dispatcher && { dispatcher: options.dispatcher }),
    });
    if (!res.ok) throw new Error(`JWKS upstream answered HTTP ${res.status}`);
    const body = await res.text();
    const parsed = JSON.parse(body) as { keys?: unknown };
    if (!Array.isArray(parsed.keys)) throw new Error('JWKS upstream answered without a keys array');
    cached = { body, expiresAt: Date.now() + ttlMs };
    return body;
  };

  return async (_req, res) => {
    if (!options.upstreamUrl) {
      res.status(404).json({ error: 'No identity subgraph configured for JWKS' });
      return;
    }
    let body = cached && cached.expiresAt > Date.now() ? cached.body : null;
    if (!body) {
      try {
        inFlight ??= load().finally(() => { inFlight = null; });
        body = await inFlight;
      } catch (e) {
        options.log.warn({ err: (e as Error).message }, 'JWKS upstream unavailable');
        if (!cached) {
          res.status(502).json({ error: 'JWKS temporarily unavailable' });
          return;
        }
        body = cached.body;
      }
    }
    res.setHeader('content-type', 'application/json');
    res.setHeader('cache-control', `public, max-age=${Math.floor(ttlMs / 1000)}`);
    res.send(body);
  };
}
