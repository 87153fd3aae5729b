/**
 * The adapter to a tenant's OpenID Connect provider, speaking Keycloak's documented endpoints:
 *  - discovery: `GET <issuer>/.well-known/openid-configuration` (OpenID Connect Discovery 1.0);
 *  - token: `POST <token_endpoint>` (`/protocol/openid-connect/token`), `grant_type=authorization_code`
 *    with the PKCE `code_verifier` (RFC 7636), client authentication `client_secret_basic` when the
 *    provider has a secret (a public client sends only `client_id`);
 *  - keys: `GET <jwks_uri>` (`/protocol/openid-connect/certs`), cached, fetched again when a token
 *    names a key id it does not know (Keycloak rotates realm keys).
 *
 * Every call goes through the platform's outbound guard (platform/src/outbound.ts: the host must
 * resolve to public addresses unless the installation allows private ones, a timeout, no
 * redirects, the body capped). Nothing the provider answers reaches our caller: failures become an
 * `OidcFailure` with one of our own reasons; the provider's `error` code is only logged.
 */
import { createLocalJWKSet, errors as joseErrors, jwtVerify, type JSONWebKeySet, type JWTPayload } from 'jose';
import { outboundRequest, OutboundRefused, type OutboundPolicy } from '@imagy/platform/outbound';

export type OidcFailureReason =
  /** The issuer (or an endpoint it names) resolves to a private or loopback address, or is not https. */
  | 'NOT_ALLOWED'
  /** Network error, timeout, 5xx, or an answer that is not what the specification says. */
  | 'UNAVAILABLE'
  /** The token endpoint refused the code (used, expired, wrong PKCE verifier, wrong redirect URI or client). */
  | 'CODE_REJECTED'
  /** The ID token failed verification (signature, issuer, audience, expiry, nonce). */
  | 'INVALID_ID_TOKEN';

export class OidcFailure extends Error {
  constructor(readonly reason: OidcFailureReason, detail: string) {
    super(detail);
    this.name = 'OidcFailure';
  }
}

export interface OidcMetadata {
  issuer: string;
  authorizationEndpoint: string;
  tokenEndpoint: string;
  jwksUri: string;
}

export interface OidcClientOptions {
  /** Private and loopback issuers allowed (IDENTITY_ALLOW_PRIVATE_OIDC_URLS=1; tests). */
  allowPrivate: boolean;
  timeoutMs: number;
  /** How long discovery documents and key sets are kept. */
  cacheTtlMs?: number;
  /** A key set is fetched again for an unknown key id at most this often. */
  minKeyRefetchMs?: number;
  log?: { warn(obj: object, msg: string): void };
}

export interface VerifiedTokens {
  /** The ID token's verified claims. */
  idClaims: JWTPayload & Record<string, unknown>;
  /** The access token's claims when it is a JWT signed by the same provider (Keycloak's is), else null. */
  accessClaims: (JWTPayload & Record<string, unknown>) | null;
}

// Asymmetric algorithms only: `none` and HMAC (which would take a public key as the secret) are refused.
const ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];
const CLOCK_TOLERANCE_S = 30;

interface KeySetEntry { jwks: JSONWebKeySet; fetchedAt: number }

export class OidcClient {
  private readonly policy: OutboundPolicy;
  private readonly ttl: number;
  private readonly minRefetch: number;
  private readonly metadata = new Map<string, { value: OidcMetadata; fetchedAt: number }>();
  private readonly keySets = new Map<string, KeySetEntry>();
  private readonly inFlight = new Map<string, Promise<unknown>>();

  constructor(private readonly options: OidcClientOptions) {
    this.policy = { allowPrivate: options.allowPrivate, timeoutMs: options.timeoutMs };
    this.ttl = options.cacheTtlMs ?? 10 * 60_000;
    this.minRefetch = options.minKeyRefetchMs ?? 5_000;
  }

  /** The provider's metadata from discovery (cached), checked: `issuer` must be exactly the configured one. */
  async discover(issuer: string, fresh = false): Promise<OidcMetadata> {
    const cached = this.metadata.get(issuer);
    if (!fresh && cached && Date.now() - cached.fetchedAt < this.ttl) return cached.value;
    const value = await this.once(`discovery ${issuer}`, async () => {
      const doc = await this.getJson(`${issuer}/.well-known/openid-configuration`);
      const endpoint = (name: string) => {
        const v = doc[name];
        if (typeof v !== 'string' || !this.isAllowedUrl(v)) throw new OidcFailure('UNAVAILABLE', `discovery: ${name} missing or not an allowed URL`);
        return v;
      };
      // OpenID Connect Discovery 1.0, section 4.3: the issuer in the document must equal the one asked for.
      if (doc.issuer !== issuer) throw new OidcFailure('UNAVAILABLE', 'discovery: issuer does not match');
      const meta: OidcMetadata = { issuer, authorizationEndpoint: endpoint('authorization_endpoint'), tokenEndpoint: endpoint('token_endpoint'), jwksUri: endpoint('jwks_uri') };
      this.metadata.set(issuer, { value: meta, fetchedAt: Date.now() });
      return meta;
    });
    return value as OidcMetadata;
  }

  /**
   * Exchanges an authorization code (with its PKCE verifier) at the token endpoint and verifies the
   * ID token: signature against the provider's keys, `iss`, `aud` containing the client id (and
   * `azp` equal to it when present or when there are several audiences), `exp`, and `nonce`.
   */
  async exchangeCode(issuer: string, client: { clientId: string; clientSecret: string | null }, input: { code: string; codeVerifier: string; redirectUri: string; nonce: string }): Promise<VerifiedTokens> {
    const meta = await this.discover(issuer);
    const form = new URLSearchParams({ grant_type: 'authorization_code', code: input.code, redirect_uri: input.redirectUri, code_verifier: input.codeVerifier, client_id: client.clientId });
    const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' };
    // RFC 6749 2.3.1: id and secret form-encoded, then Basic.
    if (client.clientSecret) headers.authorization = `Basic ${Buffer.from(`${encodeURIComponent(client.clientId)}:${encodeURIComponent(client.clientSecret)}`).toString('base64')}`;
    const res = await this.request(meta.tokenEndpoint, { method: 'POST', headers, body: form.toString() });
    const body = parseJson(res.body);
    if (res.status === 400 || res.status === 401) {
      // The provider's own error code is logged (never its description, never returned).
      this.options.log?.warn({ status: res.status, error: typeof body?.error === 'string' ? body.error.slice(0, 60) : null, issuer }, 'OIDC token endpoint refused the code');
      throw new OidcFailure('CODE_REJECTED', `token endpoint answered ${res.status}`);
    }
    if (res.status !== 200 || !body) throw new OidcFailure('UNAVAILABLE', `token endpoint answered ${res.status}`);
    if (typeof body.id_token !== 'string') throw new OidcFailure('INVALID_ID_TOKEN', 'no id_token in the token response');
    const idClaims = await this.verifyJwt(meta, body.id_token, client.clientId, 'id');
    if (idClaims.nonce !== input.nonce) throw new OidcFailure('INVALID_ID_TOKEN', 'nonce does not match');
    let accessClaims: VerifiedTokens['accessClaims'] = null;
    if (typeof body.access_token === 'string' && body.access_token.split('.').length === 3) {
      // Keycloak's access token is a JWT of the same realm: its realm roles are there by default
      // (the `roles` scope adds them to the access token, not to the ID token).
      accessClaims = await this.verifyJwt(meta, body.access_token, client.clientId, 'access').catch(() => null);
    }
    return { idClaims, accessClaims };
  }

  private async verifyJwt(meta: OidcMetadata, token: string, clientId: string, kind: 'id' | 'access'): Promise<JWTPayload & Record<string, unknown>> {
    const verify = async (jwks: JSONWebKeySet) => {
      const { payload } = await jwtVerify(token, createLocalJWKSet(jwks), {
        issuer: meta.issuer, algorithms: ALGORITHMS, clockTolerance: CLOCK_TOLERANCE_S, requiredClaims: ['exp', 'sub', ...(kind === 'id' ? ['aud'] : [])],
        ...(kind === 'id' ? { audience: clientId } : {}),
      });
      const aud = Array.isArray(payload.aud) ? payload.aud : payload.aud ? [payload.aud] : [];
      // OpenID Connect Core 3.1.3.7: several audiences need `azp`, and `azp` must be our client.
      if (kind === 'id' && aud.length > 1 && payload.azp === undefined) throw new OidcFailure('INVALID_ID_TOKEN', 'several audiences without azp');
      if (payload.azp !== undefined && payload.azp !== clientId) throw new OidcFailure('INVALID_ID_TOKEN', 'azp is another client');
      if (kind === 'access' && payload.azp === undefined && !aud.includes(clientId)) throw new OidcFailure('INVALID_ID_TOKEN', 'access token of another client');
      return payload as JWTPayload & Record<string, unknown>;
    };
    let entry = await this.keySet(meta.jwksUri, false);
    try {
      return await verify(entry.jwks);
    } catch (e) {
      // A key id we have not seen: the realm may have rotated its keys; fetch them again (at most
      // every minKeyRefetchMs, so a stream of unknown ids costs one fetch).
      if (e instanceof joseErrors.JWKSNoMatchingKey && Date.now() - entry.fetchedAt >= this.minRefetch) {
        entry = await this.keySet(meta.jwksUri, true);
        try { return await verify(entry.jwks); } catch (again) { throw asInvalid(again); }
      }
      throw asInvalid(e);
    }
  }

  private async keySet(uri: string, fresh: boolean): Promise<KeySetEntry> {
    const cached = this.keySets.get(uri);
    if (!fresh && cached && Date.now() - cached.fetchedAt < this.ttl) return cached;
    return this.once(`jwks ${uri}`, async () => {
      const doc = await this.getJson(uri);
      if (!Array.isArray(doc.keys)) throw new OidcFailure('UNAVAILABLE', 'jwks: no keys');
      const entry: KeySetEntry = { jwks: { keys: doc.keys as JSONWebKeySet['keys'] }, fetchedAt: Date.now() };
      this.keySets.set(uri, entry);
      return entry;
    }) as Promise<KeySetEntry>;
  }

  private isAllowedUrl(raw: string): boolean {
    try {
      const url = new URL(raw);
      return url.protocol === 'https:' || (this.options.allowPrivate && url.protocol === 'http:');
    } catch { return false; }
  }

  private async getJson(url: string): Promise<Record<string, unknown>> {
    const res = await this.request(url, { method: 'GET', headers: { accept: 'application/json' } });
    const body = parseJson(res.body);
    if (res.status !== 200 || !body) throw new OidcFailure('UNAVAILABLE', `${new URL(url).pathname} answered ${res.status}`);
    return body;
  }

  private async request(url: string, init: { method: string; headers: Record<string, string>; body?: string }) {
    if (!this.isAllowedUrl(url)) throw new OidcFailure('NOT_ALLOWED', 'https is required');
    try {
      return await outboundRequest(this.policy, url, init);
    } catch (e) {
      if (e instanceof OutboundRefused) throw new OidcFailure('NOT_ALLOWED', e.message);
      throw new OidcFailure('UNAVAILABLE', (e as Error).message);
    }
  }

  /** Concurrent identical fetches share one request. */
  private once<T>(key: string, run: () => Promise<T>): Promise<T> {
    let p = this.inFlight.get(key) as Promise<T> | undefined;
    if (!p) {
      p = run().finally(() => this.inFlight.delete(key));
      this.inFlight.set(key, p);
    }
    return p;
  }
}

function parseJson(text: string): Record<string, unknown> | null {
  try {
    const v: unknown = JSON.parse(text);
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch { return null; }
}

const asInvalid = (e: unknown) => (e instanceof OidcFailure ? e : new OidcFailure('INVALID_ID_TOKEN', (e as Error).message));
