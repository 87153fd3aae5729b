/**
 * startSubgraph(): the one way a subgraph process serves HTTP. Apollo Server + @apollo/subgraph on
 * express, `/health` (process up), `/ready` (database and NATS answer), `/metrics` (Prometheus),
 * JSON logs with tenant_id and request_id.
 *
 * Every request gets a fresh context: the caller's identity from a token verified here again
 * (defence in depth: identity headers are never trusted), a request id, and a `tx` helper that
 * opens a tenant-scoped transaction. Subgraph-specific context (DataLoaders) comes from
 * `extendContext`, called once per request so loaders never outlive it.
 */
import http from 'node:http';
import crypto from 'node:crypto';
import express from 'express';
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { expressMiddleware } from '@as-integrations/express5';
import { ApolloServerPluginInlineTraceDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper';
import type { DocumentNode, GraphQLSchema } from 'graphql';
import { anonymous, type AuthContext } from '../auth/context';
import { AuthError } from '../auth/errors';
import { bearerToken, type TokenVerifier } from '../auth/verifier';
import { inTenantTx, type Em, type TenantScope } from '../db/tenant';
import type { Orm } from '../db/orm';
import { logger, type Logger } from '../logger';
import { formatError, unauthenticated } from './errors';
import { trustProxySetting } from './caller';
import { ERROR_CODES_ES, localeFrom, localizeResult, type Catalogue } from '../i18n';
import { operationDuration, operationErrors, registry } from './metrics';
import { isProduction } from '../config';
import { operationLimitsPlugin } from './operation-limits';

export interface BaseContext {
  auth: AuthContext;
  requestId: string;
  log: Logger;
  /** Tenant-scoped transaction for the caller's tenant (override the scope for platform roles). */
  tx<T>(work: (em: Em) => Promise<T>, scope?: TenantScope): Promise<T>;
}

export interface ReadinessCheck { name: string; check(): Promise<void> }

export interface SubgraphOptions<TExtra extends object> {
  name: string;
  port: number;
  host?: string;
  typeDefs: DocumentNode;
  resolvers: GraphQLResolverMap<any>;
  verifier: TokenVerifier;
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
  /** Called with the built schema and HTTP server, e.g. to attach a graphql-ws server. */
  onListening?: (server: http.Server, schema: GraphQLSchema) => void | Promise<void>;
}

export interface RunningSubgraph {
  url: string;
  port: number;
  server: http.Server;
  stop(): Promise<void>;
}

export async function authenticate(verifier: TokenVerifier, authorization: string | undefined, requestId: string): Promise<AuthContext> {
  const token = bearerToken(authorization);
  if (!token) {
    if (authorization) throw new AuthError('INVALID', 'Authorization header must be "Bearer <token>"');
    return anonymous(requestId);
  }
  const v = await verifier.verify(token);
  return { kind: v.payload.kid_type === 'api_key' ? 'apiKey' : 'user', tenantId: v.tenantId, userId: v.sub, roles: v.roles, scopes: v.scopes, requestId, token, expiresAt: v.exp };
}

/** The trace id of a W3C `traceparent` header (the gateway sends one per subgraph fetch), for log correlation. */
export function traceIdOf(header: unknown): string | undefined {
  const m = typeof header === 'string' ? /^[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}$/.exec(header.trim()) : null;
  return m && m[1] !== '0'.repeat(32) ? m[1] : undefined;
}

export function requestIdFrom(header: unknown): string {
  return typeof header === 'string' && /^[A-Za-z0-9._:-]{8,128}$/.test(header) ? header : crypto.randomUUID();
}

export async function startSubgraph<TExtra extends object>(options: SubgraphOptions<TExtra>): Promise<RunningSubgraph> {
  const log = logger.child({ service: options.name });
  const schema = buildSubgraphSchema([{ typeDefs: options.typeDefs, resolvers: options.resolvers }]);
  const app = express();
  app.disable('x-powered-by');
  // Behind the gateway, TRUST_PROXY (express syntax: true, a hop count, 'loopback', addresses) makes
  // req.ip the client's address from X-Forwarded-For; unset, req.ip is the peer's and XFF is ignored.
  if (process.env.TRUST_PROXY) app.set('trust proxy', trustProxySetting(process.env.TRUST_PROXY));
  const httpServer = http.createServer(app);
  httpServer.keepAliveTimeout = 65_000;

  const metricsPlugin: ApolloServerPlugin<BaseContext> = {
    async requestDidStart() {
      const started = process.hrtime.bigint();
      return {
        async didEncounterErrors(rc) {
          for (const e of rc.errors) operationErrors.inc({ service: options.name, code: String(e.extensions?.code ?? 'INTERNAL_SERVER_ERROR') });
        },
        async willSendResponse(rc) {
          const seconds = Number(process.hrtime.bigint() - started) / 1e9;
          operationDuration.observe({ service: options.name, operation: rc.operationName ?? 'anonymous', outcome: rc.errors?.length ? 'error' : 'ok' }, seconds);
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
        auth = await authenticate(options.verifier, req.headers.authorization, requestId);
      } catch (e) {
        if (e instanceof AuthError) throw unauthenticated(e.message);
        throw e;
      }
      const base: BaseContext = {
        auth,
        requestId,
        log: log.child({ request_id: requestId, tenant_id: auth.tenantId ?? undefined, trace_id: traceIdOf(req.headers.traceparent) }),
        tx: (work, scope) => inTenantTx(options.orm, scope ?? { tenantId: auth.tenantId }, work),
      };
      return Object.assign(base, options.extendContext?.(base, req) ?? ({} as TExtra));
    },
  }));

  await new Promise<void>((resolve) => httpServer.listen(options.port, options.host ?? '0.0.0.0', resolve));
  const address = httpServer.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  await options.onListening?.(httpServer, schema);
  log.info({ port }, `${options.name} subgraph listening`);
  return {
    url: `http://127.0.0.1:${port}/graphql`,
    port,
    server: httpServer,
    async stop() {
      await apollo.stop();
    },
  };
}
