/**
 * Is the caller's tenant allowed in? The identity subgraph owns tenants, so the gateway asks it
 * `{ currentTenant { id status } }` with the caller's own token (identity re-verifies it and scopes
 * the answer to the token's tenant) and remembers the answer per tenant id for a short time.
 *
 * A suspension therefore reaches the gateway within `ttlMs` (30 s by default); subgraphs check
 * again on their side.
 */
import { fetch, type Dispatcher } from 'undici';

/** `null` means identity does not know the tenant (or refused to tell this caller). */
export type TenantStatus = string | null;

export interface TenantStatusChecker {
  statusOf(tenantId: string, token: string, requestId: string): Promise<TenantStatus>;
}

/** Only these statuses let requests through; anything else (SUSPENDED, CLOSED...) is refused. */
export const ACTIVE_TENANT_STATUSES: ReadonlySet<string> = new Set(['ACTIVE']);

export const CURRENT_TENANT_QUERY = '{ currentTenant { id status } }';

export class TenantStatusUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TenantStatusUnavailableError';
  }
}

export interface IdentityTenantStatusOptions {
  /** GraphQL endpoint of the identity subgraph (its routing URL in the supergraph). */
  identityUrl: string;
  dispatcher?: Dispatcher;
  ttlMs?: number;
  maxEntries?: number;
  timeoutMs?: number;
}

interface Entry { status: TenantStatus; expiresAt: number }

interface CurrentTenantResponse {
  data?: { currentTenant?: { id?: unknown; status?: unknown } | null } | null;
  errors?: { message?: string; extensions?: { code?: unknown } }[];
}

export class IdentityTenantStatusChecker implements TenantStatusChecker {
  private readonly cache = new Map<string, Entry>();
  private readonly inFlight = new Map<string, Promise<TenantStatus>>();
  private readonly ttlMs: number;
  private readonly maxEntries: number;
  private readonly timeoutMs: number;

  constructor(private readonly options: IdentityTenantStatusOptions) {
    this.ttlMs = options.ttlMs ?? 30_000;
    this.maxEntries = options.maxEntries ?? 10_000;
    this.timeoutMs = options.timeoutMs ?? 5_000;
  }

  async statusOf(tenantId: string, token: string, requestId: string): Promise<TenantStatus> {
    const hit = this.cache.get(tenantId);
    if (hit && hit.expiresAt > Date.now()) return hit.status;
    // Concurrent first requests of one tenant share a single lookup.
    const pending = this.inFlight.get(tenantId);
    if (pending) return pending;
    const lookup = this.lookup(tenantId, token, requestId).finally(() => this.inFlight.delete(tenantId));
    this.inFlight.set(tenantId, lookup);
    return lookup;
  }

  /** Forget cached answers (tests, or an admin action that must take effect at once). */
  clear(): void {
    this.cache.clear();
  }

  private async lookup(tenantId: string, token: string, requestId: string): Promise<TenantStatus> {
    let res;
    try {
      res = await fetch(this.options.identityUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'x-request-id': requestId },
        body: JSON.stringify({ query: CURRENT_TENANT_QUERY }),
        signal: AbortSignal.timeout(this.timeoutMs),
        ...(this.options.dispatcher && { dispatcher: this.options.dispatcher }),
      });
    } catch (e) {
      throw new TenantStatusUnavailableError(`identity did not answer: ${(e as Error).message}`);
    }
    let body: CurrentTenantResponse;
    try {
      body = (await res.json()) as CurrentTenantResponse;
    } catch {
      throw new TenantStatusUnavailableError(`identity answered HTTP ${res.status} without JSON`);
    }
    // Identity refused the token itself: nothing to cache, the token is the problem, not the tenant.
    if (res.status === 401 || body.errors?.some((e) => e.extensions?.code === 'UNAUTHENTICATED')) return null;
    if (body.errors?.length && !body.data?.currentTenant) {
      throw new TenantStatusUnavailableError(`identity answered with errors: ${body.errors.map((e) => e.message).join('; ')}`);
    }
    const tenant = body.data?.currentTenant;
    if (!tenant) return this.remember(tenantId, null);
    if (tenant.id !== tenantId) return null;
    return this.remember(tenantId, typeof tenant.status === 'string' ? tenant.status : null);
  }

  private remember(tenantId: string, status: TenantStatus): TenantStatus {
    this.cache.delete(tenantId);
    if (this.cache.size >= this.maxEntries) {
      // Map keeps insertion order: drop the oldest entry.
      const oldest = this.cache.keys().next().value;
      if (oldest !== undefined) this.cache.delete(oldest);
    }
    this.cache.set(tenantId, { status, expiresAt: Date.now() + this.ttlMs });
    return status;
  }
}
