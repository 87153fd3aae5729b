/**
 * API keys for integrators: tenant admins create, rotate (with overlap), revoke and list them; the
 * gateway exchanges a presented key for a short-lived access token (api-keys.exchange.ts).
 *
 * Secrets are shown once (the create and rotate payloads) and stored as sha256 only. Every read and
 * write runs in a tenant-scoped transaction (RLS on `api_keys`); the exchange, which starts without
 * a tenant, resolves it from the RLS-free `api_key_prefixes` registry first.
 */
import crypto from 'node:crypto';
import { signToken, ROLES, type AccessClaims, type AuthContext, type SigningKey } from '@imagy/platform/auth';
import { inPlatformTx, inTenantTx, isUuid, type Em, type Orm } from '@imagy/platform/db';
import type { EventEnvelope, Outbox } from '@imagy/platform/events';
import { NotFoundError, pageSize, requireRole, toConnection, type Connection } from '@imagy/platform/server';
import { actorOf, type Caller } from '@imagy/platform/server';
import { keysetAfter } from '../common/keyset';
import { isSafeText } from '../common/text';
import { userError, type Payload, type UserError } from '../common/user-error';
import type { CreateApiKeyInput, RotateApiKeyInput } from '../__generated__/graphql';
import {
  API_KEY_SCOPES, checkScopes, hashSecret, isPlan, MAX_NAME_LENGTH, MAX_OVERLAP_MINUTES, newKey, parseKey, PLAN_RPM, sameHash, tokenTtlSeconds,
  type ApiKeyPlan,
} from './api-keys.rules';
import { apiKeysStore, statusOf, toApiKey, type ApiKey } from './api-keys.store';

export type { ApiKey, ApiKeyStatus } from './api-keys.store';

/** `secret` (`imk_<prefix>_<secret>`) is returned once, never stored; `previous` is the rotated key. */
export type ApiKeyPayload = Payload<{ apiKey: ApiKey | null; secret?: string | null; previous?: ApiKey | null }>;

export interface ExchangeResult {
  accessToken: string;
  expiresAt: string;
  apiKeyId: string;
  tenantId: string;
  scopes: string[];
  plan: ApiKeyPlan;
  rpm: number;
}

export interface ApiKeysServiceOptions {
  signingKey: SigningKey;
  issuer: string;
  audience: string;
  /**
   * Called after a revocation or rotation committed, with the event already in the outbox: publishes it at once
   * (the relay's copy follows and is dropped by JetStream's duplicate window), so gateways evict the
   * key before the caller even sees the answer. Failures are only logged: the outbox still delivers.
   */
  publishNow?: (envelope: EventEnvelope) => Promise<void>;
}

/** Compared against when no key matches, so a miss costs the same work as a wrong secret. */
const DUMMY_HASH = hashSecret('imagy-no-such-api-key');
const DUMMY_PREFIX = '000000000000';

const ADMIN = [ROLES.tenantAdmin];

export class ApiKeysService {
  constructor(private readonly orm: Orm, private readonly outbox: Outbox, private readonly options: ApiKeysServiceOptions) {}

  async list(auth: AuthContext, args: { first?: number | null; after?: string | null }): Promise<Connection<ApiKey>> {
    const caller = requireRole(auth, ...ADMIN);
    const limit = pageSize(args.first);
    const position = keysetAfter(args.after);
    const rows = await inTenantTx(this.orm, { tenantId: caller.tenantId }, (em) => apiKeysStore.page(em, position, limit + 1));
    return toConnection(rows, limit, (k) => [k.createdAt, k.id]);
  }

  async byId(auth: AuthContext, id: string): Promise<ApiKey | null> {
    const caller = requireRole(auth, ...ADMIN);
    if (!isUuid(id)) return null;
    return inTenantTx(this.orm, { tenantId: caller.tenantId }, async (em) => {
      const k = await apiKeysStore.byId(em, id);
      return k ? toApiKey(k) : null;
    });
  }

  async create(caller: Caller, input: CreateApiKeyInput): Promise<ApiKeyPayload> {
    const auth = requireRole(caller.auth, ...ADMIN);
    const errors: UserError[] = [];
    const name = input.name.trim();
    if (name.length < 1 || name.length > MAX_NAME_LENGTH || !isSafeText(name)) errors.push(userError('INVALID_NAME', { field: 'name', params: { max: MAX_NAME_LENGTH } }));
    const { scopes, unknown } = checkScopes(input.scopes);
    if (unknown.length || scopes.length === 0) errors.push(userError('INVALID_SCOPE', { field: 'scopes', params: { allowed: API_KEY_SCOPES.join(', ') } }));
    const plan = input.plan ?? 'STANDARD';
    if (!isPlan(plan)) errors.push(userError('INVALID_PLAN', { field: 'plan' }));
    let expiresAt: Date | null = null;
    if (input.expiresAt != null) {
      const t = Date.parse(input.expiresAt);
      if (Number.isNaN(t) || t <= Date.now()) errors.push(userError('INVALID_EXPIRY', { field: 'expiresAt' }));
      else expiresAt = new Date(t);
    }
    if (errors.length) return { apiKey: null, secret: null, userErrors: errors };

    return inTenantTx(this.orm, { tenantId: auth.tenantId }, async (em) => {
      const { record, key } = await this.insertKey(em, auth.tenantId, { name, scopes, plan, expiresAt, createdBy: auth.userId, rotatedFrom: null });
      await this.outbox.publish(em, 'identity.api_key.created', {
        apiKeyId: record.id, name, prefix: record.prefix, scopes, plan, expiresAt: expiresAt?.toISOString() ?? null,
      }, this.meta(caller, auth.tenantId));
      return { apiKey: toApiKey(record), secret: key, userErrors: [] };
    });
  }

  /**
   * Creates a successor with the same name, scopes, plan and expiry; the old key keeps working for
   * `overlapMinutes` (0 = stops now), so integrators can roll the secret out without downtime.
   */
  async rotate(caller: Caller, input: RotateApiKeyInput): Promise<ApiKeyPayload> {
    const auth = requireRole(caller.auth, ...ADMIN);
    if (!isUuid(input.id)) throw new NotFoundError('API key not found');
    const overlap = input.overlapMinutes ?? 60;
    if (!Number.isInteger(overlap) || overlap < 0 || overlap > MAX_OVERLAP_MINUTES) {
      return { apiKey: null, secret: null, userErrors: [userError('INVALID_OVERLAP', { field: 'overlapMinutes', params: { max: MAX_OVERLAP_MINUTES } })] };
    }
    const published: EventEnvelope[] = [];
    const payload = await inTenantTx(this.orm, { tenantId: auth.tenantId }, async (em): Promise<ApiKeyPayload> => {
      const old = await apiKeysStore.lock(em, input.id);
      if (!old) throw new NotFoundError('API key not found');
      const status = statusOf(old);
      const refused = { REVOKED: 'KEY_REVOKED', EXPIRED: 'KEY_EXPIRED', ROTATING: 'ALREADY_ROTATED', ROTATED: 'ALREADY_ROTATED' } as const;
      if (status !== 'ACTIVE') {
        return { apiKey: null, secret: null, userErrors: [userError(refused[status], { field: 'id' })] };
      }
      const created = await this.insertKey(em, auth.tenantId, {
        name: old.name, scopes: old.scopes, plan: old.plan, expiresAt: old.expiresAt ?? null, createdBy: auth.userId, rotatedFrom: old.id,
      });
      old.successorId = created.record.id;
      old.overlapEndsAt = new Date(Date.now() + overlap * 60_000);
      await apiKeysStore.save(em);
      published.push(await this.outbox.publish(em, 'identity.api_key.rotated', {
        apiKeyId: old.id, successorId: created.record.id, overlapEndsAt: old.overlapEndsAt.toISOString(),
      }, this.meta(caller, auth.tenantId)));
      return { apiKey: toApiKey(created.record), secret: created.key, previous: toApiKey(old), userErrors: [] };
    });
    // Gateways cap the old key's cached token at the overlap end (at once when the overlap is 0).
    for (const event of published) await this.options.publishNow?.(event).catch(() => undefined);
    return payload;
  }

  /** Stops a key at once (idempotent: revoking a revoked key changes nothing and publishes nothing). */
  async revoke(caller: Caller, id: string): Promise<ApiKeyPayload> {
    const auth = requireRole(caller.auth, ...ADMIN);
    if (!isUuid(id)) throw new NotFoundError('API key not found');
    const published: EventEnvelope[] = [];
    const apiKey = await inTenantTx(this.orm, { tenantId: auth.tenantId }, async (em) => {
      const key = await apiKeysStore.lock(em, id);
      if (!key) throw new NotFoundError('API key not found');
      if (!key.revokedAt) {
        key.revokedAt = new Date();
        await apiKeysStore.save(em);
        published.push(await this.outbox.publish(em, 'identity.api_key.revoked', { apiKeyId: id, prefix: key.prefix }, this.meta(caller, auth.tenantId)));
      }
      return toApiKey(key);
    });
    for (const event of published) await this.options.publishNow?.(event).catch(() => undefined);
    return { apiKey, userErrors: [] };
  }

  /**
   * Verifies a presented key and mints an access token for it, or returns null. Every path does
   * the same statements and one constant-time hash comparison, and every refusal is the same null,
   * so neither the answer nor its timing tells whether a prefix exists.
   */
  async exchange(presented: string): Promise<ExchangeResult | null> {
    const parsed = parseKey(presented);
    const prefix = parsed?.prefix ?? DUMMY_PREFIX;
    const presentedHash = hashSecret(parsed?.secret ?? presented);
    return inPlatformTx(this.orm, async (em) => {
      const row = await apiKeysStore.exchangeLookup(em, prefix);
      const matches = sameHash(row?.secret_hash ?? DUMMY_HASH, presentedHash);
      if (!row || !parsed || !matches || row.revoked) return null;
      const ttl = tokenTtlSeconds(Date.now(), [row.expires_at, row.overlap_ends_at]);
      if (ttl < 1) return null;
      // At most one write per key per minute, however many exchanges (gateway replicas, restarts).
      if (row.touch) await apiKeysStore.touch(em, row.id);
      const claims: AccessClaims & { kid_type: 'api_key'; plan: ApiKeyPlan; rpm: number } = {
        sub: `apikey:${row.id}`, tid: row.tenant_id, roles: [], scope: row.scopes.join(' '), kid_type: 'api_key', plan: row.plan, rpm: row.rpm,
      };
      const accessToken = await signToken(this.options.signingKey, claims, { issuer: this.options.issuer, audience: this.options.audience, ttlSeconds: ttl });
      const exp = JSON.parse(Buffer.from(accessToken.split('.')[1]!, 'base64url').toString('utf8')).exp as number;
      return { accessToken, expiresAt: new Date(exp * 1000).toISOString(), apiKeyId: row.id, tenantId: row.tenant_id, scopes: row.scopes, plan: row.plan, rpm: row.rpm };
    });
  }

  private async insertKey(em: Em, tenantId: string, k: { name: string; scopes: string[]; plan: ApiKeyPlan; expiresAt: Date | null; createdBy: string | null; rotatedFrom: string | null }) {
    const { prefix, secret, key } = newKey();
    const record = await apiKeysStore.insert(em, {
      id: crypto.randomUUID(), tenantId, name: k.name, prefix, secretHash: hashSecret(secret), scopes: k.scopes, plan: k.plan, rpm: PLAN_RPM[k.plan],
      createdBy: isUuid(k.createdBy) ? k.createdBy : null, expiresAt: k.expiresAt, rotatedFrom: k.rotatedFrom,
    });
    return { record, key };
  }

  private meta(caller: Caller, tenantId: string) {
    return { tenantId, actor: actorOf(caller), requestId: caller.requestId };
  }
}
