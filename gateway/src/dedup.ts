/**
 * In-flight deduplication of identical concurrent *subgraph* fetches (what Hive Gateway does by
 * default with `deduplicateInflightRequests`), made safe for a gateway that forwards the caller's
 * identity:
 *
 *  - Two fetches are shared only while the first is in flight (nothing is kept once it settles, so
 *    an error or a result is never served to a fetch that started after it finished).
 *  - The key is the subgraph URL, the method, the exact request body (operation text, variables,
 *    representations) and **every header sent to the subgraph** (`authorization` included), except
 *    the two per-request correlation ids the gateway generates itself (`x-request-id`,
 *    `traceparent`: with them in the key nothing could ever be shared). Since the token differs per
 *    caller, only the same caller's identical fetches are collapsed.
 *  - A fetch whose caller sent its own `x-request-id`, `traceparent` or `tracestate` is never
 *    shared (`DedupAwareDataSource` marks it), so a caller-supplied correlation id always reaches
 *    the subgraph for that caller.
 *  - Only `query` operations are shared; a `mutation` (or anything that is not recognisably a
 *    query) always gets its own fetch.
 *  - Each caller gets its own `Response` built from the shared status, headers and body text, and
 *    parses it itself: @apollo/gateway merges fetched objects into its result tree in place, so a
 *    parsed object is never shared between two executions.
 *
 * Every subgraph request still is a request of its own on the subgraph side (its own context and
 * DataLoaders); the subgraph simply sees fewer identical ones.
 */
import type { GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import client from 'prom-client';
import type { Agent } from 'undici';
import type { GatewayContext } from './auth';
import { ForwardingDataSource } from './datasource';
import { registry } from './metrics';

type Fetcher = ForwardingDataSource['fetcher'];
type FetchInit = NonNullable<Parameters<Fetcher>[1]>;

/** Internal marker header: set by `DedupAwareDataSource`, removed by `dedupingFetcher` before sending. */
export const NO_DEDUP_HEADER = 'x-imagy-no-dedup';

/** Headers left out of the key: per-request ids the gateway generates (see above). */
const CORRELATION_HEADERS = new Set(['x-request-id', 'traceparent']);

export const subgraphFetchDedup = new client.Counter({
  name: 'imagy_gateway_subgraph_fetch_dedup_total',
  help: 'Subgraph fetches by in-flight deduplication result: leader (sent) or shared (answered by an identical in-flight fetch)',
  labelNames: ['result'],
  registers: [registry],
});

interface SharedResponse {
  status: number;
  statusText: string;
  headers: [string, string][];
  body: string;
}

/** Is this JSON body (as @apollo/gateway's RemoteGraphQLDataSource sends it) a query operation? */
export function isQueryBody(body: string): boolean {
  // `{"query":"query ...` or `{"query":"{ ...`; whitespace inside the string is escaped or plain spaces.
  const m = /^\{"query":"(?:\s|\\n|\\r|\\t)*([a-z{]+)/.exec(body);
  if (!m) return false;
  return m[1] === 'query' || m[1]!.startsWith('{');
}

function headerEntries(headers: FetchInit['headers'] | undefined): [string, string][] {
  if (!headers) return [];
  if (Array.isArray(headers)) return headers.map(([k, v]) => [String(k).toLowerCase(), String(v)]);
  if (typeof (headers as { entries?: unknown }).entries === 'function' && typeof (headers as { get?: unknown }).get === 'function') {
    return [...(headers as unknown as Iterable<[string, string]>)].map(([k, v]) => [k.toLowerCase(), v]);
  }
  return Object.entries(headers as Record<string, string>).map(([k, v]) => [k.toLowerCase(), String(v)]);
}

/**
 * A subgraph fetcher on undici's `request()` (same keep-alive Agent) instead of WHATWG `fetch`:
 * no web streams, so about a quarter of the CPU per fetch. It returns the small part of `Response`
 * that RemoteGraphQLDataSource uses (`ok`, `status`, `statusText`, `url`, `headers.get`, `json`,
 * `text`).
 */
export function requestFetcher(agent: Agent): Fetcher {
  return (async (url: string, init?: FetchInit) => {
    const headers: Record<string, string> = {};
    for (const [k, v] of headerEntries(init?.headers)) headers[k] = v;
    const { statusCode, headers: resHeaders, body } = await agent.request({
      origin: new URL(url).origin,
      path: url.slice(url.indexOf('/', url.indexOf('//') + 2)) || '/',
      method: (init?.method ?? 'GET').toUpperCase() as 'POST',
      headers,
      body: typeof init?.body === 'string' ? init.body : undefined,
    });
    const text = await body.text();
    return textResponse(url, statusCode, resHeaders, text);
  }) as Fetcher;
}

const STATUS_TEXT: Record<number, string> = { 200: 'OK', 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 500: 'Internal Server Error', 502: 'Bad Gateway', 503: 'Service Unavailable' };

function textResponse(url: string, status: number, raw: Record<string, string | string[] | undefined>, text: string) {
  const headers = new Map<string, string>();
  for (const [k, v] of Object.entries(raw)) if (v !== undefined) headers.set(k.toLowerCase(), Array.isArray(v) ? v.join(', ') : v);
  const h = {
    get: (name: string) => headers.get(name.toLowerCase()) ?? null,
    has: (name: string) => headers.has(name.toLowerCase()),
    forEach: (cb: (value: string, name: string) => void) => headers.forEach((v, k) => cb(v, k)),
    entries: () => headers.entries(),
    [Symbol.iterator]: () => headers.entries(),
  };
  return {
    ok: status >= 200 && status < 300,
    status,
    statusText: STATUS_TEXT[status] ?? '',
    url,
    redirected: false,
    headers: h,
    text: async () => text,
    json: async () => JSON.parse(text) as unknown,
  } as unknown as Awaited<ReturnType<Fetcher>>;
}

/**
 * Wraps a fetcher so identical concurrent query fetches (same URL, body and headers) share one HTTP
 * request. `telemetry: false`: the leader/shared counter is not touched.
 */
export function dedupingFetcher(inner: Fetcher, telemetry = true): Fetcher {
  const inflight = new Map<string, Promise<SharedResponse>>();
  return (async (url: string, init?: FetchInit) => {
    const entries = headerEntries(init?.headers);
    const noDedup = entries.some(([k]) => k === NO_DEDUP_HEADER);
    const sent = noDedup ? entries.filter(([k]) => k !== NO_DEDUP_HEADER) : entries;
    const forward = { ...init, headers: Object.fromEntries(sent) } as FetchInit;
    const method = (init?.method ?? 'GET').toUpperCase();
    const body = typeof init?.body === 'string' ? init.body : null;
    if (noDedup || method !== 'POST' || body === null || !isQueryBody(body)) return inner(url, forward);

    const keyHeaders = sent.filter(([k]) => !CORRELATION_HEADERS.has(k)).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    const key = `${url}\n${JSON.stringify(keyHeaders)}\n${body}`;
    let pending = inflight.get(key);
    if (pending) {
      if (telemetry) subgraphFetchDedup.inc({ result: 'shared' });
    } else {
      if (telemetry) subgraphFetchDedup.inc({ result: 'leader' });
      pending = (async () => {
        const res = await inner(url, forward);
        const text = await res.text();
        const headers: [string, string][] = [];
        for (const [name, value] of res.headers as unknown as Iterable<[string, string]>) headers.push([name, value]);
        return { status: res.status, statusText: res.statusText, headers, body: text };
      })();
      const settled = pending.finally(() => inflight.delete(key));
      settled.catch(() => undefined);
      inflight.set(key, pending);
    }
    const shared = await pending;
    // A fresh response per caller: each parses its own copy of the body.
    return textResponse(url, shared.status, Object.fromEntries(shared.headers), shared.body);
  }) as Fetcher;
}

/**
 * ForwardingDataSource that marks the fetches of callers who sent their own correlation headers
 * (`x-request-id`, `traceparent`, `tracestate`), so `dedupingFetcher` never shares them.
 */
export class DedupAwareDataSource extends ForwardingDataSource {
  override willSendRequest(options: GraphQLDataSourceProcessOptions<GatewayContext>): void {
    super.willSendRequest(options);
    if (!('incomingRequestContext' in options)) return;
    const incoming = options.incomingRequestContext.request.http?.headers;
    if (!incoming) return;
    if (incoming.get('x-request-id') || incoming.get('traceparent') || incoming.get('tracestate')) {
      options.request.http!.headers.set(NO_DEDUP_HEADER, '1');
    }
  }
}
