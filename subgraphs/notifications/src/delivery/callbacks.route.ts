/** HTTP routes of provider status callbacks (delivery/callbacks.ts); no bearer token: the provider's signature authenticates. */
import express from 'express';
import { logger } from '@imagy/platform/logger';
import type { CallbackOutcome, StatusCallbacks } from './callbacks';

const STATUS: Record<CallbackOutcome, number> = { ACCEPTED: 204, NOT_FOUND: 404, BAD_SIGNATURE: 403 };
const log = logger.child({ component: 'status-callbacks' });

export function callbackRoutes(callbacks: StatusCallbacks) {
  return (app: express.Express) => {
    app.post('/callbacks/twilio/:tenantId/:configId', express.urlencoded({ extended: false, limit: '32kb', parameterLimit: 100 }), async (req, res) => {
      try {
        const params: Record<string, string> = {};
        for (const [k, v] of Object.entries((req.body ?? {}) as Record<string, unknown>)) if (typeof v === 'string') params[k] = v;
        const outcome = await callbacks.twilio(String(req.params.tenantId), String(req.params.configId), req.get('x-twilio-signature'), params);
        res.status(STATUS[outcome]).end();
      } catch (err) {
        log.error({ err: (err as Error).message }, 'status callback failed');
        res.status(500).end();
      }
    });
  };
}
