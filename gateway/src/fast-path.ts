/**
 * In-flight deduplication of identical inbound operations, per caller (the lever behind Hive
 * Gateway's `inboundInflightRequestDeduplication`), as an express handler placed after the JSON body
 * parser and before Apollo Server's own middleware.
 *
 * For a request it takes:
 *  1. The caller's context is built exactly as on the normal path (token verification, tenant
 *     status; a refusal is answered by Apollo Server as usual). Every request is authenticated on
 *     its own; nothing is shared before that.
 *  2. The key is the sha256 of: the raw `Authorization` header, the verified identity (kind,
 *     tenant, user, roles, scopes), the operation text, the variables, the operation name, the
 *     extensions, and every request header except pure transport ones (host, connection,
 *     content-length, user-agent, accept-encoding...). So `x-request-id`, `traceparent`,
 *     `tracestate`, `accept`, `accept-language` and any header a future feature might forward
 *     split the key.
 *  3. The first request with a key (the leader) runs through Apollo Server as any other (persisted
 *     queries, limits, authorization directives, plan cache, metrics: all plugins apply); identical
 *     requests arriving while it runs wait for it and get the same status, headers and body bytes
 *     (serialised once). Their own `x-request-id` is echoed to each of them.
 *  4. The entry is removed as soon as the leader settles: nothing (result or error) is kept.
 *
 * Not taken (the request goes on to the normal middleware untouched): anything that is not a POST
 * with one JSON operation (batches, GET), persisted-query requests (APQ/safelist), `accept` asking
 * for multipart (incremental delivery), operations that are not queries (mutations, subscriptions)
 * or that do not parse (Apollo Server answers those).
 */
import crypto from 'node:crypto';
import type http from 'node:http';
import type { RequestHandler, Request, Response } from 'express';
import { Kind, parse, type OperationTypeNode } from 'graphql';
import { HeaderMap, type ApolloServer, type HTTPGraphQLResponse } from '@apollo/server';
import client from 'prom-client';
import type { GatewayContext } from './auth';
import { registry } from './metrics';
import { MAX_BODY_BYTES, payloadTooLarge } from './body-limit';

export const inboundDedup = new client.Counter({
  name: 'imagy_gateway_inbound_dedup_total',
  help: 'Inbound operations by in-flight deduplication result: leader (executed) or shared (answered by an identical in-flight operation of the same caller)',
  labelNames: ['result'],
  registers: [registry],
});

/**
 * Request headers that cannot change an answer (transport only); every other header splits the key.
 * `accept-language` is not one of them: messages are written in the caller's language (the gateway's
 * own and the subgraphs'), so a Spanish and an English request never share one answer.
 */
const TRANSPORT_HEADERS = new Set([
  'host', 'connection', 'keep-alive', 'content-length', 'transfer-encoding', 'user-agent',
  'accept-encoding', 'cache-control', 'pragma', 'te', 'origin', 'referer',
]);

interface Shared {
  status: number;
  headers: [string, string][];
  body: Buffer;
}

type ContextFunction = (args: { req: Request; res: Response }) => Promise<GatewayContext>;
type RawContextFunction = (args: { req: http.IncomingMessage; res: http.ServerResponse }) => Promise<GatewayContext>;

export interface InboundDedupOptions {
  apollo: ApolloServer<GatewayContext>;
  /** The same context function as the normal path's. */
  context: ContextFunction;
  /** Operation texts whose operation types are remembered (default 1000). */
  maxDocuments?: number;
  /** `false`: the leader/shared counter is not touched (default true). */
  telemetry?: boolean;
}

/** Operation type by operation name ('' = the only/first one) per query text, parsed once. */
class OperationTypes {
  private readonly byQuery = new Map<string, Map<string, OperationTypeNode> | null>();
  constructor(private readonly max: number) {}

  of(query: string, operationName: string | undefined): OperationTypeNode | null {
    let ops = this.byQuery.get(query);
    if (ops === undefined) {
      ops = null;
      try {
        const doc = parse(query, { noLocation: true });
        ops = new Map();
        let count = 0;
        for (const d of doc.definitions) {
          if (d.kind !== Kind.OPERATION_DEFINITION) continue;
          count++;
          if (d.name) ops.set(d.name.value, d.operation);
          if (count === 1) ops.set('', d.operation);
        }
        // Several operations and no name: Apollo Server refuses it; not our business.
        if (count > 1) ops.delete('');
      } catch {
        ops = null;
      }
      if (this.byQuery.size >= this.max) this.byQuery.delete(this.byQuery.keys().next().value!);
      this.byQuery.set(query, ops);
    }
    return ops?.get(operationName ?? '') ?? null;
  }
}

export function writeHTTPGraphQLResponse(res: http.ServerResponse, response: HTTPGraphQLResponse): Promise<void> | void {
  for (const [key, value] of response.headers) res.setHeader(key, value);
  res.statusCode = response.status ?? 200;
  if (response.body.kind === 'complete') {
    res.end(response.body.string);
    return;
  }
  const chunks = response.body.asyncIterator;
  return (async () => {
    for await (const chunk of chunks) res.write(chunk);
    res.end();
  })();
}

function httpRequestOf(req: http.IncomingMessage, body: unknown): { method: string; headers: HeaderMap; search: string; body: unknown } {
  const headers = new HeaderMap();
  for (const [key, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
  }
  const url = req.url ?? '';
  const q = url.indexOf('?');
  return { method: (req.method ?? 'GET').toUpperCase(), headers, search: q >= 0 ? url.slice(q) : '', body };
}

/** What express answers (body-parser + finalhandler, production) for a body that is not JSON. */
function badJson(res: http.ServerResponse): void {
  const html = '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>Error</title>\n</head>\n<body>\n<pre>Bad Request</pre>\n</body>\n</html>\n';
  res.statusCode = 400;
  res.setHeader('content-security-policy', "default-src 'none'");
  res.setHeader('x-content-type-options', 'nosniff');
  res.setHeader('content-type', 'text/html; charset=utf-8');
  res.end(html);
}

export interface FastPathOptions {
  apollo: ApolloServer<GatewayContext>;
  /** The same context function as the normal path's (it only reads `req.headers` and sets a response header). */
  context: RawContextFunction;
  /** Inbound in-flight deduplication (see above). */
  dedup: boolean;
  /** `false`: the deduplication counter is not touched (default true). */
  telemetry?: boolean;
  /** Same limit as the normal path's JSON parser (default MAX_BODY_BYTES, 1 MiB): larger known lengths get the typed 413. */
  maxBodyBytes?: number;
}

/**
 * The HTTP fast path, in front of express: `POST /graphql` with an `application/json` (utf-8) body
 * of known length and one operation object is read and parsed here and handed straight to Apollo
 * Server (`executeHTTPGraphQLRequest`, the very call the express integration makes: same plugins,
 * same context), or to the deduplication above; no express routing, body-parser or `res.send`.
 * Anything else (other paths and methods, batches, chunked or compressed bodies, other content
 * types) goes to express unchanged (an array body is handed over already parsed, as express.json
 * would have left it). A body that is not JSON gets express's own 400 answer.
 */
export function graphqlFastPath(options: FastPathOptions): (req: http.IncomingMessage, res: http.ServerResponse, fallback: () => void) => void {
  const { apollo } = options;
  const maxBody = options.maxBodyBytes ?? MAX_BODY_BYTES;
  const dedupe = options.dedup ? deduplicator({ apollo, context: options.context, telemetry: options.telemetry }) : null;

  const run = async (req: http.IncomingMessage, res: http.ServerResponse, body: Record<string, unknown>) => {
    if (dedupe && (await dedupe(req, res, body))) return;
    const response = await apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest: httpRequestOf(req, body),
      context: () => options.context({ req, res }),
    });
    await writeHTTPGraphQLResponse(res, response);
  };

  return (req, res, fallback) => {
    const url = req.url ?? '';
    if (req.method !== 'POST' || (url !== '/graphql' && !url.startsWith('/graphql?'))) return fallback();
    const type = req.headers['content-type'];
    if (!type) return fallback();
    const semi = type.indexOf(';');
    if ((semi < 0 ? type : type.slice(0, semi)).trim().toLowerCase() !== 'application/json') return fallback();
    if (semi >= 0 && !/^\s*charset\s*=\s*"?utf-8"?\s*$/i.test(type.slice(semi + 1))) return fallback();
    const encoding = req.headers['content-encoding'];
    if (encoding && encoding.toLowerCase() !== 'identity') return fallback();
    const length = Number(req.headers['content-length']);
    if (!req.headers['content-length'] || !Number.isInteger(length) || length < 0) return fallback();
    if (length > maxBody) return payloadTooLarge(req, res, maxBody);

    const chunks: Buffer[] = [];
    let received = 0;
    req.on('data', (c: Buffer) => { received += c.length; chunks.push(c); });
    req.on('error', () => res.destroy());
    req.on('end', () => {
      if (received !== length) { res.statusCode = 400; res.end(); return; }
      const text = chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8');
      let body: unknown;
      const first = /\S/.exec(text)?.[0];
      try {
        if (first !== '{' && first !== '[') throw new SyntaxError('not an object or array');
        body = JSON.parse(text);
      } catch {
        return badJson(res);
      }
      if (Array.isArray(body)) {
        // Batches: express.json sees the request as already read and keeps this body.
        (req as http.IncomingMessage & { body?: unknown }).body = body;
        return fallback();
      }
      run(req, res, body as Record<string, unknown>).catch(() => {
        if (!res.headersSent) { res.statusCode = 500; res.end(); } else res.destroy();
      });
    });
  };
}

export function inboundDedupHandler(options: InboundDedupOptions): RequestHandler {
  const dedupe = deduplicator(options);
  return async (req, res, next) => {
    const body: unknown = req.body;
    if (req.method !== 'POST' || !body || typeof body !== 'object' || Array.isArray(body)) return next();
    try {
      if (!(await dedupe(req, res, body as Record<string, unknown>))) return next();
    } catch (e) {
      return next(e);
    }
  };
}

/**
 * The deduplication itself: `false` when the request is not eligible (nothing was done, the caller
 * continues on the normal path), `true` once the answer was written.
 */
function deduplicator(options: { apollo: ApolloServer<GatewayContext>; context: RawContextFunction | ContextFunction; maxDocuments?: number; telemetry?: boolean }) {
  const { apollo } = options;
  const counted = options.telemetry ?? true;
  const contextOf = options.context as RawContextFunction;
  const types = new OperationTypes(options.maxDocuments ?? 1000);
  const inflight = new Map<string, Promise<Shared | null>>();

  const sendShared = (res: http.ServerResponse, shared: Shared) => {
    res.statusCode = shared.status;
    for (const [k, v] of shared.headers) res.setHeader(k, v);
    res.end(shared.body);
  };

  return async (req: http.IncomingMessage, res: http.ServerResponse, body: Record<string, unknown>): Promise<boolean> => {
    const { query, variables, operationName, extensions } = body;
    if (typeof query !== 'string') return false;
    if (operationName != null && typeof operationName !== 'string') return false;
    if (variables != null && (typeof variables !== 'object' || Array.isArray(variables))) return false;
    if (extensions != null && (typeof extensions !== 'object' || Array.isArray(extensions) || 'persistedQuery' in extensions)) return false;
    const accept = req.headers.accept;
    if (accept && accept.includes('multipart')) return false;
    if (types.of(query, operationName ?? undefined) !== 'query') return false;

    {
      const httpGraphQLRequest = httpRequestOf(req, body);
      let context: GatewayContext;
      try {
        context = await contextOf({ req, res });
      } catch (e) {
        // Refusal (401/503...): Apollo Server formats it and runs its plugins, as on the normal path.
        const response = await apollo.executeHTTPGraphQLRequest({ httpGraphQLRequest, context: () => Promise.reject(e) });
        await writeHTTPGraphQLResponse(res, response);
        return true;
      }

      const { auth } = context;
      const h = crypto.createHash('sha256');
      const part = (s: string) => { h.update(s); h.update('\u0000'); };
      part(context.authorization ?? '');
      part(auth.kind); part(auth.tenantId ?? ''); part(auth.userId ?? '');
      part([...auth.roles].sort().join(' ')); part([...auth.scopes].sort().join(' '));
      part(query);
      part(JSON.stringify(variables ?? null));
      part(operationName ?? '');
      part(JSON.stringify(extensions ?? null));
      const names = Object.keys(req.headers).filter((n) => !TRANSPORT_HEADERS.has(n)).sort();
      for (const n of names) { part(n); const v = req.headers[n]; part(Array.isArray(v) ? v.join(', ') : (v ?? '')); }
      const key = h.digest('base64');

      const pending = inflight.get(key);
      if (pending) {
        if (counted) inboundDedup.inc({ result: 'shared' });
        const shared = await pending;
        if (shared) {
          sendShared(res, shared);
          return true;
        }
        // The leader's answer was streamed: run this one on its own.
        const response = await apollo.executeHTTPGraphQLRequest({ httpGraphQLRequest, context: async () => context });
        await writeHTTPGraphQLResponse(res, response);
        return true;
      }

      if (counted) inboundDedup.inc({ result: 'leader' });
      let resolveShared!: (s: Shared | null) => void;
      const sharedPromise = new Promise<Shared | null>((resolve) => { resolveShared = resolve; });
      inflight.set(key, sharedPromise);
      let response: HTTPGraphQLResponse;
      try {
        response = await apollo.executeHTTPGraphQLRequest({ httpGraphQLRequest, context: async () => context });
      } catch (e) {
        inflight.delete(key);
        resolveShared(null);
        throw e;
      }
      inflight.delete(key);
      if (response.body.kind !== 'complete') {
        resolveShared(null);
        await writeHTTPGraphQLResponse(res, response);
        return true;
      }
      const shared: Shared = { status: response.status ?? 200, headers: [...response.headers], body: Buffer.from(response.body.string) };
      resolveShared(shared);
      sendShared(res, shared);
      return true;
    }
  };
}
