/**
 * `/flow/files/<tenant>/<file>` at the gateway: the signed document URLs of flow's local storage
 * (subgraphs/flow/src/storage/local.ts) reach the flow subgraph through the public origin, so the
 * public side never needs the subgraph's address. A narrow pass-through, nothing else of flow:
 *
 *   - only PUT and GET on exactly `/flow/files/<uuid>/<uuid>` (anything else: 404, flow not called);
 *   - only the signature's query parameters (ct, max, exp, sig) and the headers the upload needs
 *     (content-type, content-length) go upstream; flow checks the signature, type and size;
 *   - only status, content-type, content-length and nosniff come back; a flow that cannot be
 *     reached is a plain 502 (no upstream address or error text).
 *
 * Bodies are streamed both ways (never buffered here); flow cuts an upload off past its signed size.
 */
import type { Request, RequestHandler, Response } from 'express';
import { request, type Dispatcher } from 'undici';
import type { Logger } from '@imagy/platform/logger';

const PATH = /^\/flow\/files\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;
const PARAMS = ['ct', 'max', 'exp', 'sig'] as const;
const BACK = ['content-type', 'content-length', 'x-content-type-options'] as const;

export interface FlowFilesProxyOptions {
  /** The flow subgraph's routing URL (its /graphql); null: the route answers 404. */
  flowUrl: string | null;
  dispatcher?: Dispatcher;
  /** Upstream silence allowed before the answer's headers and between body chunks (default 60 s). */
  timeoutMs?: number;
  log: Logger;
}

export function flowFilesProxy(options: FlowFilesProxyOptions): RequestHandler {
  const origin = options.flowUrl ? new URL(options.flowUrl).origin : null;
  const timeout = options.timeoutMs ?? 60_000;
  return (req: Request, res: Response) => {
    // Mounted with app.use('/flow/files'): the full path is the mount plus the rest.
    const path = `${req.baseUrl}${req.path}`;
    if (!origin || (req.method !== 'PUT' && req.method !== 'GET') || !PATH.test(path)) { res.status(404).json({ error: 'NOT_FOUND' }); return; }
    const query = new URLSearchParams();
    for (const p of PARAMS) {
      const v = req.query[p];
      if (typeof v === 'string') query.set(p, v.slice(0, 512));
    }
    const headers: Record<string, string> = {};
    if (req.method === 'PUT') {
      const type = req.headers['content-type'];
      if (typeof type === 'string') headers['content-type'] = type.slice(0, 200);
      const length = req.headers['content-length'];
      if (typeof length === 'string' && /^\d{1,12}$/.test(length)) headers['content-length'] = length;
    }
    request(`${origin}${path}?${query}`, {
      method: req.method,
      headers,
      body: req.method === 'PUT' ? req : undefined,
      headersTimeout: timeout,
      bodyTimeout: timeout,
      ...(options.dispatcher && { dispatcher: options.dispatcher }),
    }).then((up) => {
      res.status(up.statusCode);
      for (const h of BACK) {
        const v = up.headers[h];
        if (typeof v === 'string') res.setHeader(h, v);
      }
      up.body.on('error', () => res.destroy());
      up.body.pipe(res);
    }).catch((err: Error) => {
      options.log.warn({ err: err.message, method: req.method }, 'flow files upstream failed');
      if (!res.headersSent) res.status(502).json({ error: 'UPSTREAM_UNAVAILABLE' });
      else res.destroy();
      req.resume();
    });
  };
}
