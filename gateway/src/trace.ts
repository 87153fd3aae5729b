/**
 * W3C trace context without an OpenTelemetry SDK. Only `@opentelemetry/api` is a dependency of the
 * gateway (through @apollo/gateway), so its spans are no-ops and nothing propagates by itself. The
 * gateway therefore:
 *  - continues the caller's trace when it sends a valid `traceparent` (and keeps its `tracestate`),
 *    or starts a new one (sampled flag set);
 *  - gives the request its own span id and sends every subgraph fetch a `traceparent` with the same
 *    trace id and a fresh parent span id, so subgraph logs and any tracing backend join them;
 *  - puts `trace_id` (and `span_id`) in every log line of the request.
 */
import crypto from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

export interface TraceContext {
  traceId: string;
  /** The gateway request's span id. */
  spanId: string;
  /** The caller's span id, when the trace was continued. */
  parentSpanId?: string;
  flags: string;
  tracestate?: string;
}

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(?:-.*)?$/;
const ZERO_TRACE = '0'.repeat(32);
const ZERO_SPAN = '0'.repeat(16);

const randomHex = (bytes: number) => crypto.randomBytes(bytes).toString('hex');

export function newSpanId(): string {
  let id = randomHex(8);
  while (id === ZERO_SPAN) id = randomHex(8);
  return id;
}

/** Parses a `traceparent` header; `null` when absent or invalid (version ff, all-zero ids, bad shape). */
export function parseTraceparent(header: string | undefined): { traceId: string; spanId: string; flags: string } | null {
  if (!header) return null;
  const m = TRACEPARENT.exec(header.trim().toLowerCase());
  if (!m) return null;
  const [, version, traceId, spanId, flags] = m as unknown as [string, string, string, string, string];
  if (version === 'ff' || (version === '00' && header.trim().length !== 55)) return null;
  if (traceId === ZERO_TRACE || spanId === ZERO_SPAN) return null;
  return { traceId, spanId, flags };
}

export function traceFromHeaders(headers: IncomingHttpHeaders): TraceContext {
  const incoming = parseTraceparent(typeof headers.traceparent === 'string' ? headers.traceparent : undefined);
  if (!incoming) return { traceId: randomHex(16), spanId: newSpanId(), flags: '01' };
  const tracestate = typeof headers.tracestate === 'string' && headers.tracestate.length <= 512 ? headers.tracestate : undefined;
  return { traceId: incoming.traceId, spanId: newSpanId(), parentSpanId: incoming.spanId, flags: incoming.flags, ...(tracestate && { tracestate }) };
}

/** `traceparent` for one outgoing fetch: same trace, a new span id for the fetch. */
export function childTraceparent(trace: TraceContext): string {
  return `00-${trace.traceId}-${newSpanId()}-${trace.flags}`;
}
