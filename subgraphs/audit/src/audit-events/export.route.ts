/**
 * GET /export.ndjson?from=<ISO>&to=<ISO>: the OCSF events of a time range as NDJSON, streamed in
 * keyset batches (oldest first), for SIEMs and security data lakes. Same bearer token and the same
 * authorization as the GraphQL API; at most HTTP_EXPORT_LIMIT events per request (400 beyond, before
 * anything is streamed).
 */
import { once } from 'node:events';
import type express from 'express';
import type { TokenVerifier } from '@imagy/platform/auth';
import { parseDateTime } from '@imagy/platform/graphql';
import { authenticate, BadInputError, codeOf, requestIdFrom } from '@imagy/platform/server';
import { logger } from '@imagy/platform/logger';
import { HTTP_EXPORT_LIMIT, type AuditEventService } from './audit-event.service';

/** A query parameter under the GraphQL DateTime rules (offset required, real date, 1900..2999), or BAD_USER_INPUT. */
function dateTimeParam(value: unknown, name: string): string {
  try {
    if (typeof value !== 'string') throw new Error('missing');
    return parseDateTime(value);
  } catch {
    throw new BadInputError(`${name} must be an ISO 8601 date-time with an offset between 1900 and 2999, e.g. 2025-01-31T10:00:00Z`, name);
  }
}

const STATUS: Record<string, number> = { UNAUTHENTICATED: 401, FORBIDDEN: 403, BAD_USER_INPUT: 400, NOT_FOUND: 404 };

export function exportRoute(service: AuditEventService, verifier: TokenVerifier) {
  return (app: express.Express) => {
    app.get('/export.ndjson', async (req, res) => {
      const requestId = requestIdFrom(req.headers['x-request-id']);
      try {
        const auth = await authenticate(verifier, req.headers.authorization, requestId);
        const from = dateTimeParam(req.query.from, 'from');
        const to = dateTimeParam(req.query.to, 'to');
        const chunks = service.exportChunks(auth, from, to, HTTP_EXPORT_LIMIT);
        const first = await chunks.next(); // authorization and size errors surface before any byte is sent
        res.status(200);
        res.setHeader('content-type', 'application/x-ndjson; charset=utf-8');
        res.setHeader('content-disposition', 'attachment; filename="audit-events.ndjson"');
        res.setHeader('x-request-id', requestId);
        if (!first.done && !res.write(first.value)) await once(res, 'drain');
        for await (const chunk of chunks) {
          if (res.destroyed) break;
          if (!res.write(chunk)) await once(res, 'drain');
        }
        res.end();
      } catch (err) {
        const code = codeOf(err);
        if (res.headersSent) {
          logger.error({ err: (err as Error).message, request_id: requestId }, 'audit export failed mid-stream');
          res.destroy(err as Error);
          return;
        }
        if (!code) logger.error({ err, request_id: requestId }, 'audit export failed');
        res.status(code ? STATUS[code] ?? 400 : 500).json({ error: { code: code ?? 'INTERNAL_SERVER_ERROR', message: code ? (err as Error).message : 'Internal server error' } });
      }
    });
  };
}
