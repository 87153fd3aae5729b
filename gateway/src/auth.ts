/**
 * Who is calling? Built once per request, before any subgraph fetch:
 *  - a bearer token is verified (issuer, audience, expiry, asymmetric algorithms only); any failure
 *    is HTTP 401 with `extensions.code = 'UNAUTHENTICATED'`;
 *  - no Authorization header at all is an anonymous request (subgraphs answer public fields only);
 *  - a verified token's tenant must be known to identity and active; a `platform_admin` token
 *    without a tenant passes;
 *  - a revoked tenant, user or session (identity's revocation buckets, watched in memory) is
 *    refused within milliseconds of the change, whatever the tenant-status cache still says.
 *  - an API key (`x-api-key: imk_...` or `Authorization: ApiKey imk_...`) is exchanged with identity
 *    for a short token (api-keys/), which then stands for the caller's Authorization everywhere;
 *  - the caller is counted against its rate limit (per key by plan, per user per tenant), HTTP 429
 *    `RATE_LIMITED` past it, before any subgraph fetch.
 * In `allowAnonymous` mode (development, conformance suites, benchmarks) nothing is verified.
 * The raw Authorization header is forwarded to subgraphs, which verify it again; it is never logged.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { GraphQLError } from 'graphql';
import { anonymous, AuthError, hasRole, ROLES, type AuthContext, type RevocationView, type TokenVerifier } from '@imagy/platform/auth';
import { authenticate, unauthenticated } from '@imagy/platform/server';
import type { Logger } from '@imagy/platform/logger';
import { ACTIVE_TENANT_STATUSES, TenantStatusUnavailableError, type TenantStatusChecker } from './tenant-status';
import { rejectedRequests } from './metrics';
import type { TraceContext } from './trace';
import { ApiKeyExchangeUnavailableError, ApiKeyRefusedError, presentedApiKey, type ApiKeyAuth } from './api-keys';
import { localeFrom, localizedMessage, localizeError, type Locale } from './i18n';

export interface GatewayContext {
  auth: AuthContext;
  requestId: string;
  /** The caller's language (Accept-Language): the gateway's own error messages are written in it. */
  locale: Locale;
  /** The caller's Authorization header, exactly as received (forwarded to subgraphs). */
  authorization?: string;
  log: Logger;
  /** W3C trace context of the request (trace.ts); subgraph fetches carry a child `traceparent`. */
  trace?: TraceContext;
  /**
   * The client as the gateway saw it: its socket address (never a caller-sent X-Forwarded-For) and
   * user agent. Sent to subgraphs as `x-forwarded-for` / `user-agent` so login and audit events name
   * the real client; subgraphs honour it only when TRUST_PROXY says the gateway is trusted.
   */
  client?: { ip: string | null; userAgent: string | null };
  /**
   * Password-checking fields seen so far in this HTTP request, all operations of a batch together
   * (pipeline.ts). An object: Apollo Server gives each operation of a batch a shallow copy of the
   * context, so a number would be counted per operation.
   */
  credentialFields: { count: number };
}

export interface AuthOptions {
  allowAnonymous: boolean;
  verifier?: TokenVerifier;
  tenantStatus?: TenantStatusChecker;
  log: Logger;
  /** API keys and rate limits; without it, a presented API key is refused. */
  apiKeys?: ApiKeyAuth;
  /**
   * Suspended tenants, disabled users and revoked sessions, fed by identity through NATS KV
   * (platform auth/revocation.ts): refused here at once, before the 30 s tenant-status cache.
   */
  revocations?: RevocationView;
}

/** `requestId` comes from `requestIdFrom(headers['x-request-id'])` (a valid caller id or a new one). */
export async function gatewayContext(headers: IncomingHttpHeaders, requestId: string, options: AuthOptions): Promise<GatewayContext> {
  let authorization = typeof headers.authorization === 'string' ? headers.authorization : undefined;
  const language = headers['accept-language'];
  const locale = localeFrom(typeof language === 'string' ? language : undefined);
  if (options.allowAnonymous) {
    return { auth: anonymous(requestId), requestId, locale, authorization, log: options.log.child({ request_id: requestId }), credentialFields: { count: 0 } };
  }
  const refuse = (reason: string, message: string, tenantId?: string | null, details: Record<string, unknown> = {}): never => {
    rejectedRequests.inc({ reason });
    options.log.warn({ request_id: requestId, tenant_id: tenantId ?? undefined, reason }, 'request refused');
    throw unauthenticated(localizedMessage(locale, 'UNAUTHENTICATED', message, details, reason));
  };
  const unavailable = (message: string) => new GraphQLError(localizedMessage(locale, 'SERVICE_UNAVAILABLE', message), {
    extensions: { code: 'SERVICE_UNAVAILABLE', http: { status: 503 } },
  });

  const apiKey = presentedApiKey(headers);
  if (apiKey) {
    if (!options.apiKeys) refuse('API_KEYS_DISABLED', 'API keys are not accepted by this gateway');
    try {
      authorization = await options.apiKeys!.authorizationFor(apiKey, requestId);
    } catch (e) {
      if (e instanceof ApiKeyRefusedError) refuse('INVALID_API_KEY', 'Invalid API key');
      if (!(e instanceof ApiKeyExchangeUnavailableError)) throw e;
      rejectedRequests.inc({ reason: 'API_KEY_EXCHANGE_UNAVAILABLE' });
      options.log.error({ request_id: requestId, err: e.message }, 'API key exchange unavailable');
      throw unavailable('The API key could not be checked, try again later');
    }
  }

  let auth: AuthContext;
  try {
    auth = await authenticate(options.verifier!, authorization, requestId, options.revocations);
  } catch (e) {
    if (e instanceof AuthError) return refuse(e.reason, e.message);
    throw e;
  }

  if (auth.kind !== 'anonymous') {
    if (!auth.tenantId) {
      if (!hasRole(auth, ROLES.platformAdmin)) refuse('UNKNOWN_TENANT', 'Token carries no tenant: tenant unknown');
    } else {
      let status;
      try {
        status = await options.tenantStatus!.statusOf(auth.tenantId, auth.token!, requestId);
      } catch (e) {
        if (!(e instanceof TenantStatusUnavailableError)) throw e;
        rejectedRequests.inc({ reason: 'TENANT_STATUS_UNAVAILABLE' });
        options.log.error({ request_id: requestId, tenant_id: auth.tenantId, err: e.message }, 'tenant status unavailable');
        throw unavailable('Tenant status could not be checked, try again later');
      }
      if (status === null) refuse('UNKNOWN_TENANT', 'Tenant unknown', auth.tenantId);
      else if (status.toUpperCase() === 'SUSPENDED') refuse('TENANT_SUSPENDED', 'Tenant suspended', auth.tenantId);
      else if (!ACTIVE_TENANT_STATUSES.has(status.toUpperCase())) refuse('TENANT_INACTIVE', `Tenant is not active (${status})`, auth.tenantId, { status });
    }
  }

  if (options.apiKeys && auth.kind !== 'anonymous') {
    try {
      await options.apiKeys.limit(auth);
    } catch (e) {
      rejectedRequests.inc({ reason: 'RATE_LIMITED' });
      options.log.info({ request_id: requestId, tenant_id: auth.tenantId ?? undefined, kind: auth.kind }, 'request rate limited');
      throw e instanceof GraphQLError ? localizeError(e, locale) : e;
    }
  }

  return {
    auth,
    requestId,
    locale,
    authorization,
    log: options.log.child({ request_id: requestId, tenant_id: auth.tenantId ?? undefined }),
    credentialFields: { count: 0 },
  };
}
