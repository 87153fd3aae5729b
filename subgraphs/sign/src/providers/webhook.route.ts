/** HTTP route of provider callbacks (providers/callbacks.ts); no bearer token: the provider's secret authenticates. */
import express from 'express';
import { logger } from '@imagy/platform/logger';
import type { CallbackOutcome, ProviderCallbacks } from './callbacks';
import { WEBHOOK_SECRET_HEADER } from './docuseal';

const STATUS: Record<CallbackOutcome, number> = { ACCEPTED: 200, BAD_SIGNATURE: 401, BAD_REQUEST: 400, NOT_FOUND: 404 };
const log = logger.child({ component: 'provider-callbacks' });

export function providerRoutes(callbacks: ProviderCallbacks) {
  return (app: express.Express) => {
    // Read as bytes and parsed here: a malformed body is a plain 400, never the framework's error page.
    app.post('/webhooks/docuseal', express.raw({ type: '*/*', limit: '256kb' }), async (req, res) => {
      try {
        let body: unknown = null;
        try { body = JSON.parse(Buffer.isBuffer(req.body) ? req.body.toString('utf8') : ''); } catch { body = null; }
        res.status(STATUS[await callbacks.fromDocuSeal(req.get(WEBHOOK_SECRET_HEADER), body)]).end();
      } catch (err) {
        log.error({ err: (err as Error).message }, 'provider callback failed');
        res.status(500).end();
      }
    });
  };
}
