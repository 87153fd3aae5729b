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
    app.get('/callbacks/whatsapp/:tenantId/:configId', async (req, res) => {
      try {
        const q = (k: string) => (typeof req.query[k] === 'string' ? (req.query[k] as string) : undefined);
        const challenge = q('hub.mode') === 'subscribe' ? await callbacks.whatsappChallenge(String(req.params.tenantId), String(req.params.configId), q('hub.verify_token'), q('hub.challenge')) : null;
        if (challenge === null) res.status(403).end(); else res.type('text/plain').send(challenge);
      } catch (err) {
        log.error({ err: (err as Error).message }, 'status callback check failed');
        res.status(500).end();
      }
    });
    // SNS posts JSON as text/plain; the signature covers fields of it (delivery/sns.ts).
    app.post('/callbacks/ses/:tenantId/:configId', express.text({ type: '*/*', limit: '256kb' }), async (req, res) => {
      try {
        const body = typeof req.body === 'string' ? req.body : '';
        const outcome = await callbacks.ses(String(req.params.tenantId), String(req.params.configId), body);
        res.status(STATUS[outcome]).end();
      } catch (err) {
        log.error({ err: (err as Error).message }, 'status callback failed');
        res.status(500).end();
      }
    });
    // The signature covers the raw body: it is read as bytes, not parsed first.
    app.post('/callbacks/whatsapp/:tenantId/:configId', express.raw({ type: '*/*', limit: '256kb' }), async (req, res) => {
      try {
        const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
        const outcome = await callbacks.whatsapp(String(req.params.tenantId), String(req.params.configId), req.get('x-hub-signature-256'), body);
        res.status(outcome === 'ACCEPTED' ? 200 : STATUS[outcome]).end();
      } catch (err) {
        log.error({ err: (err as Error).message }, 'status callback failed');
        res.status(500).end();
      }
    });
  };
}
