/**
 * startGateway(): @apollo/gateway inside @apollo/server 5 on express 5.
 *
 * Routes: POST/GET `/graphql`, `/health` (200 once the supergraph is loaded, 503 before and while
 * stopping), `/metrics` (Prometheus, platform registry; process metrics only with telemetry off),
 * `/.well-known/jwks.json` (identity's keys), `/flow/files/<tenant>/<file>` (PUT/GET of flow's signed
 * document URLs, passed through to the flow subgraph: flow-files.ts).
 * The HTTP port opens before the supergraph is loaded so orchestrators can watch `/health`.
 */
import fs from 'node:fs';
import http from 'node:http';
import express, { type RequestHandler } from 'express';
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { expressMiddleware } from '@as-integrations/express5';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginLandingPageLocalDefault } from '@apollo/server/plugin/landingPage/default';
import {
  ApolloServerPluginLandingPageDisabled,
  ApolloServerPluginSchemaReportingDisabled,
  ApolloServerPluginUsageReportingDisabled,
} from '@apollo/server/plugin/disabled';
import { ApolloGateway } from '@apollo/gateway';
import { RevocationView, TokenVerifier, trustedIssuersFromEnv } from '@imagy/platform/auth';
import { isProduction } from '@imagy/platform/config';
import { requestIdFrom } from '@imagy/platform/server';
import { logger } from '@imagy/platform/logger';
import { gatewayContext, type GatewayContext } from './auth';
import { ForwardingDataSource, subgraphAgent } from './datasource';
import { jwksProxy } from './jwks';
import { flowFilesProxy } from './flow-files';
import { gatewayRequestDuration, processMetrics, registry, telemetryFromEnv } from './metrics';
import { jwksUrlOf, routingUrl, subgraphUrls } from './supergraph';
import { IdentityTenantStatusChecker, type TenantStatusChecker } from './tenant-status';
import { authorizingGateway, supergraphForGateway } from './authz';
import { limitsFromEnv, type OperationLimits } from './limits';
import { instrumentQueryPlanning } from './operation-metrics';
import { batchSizeLimit, operationGuardPlugin } from './operation-guard';
import { OperationPipeline } from './pipeline';
import { errorMaskingPlugin, formatGatewayError } from './errors';
import { bodyLimitErrors, MAX_BODY_BYTES } from './body-limit';
import { localeFrom, localizedMessage } from './i18n';
import { clientManifestFiles, loadManifest, manifestPathFromEnv, mergeManifests, PersistedQueries, validateManifest, type ManifestOperation, type PersistedQueryManifest } from './persisted-queries';
import { traceFromHeaders } from './trace';
import { ApiKeyAuth, exchangeUrlOf, type ApiKeyAuthOptions } from './api-keys';
import { DedupAwareDataSource, dedupingFetcher, requestFetcher } from './dedup';
import { graphqlFastPath, inboundDedupHandler } from './fast-path';
import { attachSubscriptions, type GatewaySubscriptions, type SubscriptionOptions } from './subscriptions';
import { CONSOLE_PATH, consoleDirFromEnv, consoleRouter } from './console';
import { portalDirFromEnv, portalRouter } from './portal';
import type { AuthOptions } from './auth';
import type { Logger } from '@imagy/platform/logger';

export type { TenantStatusChecker } from './tenant-status';
export type { GatewayContext } from './auth';
export type { GatewaySubscriptions, SubscriptionOptions } from './subscriptions';

export interface GatewayOptions {
  supergraphSdl: string;
  port: number;
  host?: string;
  /** Development only: no token is required or verified (headers are still forwarded). */
  allowAnonymous?: boolean;
  /** Defaults to a verifier of the issuers in the environment (`trustedIssuersFromEnv()`). */
  verifier?: TokenVerifier;
  /** Defaults to asking the supergraph's `identity` subgraph, cached 30 s per tenant. */
  tenantStatus?: TenantStatusChecker;
  /** Defaults to `/.well-known/jwks.json` on the identity subgraph's host. */
  jwksUpstreamUrl?: string;
  /**
   * Safelist: a manifest file path or a manifest object. Defaults to `PERSISTED_QUERIES_FILE`, else
   * `schema/persisted-queries.json` at the repository root (an empty list if that file is absent).
   */
  persistedQueries?: string | PersistedQueryManifest;
  /**
   * First-party clients' persisted documents (runnable by id by first-party callers, never by API
   * keys): manifest files or objects. Default: every `schema/persisted-documents.<client>.json`.
   */
  clientDocuments?: (string | PersistedQueryManifest)[];
  /**
   * The staff console's build folder, served at `/console/` (console.ts). Default: `CONSOLE_DIST`,
   * else clients/console/dist when it holds a build; `false`: not served.
   */
  console?: string | false;
  /**
   * The borrower portal's build folder, served at `/` on every host after every other route
   * (portal.ts). Default: `PORTAL_DIST`, else clients/portal/dist when it holds a build; `false`: not served.
   */
  portal?: string | false;
  /** Bounds of the APQ cache (defaults 10 000 entries, 32 Mi characters). */
  apqCache?: { maxEntries?: number; maxChars?: number };
  /** API keys and rate limits (api-keys/): NATS, namespace, signer, user rate; `false` turns API keys off. */
  apiKeys?: Partial<Omit<ApiKeyAuthOptions, 'log'>> | false;
  /** Overrides of the operation limits (defaults and `GATEWAY_MAX_*` in limits.ts). */
  limits?: Partial<OperationLimits>;
  /**
   * In-flight deduplication of identical inbound query operations of the same caller (fast-path.ts).
   * Default true.
   */
  dedup?: boolean;
  /**
   * In-flight deduplication of identical subgraph query fetches with identical headers (dedup.ts).
   * Default true.
   */
  fetchDedup?: boolean;
  /**
   * The fetches of one operation are sent level by level, the entity fetches of one level to the
   * same subgraph merged into one request (fetch-batching.ts). Default true.
   */
  fetchBatching?: boolean;
  /**
   * Request, subgraph-fetch and planning metrics, W3C trace context (generated and sent to
   * subgraphs) and the per-request debug log line. `false`: none of it (`/metrics` then shows only
   * the process metrics). Default: `GATEWAY_TELEMETRY` (on unless `off`).
   */
  telemetry?: boolean;
  /**
   * graphql-ws on the same server and path as HTTP (`/graphql`), sharing the verifier, tenant
   * status, API keys, persisted queries, limits and subgraph connections. Default on; `false`: none.
   */
  subscriptions?: SubscriptionOptions | false;
  /** Logger of the gateway (default: the platform logger). */
  log?: Logger;
  /**
   * The revocation view (platform auth/revocation.ts). Default: started on the API keys' NATS
   * connection when there is one; `false`: none (revocations then act through the subgraphs and the
   * tenant-status cache only).
   */
  revocations?: RevocationView | false;
}

export interface RunningGateway {
  /** `http://<host>:<port>/graphql` */
  url: string;
  port: number;
  httpServer: http.Server;
  /** API-key cache and rate-limit counters (HTTP and graphql-ws share them). */
  apiKeys?: ApiKeyAuth;
  /** The graphql-ws side (null with `subscriptions: false`). */
  subscriptions: GatewaySubscriptions | null;
  /** Closes the WebSocket side, then drains HTTP, then the NATS and subgraph connections. */
  stop(): Promise<void>;
}

const MAX_OPERATION_LABELS = 500;

export async function startGateway(options: GatewayOptions): Promise<RunningGateway> {
  process.env.APOLLO_TELEMETRY_DISABLED = '1';
  const log = (options.log ?? logger).child({ component: 'gateway' });
  const allowAnonymous = options.allowAnonymous ?? false;
  if (allowAnonymous && isProduction()) throw new Error('allowAnonymous is refused when NODE_ENV=production');

  // Configuration errors fail startup before anything is opened.
  const limits: OperationLimits = { ...limitsFromEnv(), ...options.limits };
  const telemetry = options.telemetry ?? telemetryFromEnv();
  const persistedQueries = new PersistedQueries({
    manifest: safelistFrom(options.persistedQueries, log),
    clientDocuments: mergeManifests((options.clientDocuments ?? clientManifestFiles()).map((m, i) => (typeof m === 'string' ? loadManifest(m) : validateManifest(m, `clientDocuments[${i}]`)))),
    apqMaxEntries: options.apqCache?.maxEntries,
    apqMaxChars: options.apqCache?.maxChars,
  });

  // Every operation, HTTP or graphql-ws, goes through this one pipeline (pipeline.ts).
  const pipeline = new OperationPipeline({ supergraphSdl: options.supergraphSdl, persistedQueries, limits });

  const urls = subgraphUrls(options.supergraphSdl);
  const identityUrl = urls.get('identity');
  const checkTenants = !allowAnonymous && !options.tenantStatus;
  if (checkTenants && !identityUrl) throw new Error('The supergraph has no "identity" subgraph to check tenant status against; pass tenantStatus');
  const verifier = allowAnonymous ? undefined : (options.verifier ?? new TokenVerifier(trustedIssuersFromEnv()));
  const agent = subgraphAgent();
  const tenantStatus = checkTenants ? new IdentityTenantStatusChecker({ identityUrl: identityUrl!, dispatcher: agent }) : options.tenantStatus;

  const apiKeys = allowAnonymous || options.apiKeys === false || !identityUrl ? undefined
    : await ApiKeyAuth.create({ exchangeUrl: exchangeUrlOf(identityUrl), dispatcher: agent, log, ...options.apiKeys });

  // Revocations act here at once (not after the tenant-status cache): a view of identity's buckets on
  // the same NATS connection. A view this function started is stopped by stop().
  const bus = apiKeys?.bus;
  const ownRevocations = options.revocations === undefined && !allowAnonymous && bus
    ? await RevocationView.start({ nc: bus.nc, streamPrefix: bus.ns.streamPrefix, log: log.child({ component: 'revocation-view' }) })
    : undefined;
  const revocations = options.revocations || ownRevocations;

  const app = express();
  app.disable('x-powered-by');
  // No ETag on GraphQL answers (hashing every body costs CPU and POST answers are not revalidated).
  app.set('etag', false);
  // POST /graphql goes through the fast path (fast-path.ts) once it is set up; the rest to express.
  let fastPath: ReturnType<typeof graphqlFastPath> | null = null;
  const httpServer = http.createServer((req, res) => (fastPath ? fastPath(req, res, () => app(req, res)) : app(req, res)));
  httpServer.keepAliveTimeout = 65_000;
  let state: 'starting' | 'ready' | 'stopping' = 'starting';
  let graphqlHandler: RequestHandler | null = null;

  app.get('/health', (_req, res) => {
    res.status(state === 'ready' ? 200 : 503).json({ status: state === 'ready' ? 'ok' : state, service: 'gateway' });
  });
  app.get('/metrics', async (_req, res) => {
    res.setHeader('content-type', registry.contentType);
    res.send(telemetry ? await registry.metrics() : await processMetrics());
  });
  app.get('/.well-known/jwks.json', jwksProxy({
    upstreamUrl: options.jwksUpstreamUrl ?? (identityUrl ? jwksUrlOf(identityUrl) : null),
    dispatcher: agent,
    log,
  }));
  // Signed document URLs of flow's local storage, through the public origin (flow-files.ts).
  app.use('/flow/files', flowFilesProxy({ flowUrl: urls.get('flow') ?? null, dispatcher: agent, log }));
  const consoleDir = options.console === false ? null : (options.console ?? consoleDirFromEnv());
  if (consoleDir) {
    app.use(CONSOLE_PATH, consoleRouter(consoleDir));
  }
  app.use('/graphql', (req, res, next) => {
    if (graphqlHandler) return graphqlHandler(req, res, next);
    res.status(503).json({ errors: [{ message: localizedMessage(localeFrom(req.headers['accept-language']), 'SERVICE_UNAVAILABLE', 'Gateway is starting'), extensions: { code: 'SERVICE_UNAVAILABLE' } }] });
  });
  // The portal last: whatever no route above answered (its own reserved list keeps /graphql & co out).
  const portalDir = options.portal === false ? null : (options.portal ?? portalDirFromEnv());
  if (portalDir) app.use(portalRouter(portalDir));

  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(options.port, options.host ?? '0.0.0.0', () => { httpServer.off('error', reject); resolve(); });
  });
  const address = httpServer.address();
  const port = typeof address === 'object' && address ? address.port : options.port;

  const fetchDedup = options.fetchDedup ?? true;
  // undici request() on the keep-alive agent (dedup.ts), shared between identical in-flight fetches.
  const fetcher = fetchDedup ? dedupingFetcher(requestFetcher(agent), telemetry) : requestFetcher(agent);
  // One data source per subgraph, for HTTP plans and for the entity fetches of subscription events.
  const dataSources = new Map<string, ForwardingDataSource>([...urls].map(([name, url]) => [name, fetchDedup
    ? new DedupAwareDataSource(name, url, fetcher, telemetry)
    : new ForwardingDataSource(name, url, fetcher, telemetry)]));
  const gateway = new ApolloGateway({
    // Same supergraph, with the authorization features accepted: the gateway enforces them (authz.ts).
    supergraphSdl: supergraphForGateway(options.supergraphSdl),
    logger: log,
    buildService: ({ name, url }) => dataSources.get(name) ?? new ForwardingDataSource(name, routingUrl(name, url!), fetcher, telemetry),
  });
  if (telemetry) instrumentQueryPlanning(gateway, log);

  const seenOperations = new Set<string>();
  const operationLabel = (name: string | undefined | null): string => {
    if (!name) return 'anonymous';
    if (seenOperations.has(name)) return name;
    if (seenOperations.size >= MAX_OPERATION_LABELS) return 'other';
    seenOperations.add(name);
    return name;
  };
  const metricsPlugin: ApolloServerPlugin<GatewayContext> = {
    async requestDidStart() {
      const end = gatewayRequestDuration.startTimer();
      const started = Date.now();
      return {
        async willSendResponse(rc) {
          const outcome = rc.errors?.length ? 'error' : 'ok';
          const operation = operationLabel(rc.operation ? rc.operationName : null);
          end({ operation, outcome });
          rc.contextValue.log.debug({ operation, outcome, duration_ms: Date.now() - started }, 'request completed');
        },
      };
    },
  };

  const production = isProduction();
  const apollo = new ApolloServer<GatewayContext>({
    // Authorization directives are applied in the executor, before planning (authz.ts).
    gateway: authorizingGateway(gateway, pipeline, { fetchBatching: options.fetchBatching ?? true, telemetry }),
    csrfPrevention: true,
    // APQ and the safelist are handled by the operation guard (persisted-queries.ts).
    persistedQueries: false,
    allowBatchedHttpRequests: true,
    introspection: !production,
    includeStacktraceInErrorResponses: false,
    // Never a subgraph's or our own internals in an answer (errors.ts).
    formatError: formatGatewayError,
    stopOnTerminationSignals: false,
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer, stopGracePeriodMillis: 5_000 }),
      production ? ApolloServerPluginLandingPageDisabled() : ApolloServerPluginLandingPageLocalDefault({ embed: true }),
      ApolloServerPluginUsageReportingDisabled(),
      ApolloServerPluginSchemaReportingDisabled(),
      ...(telemetry ? [metricsPlugin] : []),
      operationGuardPlugin(pipeline),
      errorMaskingPlugin(),
    ],
  });
  try {
    await apollo.start();
  } catch (e) {
    await new Promise<void>((resolve) => httpServer.close(() => resolve()));
    ownRevocations?.stop();
    await apiKeys?.close();
    await agent.close();
    throw e;
  }

  // Who is calling, decided the same way for HTTP requests and graphql-ws connections (auth.ts).
  const auth: AuthOptions = { allowAnonymous, verifier, tenantStatus, apiKeys, revocations, log };
  const context = async ({ req, res }: { req: express.Request; res: express.Response }) => {
    // Echoed on every answer, refusals included, so a caller can quote it.
    const requestId = requestIdFrom(req.headers['x-request-id']);
    res.setHeader('x-request-id', requestId);
    // Telemetry off: no trace context (nothing generated, nothing sent to subgraphs, no trace ids in logs).
    const trace = telemetry ? traceFromHeaders(req.headers) : undefined;
    const context = await gatewayContext(req.headers, requestId, trace ? { ...auth, log: log.child({ trace_id: trace.traceId, span_id: trace.spanId }) } : auth);
    if (trace) context.trace = trace;
    const ua = req.headers['user-agent'];
    context.client = { ip: req.socket?.remoteAddress ?? null, userAgent: typeof ua === 'string' ? ua.slice(0, 512) : null };
    return context;
  };
  const router = express.Router();
  // Never larger than a subgraph's limit (body-limit.ts).
  router.use(express.json({ limit: MAX_BODY_BYTES }), bodyLimitErrors(MAX_BODY_BYTES), batchSizeLimit(limits.maxBatchSize));
  // Identical in-flight queries of one caller share one execution (fast-path.ts).
  if (options.dedup ?? true) router.use(inboundDedupHandler({ apollo, context, telemetry }));
  router.use(expressMiddleware(apollo, { context }));
  graphqlHandler = router;
  fastPath = graphqlFastPath({ apollo, context: context as never, dedup: options.dedup ?? true, telemetry, maxBodyBytes: MAX_BODY_BYTES });
  const subscriptions = options.subscriptions === false ? null : attachSubscriptions({
    ...options.subscriptions,
    httpServer,
    supergraphSdl: options.supergraphSdl,
    shared: { auth, pipeline, dataSources, urls, telemetry, log },
  });
  state = 'ready';
  log.info({ port, allowAnonymous, dedup: options.dedup ?? true, fetchDedup, fetchBatching: options.fetchBatching ?? true, telemetry, subgraphs: [...urls.keys()], safelisted: persistedQueries.manifest.size, clientDocuments: persistedQueries.clientDocuments.size, console: consoleDir ? CONSOLE_PATH : null, portal: Boolean(portalDir), limits }, 'gateway listening');

  const host = !options.host || options.host === '0.0.0.0' || options.host === '::' ? '127.0.0.1' : options.host;
  let stopping: Promise<void> | null = null;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}/graphql`,
    port,
    httpServer,
    apiKeys,
    subscriptions,
    stop() {
      stopping ??= (async () => {
        state = 'stopping';
        await subscriptions?.close();
        await apollo.stop();
        ownRevocations?.stop();
        await apiKeys?.close();
        await agent.close();
        log.info('gateway stopped');
      })();
      return stopping;
    },
  };
}

function safelistFrom(option: GatewayOptions['persistedQueries'], log: typeof logger): Map<string, ManifestOperation> {
  if (option && typeof option === 'object') return validateManifest(option, 'persistedQueries option');
  if (typeof option === 'string') return loadManifest(option);
  const { file, explicit } = manifestPathFromEnv();
  if (!explicit && !fs.existsSync(file)) {
    log.warn({ file }, 'no persisted query manifest: API-key callers can run nothing');
    return new Map();
  }
  return loadManifest(file);
}
