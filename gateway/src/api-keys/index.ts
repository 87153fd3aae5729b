/**
 * API keys at the gateway (see gateway/README.md, "API keys and rate limits").
 *
 *  - A caller presents `x-api-key: imk_...` or `Authorization: ApiKey imk_...`.
 *  - The gateway exchanges it with identity (`POST /api-keys/exchange` on the identity subgraph's
 *    host) for a short access token (5 min) carrying the key's tenant, scopes, plan and `rpm`, caches
 *    that token per sha256(key) until 30 s before it expires, and forwards it to subgraphs as
 *    `Authorization: Bearer`. The token never reaches the client.
 *  - Revocation: a core NATS subscription on `identity.api_key.revoked` (wire subject, namespaced)
 *    evicts the key's cached token as soon as identity commits; `identity.api_key.rotated` caps the
 *    old key's cached token at the end of the overlap. Envelopes are checked with the EventSigner.
 *    Without NATS (or while disconnected) cached tokens live at most 5 s, so a revocation takes
 *    effect within 5 s.
 *  - Rate limits (rate-limit.ts): per key, `rpm` of the token (the key's plan); per user token, per
 *    tenant, `GATEWAY_USER_RPM` (default 1200 with NATS, off without; 0 = off). Counters in NATS KV,
 *    shared by replicas; in process without NATS.
 */
import crypto from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { GraphQLError } from 'graphql';
import { HeaderMap } from '@apollo/server';
import { connect, type NatsConnection, type Subscription } from '@nats-io/transport-node';
import { Kvm, type KV, type KvOptions } from '@nats-io/kv';
import { fetch, type Dispatcher } from 'undici';
import type { AuthContext } from '@imagy/platform/auth';
import { looksLikeEnvelope, namespace as toNamespace, signerFromEnv, wireSubject, type EventEnvelope, type EventSigner, type Namespace } from '@imagy/platform/events';
import type { Logger } from '@imagy/platform/logger';
import { counterId, KvCounterStore, MemoryCounterStore, ResilientCounterStore, SlidingWindowLimiter, type LimitDecision } from './rate-limit';

export { SlidingWindowLimiter, MemoryCounterStore, KvCounterStore, ResilientCounterStore } from './rate-limit';

/** How the shared rate-limit counters are doing (health checks, fault tests). */
export interface RateLimitHealth {
  /** Counters in NATS KV (false: per process). */
  shared: boolean;
  /** The store's circuit breaker: `open` while lookups are short-circuited (requests let through). */
  breaker: 'closed' | 'open' | 'halfOpen' | 'isolated' | 'none';
  /** Requests let through unmetered because the store could not answer, since start. */
  unmetered: number;
  /** Times the KV bucket was created (1 at start, +1 for each re-creation after a NATS restart). */
  bucketCreations: number;
}

/** Without a revocation feed, a cached token is reused for at most this long. */
export const NO_NATS_CACHE_TTL_MS = 5_000;
/** A cached token is dropped this long before it expires. */
export const EXPIRY_SKEW_MS = 30_000;
export const DEFAULT_USER_RPM = 1200;

const KEY = /^imk_[a-z0-9]{12}_[A-Za-z0-9_-]{43}$/;

/** The API key a request presents, if any (`x-api-key`, or `Authorization: ApiKey <key>`). */
export function presentedApiKey(headers: IncomingHttpHeaders | Record<string, unknown>): string | null {
  const header = headers['x-api-key'];
  if (typeof header === 'string' && header.trim()) return header.trim();
  const auth = headers.authorization;
  if (typeof auth === 'string') {
    const m = /^ApiKey\s+(\S+)\s*$/i.exec(auth);
    if (m) return m[1]!;
  }
  return null;
}

export class ApiKeyRefusedError extends Error {
  constructor() { super('Invalid API key'); this.name = 'ApiKeyRefusedError'; }
}

export class ApiKeyExchangeUnavailableError extends Error {
  constructor(message: string) { super(message); this.name = 'ApiKeyExchangeUnavailableError'; }
}

export interface ApiKeyAuthOptions {
  /** `POST` endpoint of identity's exchange (default: `/api-keys/exchange` on the identity URL's host). */
  exchangeUrl: string;
  dispatcher?: Dispatcher;
  log: Logger;
  /**
   * NATS for the revocation feed and the shared rate-limit counters. An open connection (not closed
   * by us), or a URL; default `NATS_URL` if set. `false` (or nothing configured): no NATS.
   */
  nats?: NatsConnection | string | false;
  /** Subject/bucket namespace (default `NATS_NAMESPACE`). */
  namespace?: Namespace | string;
  /** Verifies event envelopes (default `signerFromEnv()`). */
  signer?: EventSigner;
  /** Per user token, per tenant, per minute; 0 disables (default `GATEWAY_USER_RPM`, else 1200 with NATS KV, else off). */
  userRpm?: number;
  /** Cached tokens (default 10 000). */
  maxEntries?: number;
  timeoutMs?: number;
}

interface Entry { authorization: string; apiKeyId: string; expiresAt: number }

interface ExchangeAnswer { accessToken?: unknown; expiresAt?: unknown; apiKeyId?: unknown }

export class ApiKeyAuth {
  private readonly cache = new Map<string, Entry>();
  private readonly byKeyId = new Map<string, Set<string>>();
  private readonly inFlight = new Map<string, Promise<Entry>>();
  private readonly maxEntries: number;
  private nc: NatsConnection | null = null;
  private ns: Namespace | null = null;
  private ownsNc = false;
  private subs: Subscription[] = [];
  private feedLive = false;
  private natsUp = true;
  private limiter: SlidingWindowLimiter = new SlidingWindowLimiter(new MemoryCounterStore());
  private sharedCounters = false;
  private kvStore: ResilientCounterStore | null = null;
  private kv: KV | null = null;
  private bucketCreations = 0;
  private creatingBucket: Promise<void> | null = null;
  private createBucket: (() => Promise<KV>) | null = null;
  private readonly configuredUserRpm: number | null;
  private readonly revokedListeners = new Set<(apiKeyId: string) => void>();

  private constructor(private readonly options: ApiKeyAuthOptions) {
    this.maxEntries = options.maxEntries ?? 10_000;
    const envRpm = process.env.GATEWAY_USER_RPM;
    this.configuredUserRpm = options.userRpm ?? (envRpm !== undefined && /^\d+$/.test(envRpm) ? Number(envRpm) : null);
  }

  /**
   * Requests per minute per user token per tenant: as configured, else 1200 when counters are
   * shared in NATS KV, else off (a gateway without NATS, e.g. benchmarks, does not meter users).
   */
  get userRpm(): number {
    return this.configuredUserRpm ?? (this.sharedCounters ? DEFAULT_USER_RPM : 0);
  }

  static async create(options: ApiKeyAuthOptions): Promise<ApiKeyAuth> {
    const self = new ApiKeyAuth(options);
    await self.connect();
    return self;
  }

  /** Whether revocations arrive over NATS (otherwise cached tokens live at most 5 s). */
  get revocationFeed(): boolean {
    return this.feedLive;
  }

  /**
   * Called with a key's id once it stops being valid: at once for a revocation, at the end of the
   * overlap for a rotation (so open graphql-ws sockets authenticated by it can be closed). Returns
   * an unsubscribe.
   */
  onKeyEnded(listener: (apiKeyId: string) => void): () => void {
    this.revokedListeners.add(listener);
    return () => this.revokedListeners.delete(listener);
  }

  private keyEnded(apiKeyId: string, at = Date.now()): void {
    const notify = () => { for (const l of this.revokedListeners) { try { l(apiKeyId); } catch (err) { this.options.log.error({ err }, 'API key listener failed'); } } };
    const wait = at - Date.now();
    // A rotation's overlap is bounded by identity (minutes); a timer per rotation is cheap.
    if (wait <= 0) notify(); else setTimeout(notify, Math.min(wait, 2 ** 31 - 1)).unref();
  }

  /** The NATS connection and namespace in use (null without NATS): the gateway's revocation view shares them. */
  get bus(): { nc: NatsConnection; ns: Namespace } | null {
    return this.nc && this.ns ? { nc: this.nc, ns: this.ns } : null;
  }

  /** `Bearer <token>` for a presented key; throws ApiKeyRefusedError or ApiKeyExchangeUnavailableError. */
  async authorizationFor(apiKey: string, requestId: string): Promise<string> {
    if (!KEY.test(apiKey)) throw new ApiKeyRefusedError();
    const hash = crypto.createHash('sha256').update(apiKey).digest('hex');
    const hit = this.cache.get(hash);
    if (hit && hit.expiresAt > Date.now()) return hit.authorization;
    if (hit) this.evict(hash);
    let pending = this.inFlight.get(hash);
    if (!pending) {
      pending = this.exchange(hash, apiKey, requestId).finally(() => this.inFlight.delete(hash));
      this.inFlight.set(hash, pending);
    }
    return (await pending).authorization;
  }

  /**
   * Counts the request against the caller's limit; throws the RATE_LIMITED error (HTTP 429,
   * `Retry-After`) past it. API keys: the token's `rpm`; user tokens: `userRpm` per user per tenant.
   */
  async limit(auth: AuthContext): Promise<void> {
    let decision: LimitDecision;
    if (auth.kind === 'apiKey') {
      const rpm = rpmClaim(auth.token);
      if (!rpm || !auth.userId) return;
      decision = await this.limiter.hit(counterId('k', auth.userId.replace(/^apikey:/, '')), rpm);
    } else if (auth.kind === 'user' && this.userRpm > 0 && auth.userId) {
      decision = await this.limiter.hit(counterId('u', auth.tenantId ?? 'none', auth.userId), this.userRpm);
    } else {
      return;
    }
    if (!decision.allowed) throw rateLimited(decision.retryAfter, decision.limit);
  }

  rateLimitHealth(): RateLimitHealth {
    return { shared: this.sharedCounters, breaker: this.kvStore?.state ?? 'none', unmetered: this.limiter.unavailable, bucketCreations: this.bucketCreations };
  }

  /**
   * (Re-)creates the rate-limit bucket: at start, on every reconnect (a NATS restart loses a
   * memory-stored bucket) and when a lookup finds it gone. Creating an existing bucket is a no-op;
   * concurrent calls share one attempt.
   */
  private ensureBucket(): Promise<void> {
    if (!this.createBucket) return Promise.resolve();
    this.creatingBucket ??= this.createBucket().then((kv) => { this.kv = kv; this.bucketCreations++; })
      .finally(() => { this.creatingBucket = null; });
    return this.creatingBucket;
  }

  /** Forget every cached token (tests, or an operator action). */
  clear(): void {
    this.cache.clear();
    this.byKeyId.clear();
  }

  async close(): Promise<void> {
    for (const s of this.subs) s.unsubscribe();
    this.subs = [];
    if (this.nc && this.ownsNc) await this.nc.drain().catch(() => undefined);
    this.nc = null;
  }

  private async exchange(hash: string, apiKey: string, requestId: string): Promise<Entry> {
    let res;
    try {
      res = await fetch(this.options.exchangeUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-request-id': requestId },
        body: JSON.stringify({ apiKey }),
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 5_000),
        ...(this.options.dispatcher && { dispatcher: this.options.dispatcher }),
      });
    } catch (e) {
      throw new ApiKeyExchangeUnavailableError(`identity did not answer: ${(e as Error).message}`);
    }
    if (res.status === 401) {
      await res.body?.cancel().catch(() => undefined);
      throw new ApiKeyRefusedError();
    }
    let body: ExchangeAnswer;
    try {
      body = (await res.json()) as ExchangeAnswer;
    } catch {
      throw new ApiKeyExchangeUnavailableError(`identity answered HTTP ${res.status} without JSON`);
    }
    if (res.status !== 200 || typeof body.accessToken !== 'string' || typeof body.apiKeyId !== 'string' || typeof body.expiresAt !== 'string') {
      throw new ApiKeyExchangeUnavailableError(`identity answered HTTP ${res.status}`);
    }
    const tokenEnd = Date.parse(body.expiresAt) - EXPIRY_SKEW_MS;
    const cap = this.feedLive ? Infinity : Date.now() + NO_NATS_CACHE_TTL_MS;
    const entry: Entry = { authorization: `Bearer ${body.accessToken}`, apiKeyId: body.apiKeyId, expiresAt: Math.min(tokenEnd, cap) };
    this.remember(hash, entry);
    return entry;
  }

  private remember(hash: string, entry: Entry): void {
    if (entry.expiresAt <= Date.now()) return;
    this.evict(hash);
    while (this.cache.size >= this.maxEntries) {
      const oldest = this.cache.keys().next();
      if (oldest.done) break;
      this.evict(oldest.value);
    }
    this.cache.set(hash, entry);
    let set = this.byKeyId.get(entry.apiKeyId);
    if (!set) this.byKeyId.set(entry.apiKeyId, (set = new Set()));
    set.add(hash);
  }

  private evict(hash: string): void {
    const entry = this.cache.get(hash);
    if (!entry) return;
    this.cache.delete(hash);
    const set = this.byKeyId.get(entry.apiKeyId);
    set?.delete(hash);
    if (set && set.size === 0) this.byKeyId.delete(entry.apiKeyId);
  }

  /** Evicts (or, with `until`, caps) every cached token of a key. */
  private forgetKey(apiKeyId: string, until?: number): void {
    for (const hash of [...(this.byKeyId.get(apiKeyId) ?? [])]) {
      const entry = this.cache.get(hash);
      if (!entry) continue;
      if (until === undefined || until <= Date.now()) this.evict(hash);
      else entry.expiresAt = Math.min(entry.expiresAt, until);
    }
  }

  private async connect(): Promise<void> {
    const log = this.options.log;
    const configured = this.options.nats ?? (process.env.NATS_URL || false);
    if (configured === false) {
      log.warn({ cacheTtlMs: NO_NATS_CACHE_TTL_MS }, 'API keys without NATS: revocation within 5 s, rate limits per gateway process');
      return;
    }
    if (typeof configured === 'string') {
      try {
        this.nc = await connect({ servers: configured, name: 'gateway-api-keys', maxReconnectAttempts: -1, reconnectTimeWait: 500, timeout: 3_000 });
        this.ownsNc = true;
      } catch (err) {
        log.error({ err: (err as Error).message }, 'API keys: NATS unreachable; revocation within 5 s, rate limits per gateway process');
        return;
      }
    } else {
      this.nc = configured;
    }
    const nc = this.nc;
    const ns = typeof this.options.namespace === 'object' ? this.options.namespace : toNamespace(this.options.namespace ?? process.env.NATS_NAMESPACE ?? '');
    this.ns = ns;
    const signer = this.options.signer ?? signerFromEnv();

    const onEvent = (envelope: EventEnvelope) => {
      const data = envelope.data as { apiKeyId?: unknown; overlapEndsAt?: unknown };
      if (typeof data.apiKeyId !== 'string') return;
      if (envelope.subject === 'identity.api_key.revoked') {
        this.forgetKey(data.apiKeyId);
        this.keyEnded(data.apiKeyId);
      } else if (envelope.subject === 'identity.api_key.rotated' && typeof data.overlapEndsAt === 'string') {
        const until = Date.parse(data.overlapEndsAt);
        this.forgetKey(data.apiKeyId, until);
        if (Number.isFinite(until)) this.keyEnded(data.apiKeyId, until);
      }
    };
    for (const subject of ['identity.api_key.revoked', 'identity.api_key.rotated']) {
      this.subs.push(nc.subscribe(wireSubject(ns, subject), {
        callback: (err, msg) => {
          if (err) return;
          let envelope: unknown;
          try { envelope = msg.json(); } catch { return; }
          if (!looksLikeEnvelope(envelope) || envelope.subject !== subject || !signer.verify(envelope)) {
            log.warn({ subject }, 'API key event refused: bad envelope or signature');
            return;
          }
          onEvent(envelope);
        },
      }));
    }
    await nc.flush();
    this.feedLive = true;
    // Events missed while disconnected cannot be replayed: drop the cache and fall back to 5 s.
    // A reconnect may be to a restarted server that lost the memory-stored bucket: re-create it.
    void (async () => {
      for await (const s of nc.status()) {
        if (s.type === 'disconnect') { this.feedLive = false; this.natsUp = false; this.clear(); }
        else if (s.type === 'reconnect') {
          this.feedLive = true;
          this.natsUp = true;
          this.ensureBucket().then(() => log.info({ bucket: bucketName }, 'rate limit bucket ensured after NATS reconnect'), (err: unknown) => log.error({ err: (err as Error).message }, 'rate limit bucket could not be re-created'));
        }
      }
    })().catch(() => undefined);

    const bucketName = `${ns.streamPrefix}ratelimit`;
    const kvm = new Kvm(nc);
    this.createBucket = () => kvm.create(bucketName, { history: 1, ttl: 3 * 60_000, storage: 'memory' as KvOptions['storage'] });
    try {
      await this.ensureBucket();
      let warned = 0;
      this.sharedCounters = true;
      const kvCounters = new KvCounterStore(() => this.kv!, () => this.natsUp && !nc.isClosed(), () => {
        this.ensureBucket().catch((err: unknown) => log.error({ err: (err as Error).message }, 'rate limit bucket could not be re-created'));
      });
      this.kvStore = new ResilientCounterStore(kvCounters);
      this.limiter = new SlidingWindowLimiter(this.kvStore, {
        onUnavailable: (err) => {
          if (Date.now() - warned > 10_000) { warned = Date.now(); log.error({ err: err.message }, 'rate limit store unavailable: requests let through unmetered (fail open)'); }
        },
      });
    } catch (err) {
      this.createBucket = null;
      log.error({ err: (err as Error).message }, 'rate limit KV bucket unavailable (JetStream off?): counting per gateway process');
    }
  }
}

/** The `rpm` claim of an (already verified) API-key token. */
function rpmClaim(token: string | undefined): number | null {
  if (!token) return null;
  try {
    const rpm = (JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as { rpm?: unknown }).rpm;
    return typeof rpm === 'number' && Number.isInteger(rpm) && rpm > 0 ? rpm : null;
  } catch {
    return null;
  }
}

export function rateLimited(retryAfter: number, limit: number): GraphQLError {
  return new GraphQLError(`Rate limit exceeded (${limit} requests per minute); retry after ${retryAfter} s`, {
    extensions: { code: 'RATE_LIMITED', retryAfter, limit, http: { status: 429, headers: new HeaderMap([['retry-after', String(retryAfter)]]) } },
  });
}

/** `http://host:4001/graphql` -> `http://host:4001/api-keys/exchange`. */
export function exchangeUrlOf(identityUrl: string): string {
  return new URL('/api-keys/exchange', identityUrl).toString();
}
