/**
 * `POST /api-keys/exchange` on identity: `{ "apiKey": "imk_..." }` -> 200 `{ accessToken, expiresAt,
 * apiKeyId, tenantId, scopes, plan, rpm }`, or 401 `{ "error": "INVALID_API_KEY" }` for every kind
 * of refusal (unknown, wrong secret, revoked, expired, past its rotation overlap).
 *
 * Why an HTTP route rather than a public GraphQL mutation: only the gateway calls it (it is not
 * part of the product API, so it stays out of the supergraph, its schema, the safelist and the
 * audit of GraphQL operations), and the raw key then never travels through query planning or
 * subgraph logs. It is nevertheless safe to expose: it only turns a valid key into a token for that
 * same key, answers every failure identically, and spends the same work on misses (service).
 */
import express, { type RequestHandler } from 'express';
import { logger } from '@imagy/platform/logger';
import type { ApiKeysService } from './api-keys.service';

export const EXCHANGE_PATH = '/api-keys/exchange';

export function exchangeRoute(service: ApiKeysService): RequestHandler[] {
  const log = logger.child({ component: 'api-key-exchange' });
  return [
    express.json({ limit: '4kb' }),
    async (req, res) => {
      res.setHeader('cache-control', 'no-store');
      const apiKey = (req.body as { apiKey?: unknown } | undefined)?.apiKey;
      if (typeof apiKey !== 'string' || apiKey.length > 200) {
        res.status(400).json({ error: 'BAD_REQUEST' });
        return;
      }
      try {
        const result = await service.exchange(apiKey);
        if (!result) res.status(401).json({ error: 'INVALID_API_KEY' });
        else res.json(result);
      } catch (err) {
        log.error({ err }, 'API key exchange failed');
        res.status(500).json({ error: 'INTERNAL_SERVER_ERROR' });
      }
    },
  ];
}
