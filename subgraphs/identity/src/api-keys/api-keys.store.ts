/**
 * Persistence of API keys: MikroORM entities and the unit of work for `api_keys` and
 * `api_key_prefixes` (CRUD-shaped: tenant admins create, rotate, revoke and list them), and SQL
 * for the exchange, the hot path the gateway calls for every new token: it must run exactly the
 * same statements whether or not the key exists (so its timing reveals nothing) and set the tenant
 * of the transaction between its two reads, which an entity query cannot express.
 *
 * `api_keys` is under forced RLS; every function but `exchangeLookup` takes the entity manager of
 * the caller's tenant-scoped transaction.
 */
import { defineEntity, LockMode, type InferEntity } from '@mikro-orm/core';
import { iso, type Em } from '@imagy/platform/db';
import { afterKey, type KeysetPosition } from '../common/keyset';
import type { ApiKeyPlan } from './api-keys.rules';

export type ApiKeyStatus = 'ACTIVE' | 'ROTATING' | 'ROTATED' | 'EXPIRED' | 'REVOKED';

/** The service's view of a key (what resolvers and events see); never the secret or its hash. */
export interface ApiKey {
  id: string;
  tenantId: string;
  name: string;
  prefix: string;
  scopes: string[];
  plan: ApiKeyPlan;
  requestsPerMinute: number;
  status: ApiKeyStatus;
  createdById: string | null;
  createdAt: string;
  expiresAt: string | null;
  revokedAt: string | null;
  lastUsedAt: string | null;
  overlapEndsAt: string | null;
  successorId: string | null;
  rotatedFromId: string | null;
}

const p = defineEntity.properties;

export const ApiKeyEntity = defineEntity({
  name: 'ApiKeyEntity',
  tableName: 'api_keys',
  properties: {
    id: p.uuid().primary(),
    tenantId: p.uuid(),
    name: p.text(),
    prefix: p.text(),
    // Only written here; read by the exchange's SQL, never by ordinary reads.
    secretHash: p.text().lazy(true, false),
    scopes: p.array(),
    plan: p.text().$type<ApiKeyPlan>(),
    rpm: p.integer(),
    createdBy: p.uuid().nullable(),
    createdAt: p.datetime().defaultRaw(`date_trunc('milliseconds', clock_timestamp())`),
    expiresAt: p.datetime().nullable(),
    revokedAt: p.datetime().nullable(),
    rotatedFrom: p.uuid().nullable(),
    successorId: p.uuid().nullable(),
    overlapEndsAt: p.datetime().nullable(),
    lastUsedAt: p.datetime().nullable(),
  },
});

/** prefix -> tenant, the registry the exchange reads before any tenant is known (no RLS, see the migration). */
export const ApiKeyPrefixEntity = defineEntity({
  name: 'ApiKeyPrefixEntity',
  tableName: 'api_key_prefixes',
  properties: {
    prefix: p.text().primary(),
    tenantId: p.uuid(),
  },
});

export type ApiKeyRecord = InferEntity<typeof ApiKeyEntity>;

/** Status at `now`: revoked, expired and past-overlap keys no longer work; a rotated key still does until its overlap ends. */
export function statusOf(k: ApiKeyRecord, now = Date.now()): ApiKeyStatus {
  if (k.revokedAt) return 'REVOKED';
  if (k.expiresAt && k.expiresAt.getTime() <= now) return 'EXPIRED';
  if (k.overlapEndsAt && k.overlapEndsAt.getTime() <= now) return 'ROTATED';
  if (k.successorId) return 'ROTATING';
  return 'ACTIVE';
}

const isoOrNull = (d: Date | null | undefined) => (d ? d.toISOString() : null);

export function toApiKey(k: ApiKeyRecord, now = Date.now()): ApiKey {
  return {
    id: k.id, tenantId: k.tenantId, name: k.name, prefix: k.prefix, scopes: k.scopes, plan: k.plan, requestsPerMinute: k.rpm, status: statusOf(k, now),
    createdById: k.createdBy ?? null, createdAt: k.createdAt.toISOString(), expiresAt: isoOrNull(k.expiresAt), revokedAt: isoOrNull(k.revokedAt),
    lastUsedAt: isoOrNull(k.lastUsedAt), overlapEndsAt: isoOrNull(k.overlapEndsAt), successorId: k.successorId ?? null, rotatedFromId: k.rotatedFrom ?? null,
  };
}

export interface NewApiKey {
  id: string;
  tenantId: string;
  name: string;
  prefix: string;
  secretHash: string;
  scopes: string[];
  plan: ApiKeyPlan;
  rpm: number;
  createdBy: string | null;
  expiresAt: Date | null;
  rotatedFrom: string | null;
}

/** What the exchange needs of a key, read in the key's tenant. */
export interface ExchangeRow {
  id: string;
  tenant_id: string;
  secret_hash: string;
  scopes: string[];
  plan: ApiKeyPlan;
  rpm: number;
  expires_at: string | null;
  overlap_ends_at: string | null;
  revoked: boolean;
  /** Whether `last_used_at` is older than a minute (the exchange then updates it). */
  touch: boolean;
}

export const apiKeysStore = {
  async byId(em: Em, id: string): Promise<ApiKeyRecord | null> {
    return em.findOne(ApiKeyEntity, { id });
  },

  /** The key locked for update (a rotation and a revocation of one key queue), or null. */
  async lock(em: Em, id: string): Promise<ApiKeyRecord | null> {
    return em.findOne(ApiKeyEntity, { id }, { lockMode: LockMode.PESSIMISTIC_WRITE });
  },

  /** Oldest first, keyset on (created_at, id): `limit` keys after the position. */
  async page(em: Em, after: KeysetPosition | null, limit: number): Promise<ApiKey[]> {
    const now = Date.now();
    return (await em.find(ApiKeyEntity, afterKey(after), { orderBy: { createdAt: 'asc', id: 'asc' }, limit })).map((k) => toApiKey(k, now));
  },

  /** Inserts the prefix registration and the key, flushed (a duplicate prefix surfaces here). */
  async insert(em: Em, k: NewApiKey): Promise<ApiKeyRecord> {
    em.create(ApiKeyPrefixEntity, { prefix: k.prefix, tenantId: k.tenantId });
    const record = em.create(ApiKeyEntity, { ...k, revokedAt: null, successorId: null, overlapEndsAt: null, lastUsedAt: null });
    await em.flush();
    return record;
  },

  /** Saves the changes made to loaded keys. */
  async save(em: Em): Promise<void> {
    await em.flush();
  },

  /**
   * The exchange's two reads, always both: the tenant of the prefix (registry, no RLS), then, with
   * that tenant set for the rest of the transaction (none if unknown: RLS then yields nothing),
   * the key itself. The caller passes a dummy prefix for a malformed key, so the work is the same.
   */
  async exchangeLookup(em: Em, prefix: string): Promise<ExchangeRow | null> {
    const [registered] = await em.execute<{ tenant_id: string }[]>('select tenant_id from api_key_prefixes where prefix = ?', [prefix]);
    await em.execute(`select set_config('app.tenant_id', ?, true)`, [registered?.tenant_id ?? '']);
    const [row] = await em.execute<ExchangeRow[]>(
      `select id, tenant_id, secret_hash, scopes, plan, rpm, ${iso('expires_at')} as expires_at, ${iso('overlap_ends_at')} as overlap_ends_at,
              revoked_at is not null as revoked, (last_used_at is null or last_used_at < now() - interval '1 minute') as touch
         from api_keys where prefix = ?`,
      [prefix],
    );
    return row ?? null;
  },

  /** Records a use; callers do it at most once a minute per key (`ExchangeRow.touch`). */
  async touch(em: Em, id: string): Promise<void> {
    await em.execute(`update api_keys set last_used_at = date_trunc('milliseconds', clock_timestamp()) where id = ?`, [id]);
  },
};
