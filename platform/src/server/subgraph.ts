/**
 * startSubgraph(): the one way a subgraph process serves HTTP. Apollo Server + @apollo/subgraph on
 * express, `/health` (process up), `/ready` (database and NATS answer), `/metrics` (Prometheus),
 * JSON logs with tenant_id and request_id.
 *
 * Every request gets a fresh context: the caller's identity from a token verified here again
 * (defence in depth: identity headers are never trusted), a request id and a logger carrying both.
 * Subgraph-specific context (DataLoaders, the caller's client hints) comes from `extendContext`,
 * called once per request so loaders never outlive it. Services open their own tenant-scoped
 * transactions (`inTenantTx`), so the context carries no transaction helper.
 *
 * Subgraphs normally do not call this directly: `defineSubgraph()` + `runSubgraphProcess()` /
 * `startSubgraphInstance()` (define.ts, process.ts, instance.ts) wire it with everything else.
 */
import http from 'node:http';
import crypto from 'node:crypto';
import express from 'express';
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { expressMiddleware } from '@as-integrations/express5';
import { ApolloServerPluginInlineTraceDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { DocumentNode, GraphQLSchema } from 'graphql';
import { anonymous, type AuthContext } from '../auth/context';
import { AuthError } from '../auth/errors';
import { bearerToken, type TokenVerifier } from '../auth/verifier';
import type { RevocationView } from '../auth/revocation';
import type { Orm } from '../db/orm';
import { logger, type Logger } from '../logger';
import { formatError, unauthenticated } from './errors';
import { trustProxySetting, type TrustProxy } from './caller';
import { ERROR_CODES_ES, localeFrom, localizeResult, type Catalogue } from '../i18n';
import { OperationLabels, operationDuration, operationErrors, registry } from './metrics';
import { toApolloResolverMap, type ResolverMapLike } from './resolvers';
import { isProduction } from '../config';
import { localePlugin } from '../graphql/user-errors';
import { operationLimitsPlugin } from './operation-limits';

export interface BaseContext {
  auth: AuthContext;
  requestId: string;
  log: Logger;
}

export interface ReadinessCheck { name: string; check(): Promise<void> }

export interface SubgraphOptions<TExtra extends object> {
  name: string;
  port: number;
  /** Interface to listen on; default 127.0.0.1 (only the gateway on this machine reaches it). */
  host?: string;
  typeDefs: DocumentNode;
  resolvers: ResolverMapLike;
  verifier: TokenVerifier;
  /** Refuses revoked tenants, users and sessions (auth/revocation.ts); none: nothing is refused for revocation. */
  revocations?: RevocationView;
  orm: Orm;
  readiness?: ReadinessCheck[];
  /** `req` is the HTTP request (e.g. client ip and user agent for audit events); never trust identity headers from it. */
  extendContext?: (base: BaseContext, req: express.Request) => TExtra;
  /** Extra HTTP routes (e.g. JWKS on identity), mounted before `/graphql`. */
  routes?: (app: express.Express) => void;
  plugins?: ApolloServerPlugin<any>[];
  /**
   * Spanish texts of this subgraph's userError / error codes; answers are translated when the
   * request's Accept-Language prefers Spanish (platform/src/i18n).
   */
  messagesEs?: Catalogue;
  /**
   * express `trust proxy` (see `trustProxySetting`): whose X-Forwarded-For is believed for the
   * client address. Default: TRUST_PROXY from the environment; unset, the peer's address is used.
   */
  trustProxy?: TrustProxy;
  /** Called with the built schema and HTTP server, e.g. to attach a graphql-ws server. */
  onListening?: (server: http.Server, schema: GraphQLSchema) => void | Promise<void>;
}

export interface RunningSubgraph {
  /** http://<host>:<port>/graphql (127.0.0.1 when listening on every interface). */
  url: string;
  port: number;
  server: http.Server;
  stop(): Promise<void>;
}

/**
 * The caller of a request, from its bearer token verified here again; a token of a suspended
 * tenant, a disabled user or a revoked session (the revocation view fed by identity) is refused
 * like an invalid one.
 */
export async function authenticate(verifier: TokenVerifier, authorization: string | undefined, requestId: string, revocations?: RevocationView): Promise<AuthContext> {
  const token = bearerToken(authorization);
  if (!token) {
    if (authorization) throw new AuthError('INVALID', 'Authorization header must be "Bearer <token>"');
    return anonymous(requestId);
  }
  const v = await verifier.verify(token);
  const auth: AuthContext = {
    kind: v.payload.kid_type === 'api_key' ? 'apiKey' : 'user', tenantId: v.tenantId, userId: v.sub, roles: v.roles, scopes: v.scopes, requestId, token,
    expiresAt: v.exp, issuedAt: v.issuedAt, sessionId: v.sessionId,
  };
  refuseRevoked(auth, revocations);
  return auth;
}

/** Throws AuthError('REVOKED') when the view says this caller's tenant, user or session is revoked. */
export function refuseRevoked(auth: AuthContext, revocations: RevocationView | undefined): void {
  if (!revocations || auth.kind === 'anonymous') return;
  const reason = revocations.check({ tenantId: auth.tenantId, userId: auth.kind === 'user' ? auth.userId : null, sessionId: auth.sessionId, issuedAt: auth.issuedAt });
  if (reason) throw new AuthError('REVOKED', `Access revoked (${reason})`);
}

/** The trace id of a W3C `traceparent` header (the gateway sends one per subgraph fetch), for log correlation. */
export function traceIdOf(header: unknown): string | undefined {
  const m = typeof header === 'string' ? /^[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}$/.exec(header.trim()) : null;
  return m && m[1] !== '0'.repeat(32) ? m[1] : undefined;
}

export function requestIdFrom(header: unknown): string {
  return typeof header === 'string' && /^[A-Za-z0-9._:-]{8,128}$/.test(header) ? header : crypto.randomUUID();
}

/** Subgraphs listen on the loopback interface unless told otherwise (HOST): only the gateway calls them. */
export const DEFAULT_HOST = '127.0.0.1';

/** Host part of a URL that reaches a server listening on `host` from this machine. */
function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '::' || host === '') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}

export async function startSubgraph<TExtra extends object>(options: SubgraphOptions<TExtra>): Promise<RunningSubgraph> {
  const log = logger.child({ service: options.name });
  const schema = buildSubgraphSchema([{ typeDefs: options.typeDefs, resolvers: toApolloResolverMap(options.resolvers) }]);
  const app = express();
  app.disable('x-powered-by');
  // Behind the gateway, TRUST_PROXY (express syntax: true, a hop count, 'loopback', addresses) makes
  // req.ip the client's address from X-Forwarded-For; unset, req.ip is the peer's and XFF is ignored.
  const trustProxy = options.trustProxy ?? trustProxySetting();
  if (trustProxy !== undefined) app.set('trust proxy', trustProxy);
  const httpServer = http.createServer(app);
  httpServer.keepAliveTimeout = 65_000;

  const operationLabels = new OperationLabels();
  const metricsPlugin: ApolloServerPlugin<BaseContext> = {
    async requestDidStart() {
      const started = process.hrtime.bigint();
      return {
        async didEncounterErrors(rc) {
          for (const e of rc.errors) operationErrors.inc({ service: options.name, code: String(e.extensions?.code ?? 'INTERNAL_SERVER_ERROR') });
        },
        async willSendResponse(rc) {
          const seconds = Number(process.hrtime.bigint() - started) / 1e9;
          operationDuration.observe({ service: options.name, operation: operationLabels.label(rc.operationName), outcome: rc.errors?.length ? 'error' : 'ok' }, seconds);
        },
      };
    },
  };

  const catalogueEs: Catalogue = { ...ERROR_CODES_ES, ...options.messagesEs };
  const i18nPlugin: ApolloServerPlugin<BaseContext> = {
    async requestDidStart(rc) {
      const locale = localeFrom(rc.request.http?.headers.get('accept-language'));
      if (locale === 'en') return {};
      return {
        async willSendResponse({ response }) {
          if (response.body.kind === 'single') localizeResult(response.body.singleResult as never, locale, catalogueEs);
        },
      };
    },
  };

  const apollo = new ApolloServer<BaseContext & TExtra>({
    schema,
    introspection: !isProduction(),
    csrfPrevention: true,
    // The process entry point owns SIGINT/SIGTERM. Apollo's own handlers would call stop() too, and a
    // second concurrent stop() never returns in @apollo/server 5 (its barrier is left unresolved).
    stopOnTerminationSignals: false,
    formatError,
    includeStacktraceInErrorResponses: false,
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer }),
      // Federated traces (ftv1) are for Apollo usage reporting, which we never send.
      ApolloServerPluginInlineTraceDisabled(),
      ...(isProduction() ? [ApolloServerPluginLandingPageDisabled()] : []),
      metricsPlugin as ApolloServerPlugin<any>,
      i18nPlugin as ApolloServerPlugin<any>,
      // The request's locale in the context: UserError.message renders its template in it (graphql/user-errors.ts).
      localePlugin(),
      // The gateway's operation limits, here too: a caller that reaches the subgraph directly gets no more.
      operationLimitsPlugin(schema) as ApolloServerPlugin<any>,
      ...(options.plugins ?? []),
    ],
  });
  await apollo.start();

  app.get('/health', (_req, res) => { res.json({ status: 'ok', service: options.name }); });
  app.get('/ready', async (_req, res) => {
    const failures: string[] = [];
    const checks: ReadinessCheck[] = [
      { name: 'database', check: async () => { await options.orm.em.getConnection().execute('select 1'); } },
      ...(options.readiness ?? []),
    ];
    await Promise.all(checks.map(async (c) => { try { await c.check(); } catch { failures.push(c.name); } }));
    res.status(failures.length ? 503 : 200).json({ status: failures.length ? 'unavailable' : 'ready', failures });
  });
  app.get('/metrics', async (_req, res) => {
    res.setHeader('content-type', registry.contentType);
    res.send(await registry.metrics());
  });
  options.routes?.(app);

  app.use('/graphql', express.json({ limit: '1mb' }), expressMiddleware(apollo, {
    context: async ({ req }) => {
      const requestId = requestIdFrom(req.headers['x-request-id']);
      let auth: AuthContext;
      try {
        auth = await authenticate(options.verifier, req.headers.authorization, requestId, options.revocations);
      } catch (e) {
        if (e instanceof AuthError) throw unauthenticated(e.message);
        throw e;
      }
      const base: BaseContext = {
        auth,
        requestId,
        log: log.child({ request_id: requestId, tenant_id: auth.tenantId ?? undefined, trace_id: traceIdOf(req.headers.traceparent) }),
      };
      return Object.assign(base, options.extendContext?.(base, req) ?? ({} as TExtra));
    },
  }));

  const host = options.host ?? DEFAULT_HOST;
  try {
    await new Promise<void>((resolve, reject) => {
      httpServer.once('error', reject);
      httpServer.listen(options.port, host, () => { httpServer.off('error', reject); resolve(); });
    });
    await options.onListening?.(httpServer, schema);
  } catch (err) {
    // e.g. EADDRINUSE: give back what apollo.start() took before the caller aborts the rest.
    await apollo.stop().catch(() => undefined);
    if (httpServer.listening) await new Promise<void>((resolve) => httpServer.close(() => resolve()));
    throw err;
  }
  const address = httpServer.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  log.info({ host, port }, `${options.name} subgraph listening`);
  return {
    url: `http://${urlHost(host)}:${port}/graphql`,
    port,
    server: httpServer,
    async stop() {
      await apollo.stop();
    },
  };
}
