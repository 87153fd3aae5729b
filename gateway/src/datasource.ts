/**
 * How the gateway talks to a subgraph: stock RemoteGraphQLDataSource over undici with one shared
 * keep-alive Agent (connections are reused instead of opened per fetch), forwarding exactly the
 * caller's `Authorization` and the request id. No other incoming header reaches a subgraph, so
 * identity headers a caller might invent (x-tenant-id, x-user-id...) never get through. The gateway
 * adds the client's address (x-forwarded-for, from the socket), the client's user agent and
 * language, trace context, and the installation's gateway proof that makes subgraphs believe that
 * address (`x-imagy-gateway-proof`).
 */
import { RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { Agent, fetch } from 'undici';
import type { GatewayContext } from './auth';
import { subgraphFetchDuration, subgraphFetchErrors } from './metrics';
import { childTraceparent } from './trace';
import { maskFetchFailure, maskSubgraphError } from './errors';
import { GATEWAY_PROOF_HEADER, gatewayProof } from '@imagy/platform/server';
import { operationBatchers } from './fetch-batching';

type Fetcher = RemoteGraphQLDataSource['fetcher'];
type ProcessResult = ReturnType<RemoteGraphQLDataSource<GatewayContext>['process']>;

export function subgraphAgent(options: { connections?: number; keepAliveTimeoutMs?: number } = {}): Agent {
  return new Agent({
    // Below the subgraphs' 65 s server keep-alive, so the gateway never reuses a socket the
    // subgraph is closing.
    keepAliveTimeout: options.keepAliveTimeoutMs ?? 30_000,
    keepAliveMaxTimeout: 60_000,
    connections: options.connections ?? 128,
  });
}

export function keepAliveFetcher(agent: Agent): Fetcher {
  return ((url, init) => fetch(url, { ...init, dispatcher: agent })) as Fetcher;
}

/** A host[:port] fit to build a URL on (names, IPv4, bracketed IPv6). */
const FORWARDABLE_HOST = /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?)*|\[[0-9A-Fa-f:.]{2,45}\])(?::\d{1,5})?$/;

export class ForwardingDataSource extends RemoteGraphQLDataSource<GatewayContext> {
  /** `telemetry: false`: no fetch duration/error metrics (trace headers follow `context.trace`). */
  constructor(private readonly subgraph: string, url: string, fetcher: Fetcher, private readonly telemetry = true) {
    super({ url, fetcher });
  }

  override willSendRequest(options: GraphQLDataSourceProcessOptions<GatewayContext>): void {
    if (!('incomingRequestContext' in options)) return; // health checks carry no caller
    const headers = options.request.http!.headers;
    const { authorization, requestId } = options.context;
    if (authorization) headers.set('authorization', authorization);
    headers.set('x-request-id', requestId);
    const { client } = options.context;
    if (client?.ip) headers.set('x-forwarded-for', client.ip.replace(/^::ffff:/, ''));
    // The installation's gateway secret: subgraphs believe x-forwarded-for only with it (platform gateway-proof.ts).
    headers.set(GATEWAY_PROOF_HEADER, gatewayProof());
    if (client?.userAgent) headers.set('user-agent', client.userAgent);
    // The public origin the client reached (flow mints its signed document URLs on it; subgraphs
    // believe it only with the gateway proof above).
    const incoming = options.incomingRequestContext.request.http?.headers;
    const host = incoming?.get('host');
    if (host && FORWARDABLE_HOST.test(host)) {
      headers.set('x-forwarded-host', host);
      headers.set('x-forwarded-proto', incoming?.get('x-forwarded-proto') === 'https' ? 'https' : 'http');
    }
    // User-facing texts follow the client's language (platform/src/i18n).
    const language = options.incomingRequestContext.request.http?.headers.get('accept-language');
    if (language) headers.set('accept-language', language.slice(0, 200));
    const { trace } = options.context;
    if (trace) {
      headers.set('traceparent', childTraceparent(trace));
      if (trace.tracestate) headers.set('tracestate', trace.tracestate);
    }
  }

  /**
   * A fetch of an operation executed with batching on (fetch-batching.ts) waits for the others of
   * its plan level and may share one request with them; anything else is sent at once.
   */
  override process(options: GraphQLDataSourceProcessOptions<GatewayContext>): ProcessResult {
    const batcher = 'incomingRequestContext' in options ? operationBatchers.get(options.incomingRequestContext) : undefined;
    return batcher ? batcher.enqueue(this, options) : this.processOne(options);
  }

  /** Every subgraph request passes here (HTTP plans and subscription events): errors are masked (errors.ts). */
  async processOne(options: GraphQLDataSourceProcessOptions<GatewayContext>): ProcessResult {
    const masking = 'incomingRequestContext' in options ? options.context : null;
    let response: Awaited<ProcessResult>;
    try {
      response = await this.measuredProcess(options);
    } catch (e) {
      if (!masking) throw e;
      throw maskFetchFailure(e, this.subgraph, masking);
    }
    if (!masking || !response.errors?.length) return response;
    return { ...response, errors: response.errors.map((e) => maskSubgraphError(e, this.subgraph, masking)) };
  }

  private async measuredProcess(options: GraphQLDataSourceProcessOptions<GatewayContext>): ProcessResult {
    if (!this.telemetry) return super.process(options);
    const end = subgraphFetchDuration.startTimer({ subgraph: this.subgraph });
    try {
      const response = await super.process(options);
      const failed = Boolean(response.errors?.length);
      if (failed) subgraphFetchErrors.inc({ subgraph: this.subgraph, kind: 'graphql' });
      end({ outcome: failed ? 'error' : 'ok' });
      return response;
    } catch (e) {
      subgraphFetchErrors.inc({ subgraph: this.subgraph, kind: 'fetch' });
      end({ outcome: 'error' });
      throw e;
    }
  }
}
