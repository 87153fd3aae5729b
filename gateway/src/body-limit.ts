/**
 * Request body size at the gateway. The limit is never larger than what a subgraph accepts: the
 * subgraphs' JSON parser takes at most 1 MiB (`express.json({ limit: '1mb' })` in
 * platform/src/server/subgraph.ts), so the gateway takes at most 1 MiB too. A body the gateway
 * accepts is therefore never refused by a subgraph for its size (a subgraph fetch carries one
 * operation of the caller's, or entity representations the gateway built, not the caller's raw
 * body), and an over-limit body gets the gateway's own typed answer instead of a subgraph's HTML.
 *
 * Over the limit: HTTP 413 `{ errors: [{ message, extensions: { code: 'PAYLOAD_TOO_LARGE',
 * maxBytes } }] }`, the message in the caller's language. Known lengths are refused before the
 * body is read (fast path); chunked bodies when the parser passes the limit (express).
 */
import type http from 'node:http';
import type { ErrorRequestHandler } from 'express';
import { localeFrom, localizedMessage } from './i18n';
import { rejectedOperations } from './operation-metrics';

/** 1 MiB: equal to the subgraphs' `express.json({ limit: '1mb' })`. */
export const MAX_BODY_BYTES = 1024 * 1024;

/** Writes the typed 413 answer; the rest of the body is not read (the connection is closed after it). */
export function payloadTooLarge(req: http.IncomingMessage, res: http.ServerResponse, maxBytes: number): void {
  rejectedOperations.inc({ reason: 'limits', detail: 'maxBodyBytes' });
  const language = req.headers['accept-language'];
  const message = localizedMessage(localeFrom(typeof language === 'string' ? language : undefined), 'PAYLOAD_TOO_LARGE',
    `Request body is larger than the limit of ${maxBytes} bytes`, { maxBytes });
  const body = JSON.stringify({ errors: [{ message, extensions: { code: 'PAYLOAD_TOO_LARGE', maxBytes } }] });
  res.statusCode = 413;
  res.setHeader('content-type', 'application/json; charset=utf-8');
  res.setHeader('connection', 'close');
  res.end(body);
  // Unread body bytes would otherwise be taken for the next request on this connection.
  req.resume();
}

/** After express.json: its "entity too large" becomes the typed 413; any other error goes on. */
export function bodyLimitErrors(maxBytes: number): ErrorRequestHandler {
  return (err: unknown, req, res, next) => {
    if ((err as { type?: unknown })?.type === 'entity.too.large' && !res.headersSent) return payloadTooLarge(req, res, maxBytes);
    next(err);
  };
}
