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
import { BadInputError, decodeCursor, NotFoundError, pageSize, requireRole, toConnection, type Connection } from '@imagy/platform/server';
import { actorOf, type Caller } from '@imagy/platform/server';
import { iso, jsonParam, TEXT_ARRAY_PARAM } from '../common/sql';
import { userError, type UserError } from '../common/validation';
import {
  API_KEY_SCOPES, checkScopes, hashSecret, isPlan, MAX_OVERLAP_MINUTES, newKey, parseKey, PLAN_RPM, sameHash, tokenTtlSeconds,
  type ApiKeyPlan,
} from './api-keys.rules';

export type ApiKeyStatus = 'ACTIVE' | 'ROTATING' | 'ROTATED' | 'EXPIRED' | 'REVOKED';

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

export interface CreateApiKeyInput {
  name: string;
  scopes: string[];
  plan?: ApiKeyPlan | null;
  expiresAt?: string | null;
}

export interface ApiKeyPayload {
  apiKey: ApiKey | null;
  /** `imk_<prefix>_<secret>`: returned once, never stored. */
  secret?: string | null;
  previous?: ApiKey | null;
  userErrors: UserError[];
}

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

const COLUMNS = `k.id, k.tenant_id, k.name, k.prefix, k.scopes, k.plan, k.rpm, k.created_by, k.successor_id, k.rotated_from,
  ${iso('k.created_at')} as created_at, ${iso('k.expires_at')} as expires_at, ${iso('k.revoked_at')} as revoked_at,
  ${iso('k.last_used_at')} as last_used_at, ${iso('k.overlap_ends_at')} as overlap_ends_at,
  case when k.revoked_at is not null then 'REVOKED' when k.expires_at <= clock_timestamp() then 'EXPIRED'
       when k.overlap_ends_at <= clock_timestamp() then 'ROTATED' when k.successor_id is not null then 'ROTATING' else 'ACTIVE' end as status`;

interface Row {
  id: string; tenant_id: string; name: string; prefix: string; scopes: string[]; plan: ApiKeyPlan; rpm: number; created_by: string | null;
  successor_id: string | null; rotated_from: string | null; created_at: string; expires_at: string | null; revoked_at: string | null;
  last_used_at: string | null; overlap_ends_at: string | null; status: ApiKeyStatus;
}

const toApiKey = (r: Row): ApiKey => ({
  id: r.id, tenantId: r.tenant_id, name: r.name, prefix: r.prefix, scopes: r.scopes, plan: r.plan, requestsPerMinute: r.rpm, status: r.status,
  createdById: r.created_by, createdAt: r.created_at, expiresAt: r.expires_at, revokedAt: r.revoked_at, lastUsedAt: r.last_used_at,
  overlapEndsAt: r.overlap_ends_at, successorId: r.successor_id, rotatedFromId: r.rotated_from,
});

/** Compared against when no key matches, so a miss costs the same work as a wrong secret. */
const DUMMY_HASH = hashSecret('imagy-no-such-api-key');
const DUMMY_PREFIX = '000000000000';

const ADMIN = [ROLES.tenantAdmin];

export class ApiKeysService {
  constructor(private readonly orm: Orm, private readonly outbox: Outbox, private readonly options: ApiKeysServiceOptions) {}

  async list(auth: AuthContext, args: { first?: number | null; after?: string | null }): Promise<Connection<ApiKey>> {
    const caller = requireRole(auth, ...ADMIN);
    const limit = pageSize(args.first);
    const cursor = decodeCursor<[string, string]>(args.after);
    const params: unknown[] = [];
    let where = '';
    if (cursor) {
      if (!Array.isArray(cursor) || typeof cursor[0] !== 'string' || !isUuid(cursor[1])) throw new BadInputError('Invalid cursor', 'after');
      where = 'where (k.created_at, k.id) > (?::timestamptz, ?::uuid)';
      params.push(cursor[0], cursor[1]);
    }
    const rows = await inTenantTx(this.orm, { tenantId: caller.tenantId }, (em) =>
      em.execute<Row[]>(`select ${COLUMNS} from api_keys k ${where} order by k.created_at, k.id limit ?`, [...params, limit + 1]));
    return toConnection(rows.map(toApiKey), limit, (k) => [k.createdAt, k.id]);
  }

  async byId(auth: AuthContext, id: string): Promise<ApiKey | null> {
    const caller = requireRole(auth, ...ADMIN);
    if (!isUuid(id)) return null;
    return inTenantTx(this.orm, { tenantId: caller.tenantId }, (em) => this.reload(em, id));
  }

  async create(caller: Caller, input: CreateApiKeyInput): Promise<ApiKeyPayload> {
    const auth = requireRole(caller.auth, ...ADMIN);
    const errors: UserError[] = [];
    const name = input.name.trim();
    if (name.length < 1 || name.length > 100) errors.push(userError('INVALID_NAME', 'The name must have 1 to 100 characters', 'name'));
    const { scopes, unknown } = checkScopes(input.scopes);
    if (unknown.length) errors.push(userError('INVALID_SCOPE', `Unknown scopes ${unknown.join(', ')}; allowed: ${API_KEY_SCOPES.join(', ')}`, 'scopes'));
    else if (scopes.length === 0) errors.push(userError('INVALID_SCOPE', 'A key needs at least one scope', 'scopes'));
    const plan = input.plan ?? 'STANDARD';
    if (!isPlan(plan)) errors.push(userError('INVALID_PLAN', 'The plan must be FREE, STANDARD or ENTERPRISE', 'plan'));
    let expiresAt: string | null = null;
    if (input.expiresAt != null) {
      const t = Date.parse(input.expiresAt);
      if (Number.isNaN(t) || t <= Date.now()) errors.push(userError('INVALID_EXPIRY', 'The expiry must be a future instant', 'expiresAt'));
      else expiresAt = new Date(t).toISOString();
    }
    if (errors.length) return { apiKey: null, secret: null, userErrors: errors };

    return inTenantTx(this.orm, { tenantId: auth.tenantId }, async (em) => {
      const { id, key, prefix } = await this.insertKey(em, auth.tenantId, { name, scopes, plan, expiresAt, createdBy: auth.userId, rotatedFrom: null });
      await this.outbox.publish(em, 'identity.api_key.created', { apiKeyId: id, name, prefix, scopes, plan, expiresAt }, this.meta(caller, auth.tenantId));
      return { apiKey: (await this.reload(em, id))!, secret: key, userErrors: [] };
    });
  }

  /**
   * Creates a successor with the same name, scopes, plan and expiry; the old key keeps working for
   * `overlapMinutes` (0 = stops now), so integrators can roll the secret out without downtime.
   */
  async rotate(caller: Caller, input: { id: string; overlapMinutes?: number | null }): Promise<ApiKeyPayload> {
    const auth = requireRole(caller.auth, ...ADMIN);
    if (!isUuid(input.id)) throw new NotFoundError('API key not found');
    const overlap = input.overlapMinutes ?? 60;
    if (!Number.isInteger(overlap) || overlap < 0 || overlap > MAX_OVERLAP_MINUTES) {
      return { apiKey: null, secret: null, userErrors: [userError('INVALID_OVERLAP', `The overlap must be 0 to ${MAX_OVERLAP_MINUTES} minutes`, 'overlapMinutes')] };
    }
    const published: EventEnvelope[] = [];
    const payload = await inTenantTx(this.orm, { tenantId: auth.tenantId }, async (em): Promise<ApiKeyPayload> => {
      const [old] = await em.execute<Row[]>(`select ${COLUMNS} from api_keys k where k.id = ? for update`, [input.id]);
      if (!old) throw new NotFoundError('API key not found');
      const refused = { REVOKED: 'KEY_REVOKED', EXPIRED: 'KEY_EXPIRED', ROTATING: 'ALREADY_ROTATED', ROTATED: 'ALREADY_ROTATED' } as const;
      if (old.status !== 'ACTIVE') {
        const code = refused[old.status];
        return { apiKey: null, secret: null, userErrors: [userError(code, `This key cannot be rotated (${old.status.toLowerCase()})`, 'id')] };
      }
      const created = await this.insertKey(em, auth.tenantId, {
        name: old.name, scopes: old.scopes, plan: old.plan, expiresAt: old.expires_at, createdBy: auth.userId, rotatedFrom: old.id,
      });
      const [ends] = await em.execute<{ overlap_ends_at: string }[]>(
        `update api_keys set successor_id = ?, overlap_ends_at = date_trunc('milliseconds', clock_timestamp()) + make_interval(mins => ?) where id = ?
         returning ${iso('overlap_ends_at')} as overlap_ends_at`,
        [created.id, overlap, old.id],
      );
      published.push(await this.outbox.publish(em, 'identity.api_key.rotated', { apiKeyId: old.id, successorId: created.id, overlapEndsAt: ends!.overlap_ends_at }, this.meta(caller, auth.tenantId)));
      return { apiKey: (await this.reload(em, created.id))!, secret: created.key, previous: await this.reload(em, old.id), userErrors: [] };
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
      const [row] = await em.execute<{ id: string; prefix: string; revoked: boolean }[]>('select id, prefix, revoked_at is not null as revoked from api_keys where id = ? for update', [id]);
      if (!row) throw new NotFoundError('API key not found');
      if (!row.revoked) {
        await em.execute(`update api_keys set revoked_at = date_trunc('milliseconds', clock_timestamp()) where id = ?`, [id]);
        published.push(await this.outbox.publish(em, 'identity.api_key.revoked', { apiKeyId: id, prefix: row.prefix }, this.meta(caller, auth.tenantId)));
      }
      return (await this.reload(em, id))!;
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
      const [registered] = await em.execute<{ tenant_id: string }[]>('select tenant_id from api_key_prefixes where prefix = ?', [prefix]);
      await em.execute(`select set_config('app.tenant_id', ?, true)`, [registered?.tenant_id ?? '']);
      const [row] = await em.execute<{
        id: string; tenant_id: string; secret_hash: string; scopes: string[]; plan: ApiKeyPlan; rpm: number;
        expires_at: string | null; overlap_ends_at: string | null; revoked: boolean; touch: boolean;
      }[]>(
        `select id, tenant_id, secret_hash, scopes, plan, rpm, ${iso('expires_at')} as expires_at, ${iso('overlap_ends_at')} as overlap_ends_at,
                revoked_at is not null as revoked, (last_used_at is null or last_used_at < now() - interval '1 minute') as touch
           from api_keys where prefix = ?`,
        [prefix],
      );
      const matches = sameHash(row?.secret_hash ?? DUMMY_HASH, presentedHash);
      if (!row || !parsed || !matches || row.revoked) return null;
      const ttl = tokenTtlSeconds(Date.now(), [row.expires_at, row.overlap_ends_at]);
      if (ttl < 1) return null;
      // At most one write per key per minute, however many exchanges (gateway replicas, restarts).
      if (row.touch) await em.execute(`update api_keys set last_used_at = date_trunc('milliseconds', clock_timestamp()) where id = ?`, [row.id]);
      const claims: AccessClaims & { kid_type: 'api_key'; plan: ApiKeyPlan; rpm: number } = {
        sub: `apikey:${row.id}`, tid: row.tenant_id, roles: [], scope: row.scopes.join(' '), kid_type: 'api_key', plan: row.plan, rpm: row.rpm,
      };
      const accessToken = await signToken(this.options.signingKey, claims, { issuer: this.options.issuer, audience: this.options.audience, ttlSeconds: ttl });
      const exp = JSON.parse(Buffer.from(accessToken.split('.')[1]!, 'base64url').toString('utf8')).exp as number;
      return { accessToken, expiresAt: new Date(exp * 1000).toISOString(), apiKeyId: row.id, tenantId: row.tenant_id, scopes: row.scopes, plan: row.plan, rpm: row.rpm };
    });
  }

  private async insertKey(em: Em, tenantId: string, k: { name: string; scopes: string[]; plan: ApiKeyPlan; expiresAt: string | null; createdBy: string | null; rotatedFrom: string | null }) {
    const id = crypto.randomUUID();
    const { prefix, secret, key } = newKey();
    await em.execute('insert into api_key_prefixes (prefix, tenant_id) values (?, ?)', [prefix, tenantId]);
    await em.execute(
      `insert into api_keys (id, tenant_id, name, prefix, secret_hash, scopes, plan, rpm, created_by, expires_at, rotated_from)
       values (?, ?, ?, ?, ?, ${TEXT_ARRAY_PARAM}, ?, ?, ?, ?::timestamptz, ?)`,
      [id, tenantId, k.name, prefix, hashSecret(secret), jsonParam(k.scopes), k.plan, PLAN_RPM[k.plan], isUuid(k.createdBy) ? k.createdBy : null, k.expiresAt, k.rotatedFrom],
    );
    return { id, key, prefix };
  }

  private async reload(em: Em, id: string): Promise<ApiKey | null> {
    const rows = await em.execute<Row[]>(`select ${COLUMNS} from api_keys k where k.id = ?`, [id]);
    return rows[0] ? toApiKey(rows[0]) : null;
  }

  private meta(caller: Caller, tenantId: string) {
    return { tenantId, actor: actorOf(caller), requestId: caller.requestId };
  }
}
