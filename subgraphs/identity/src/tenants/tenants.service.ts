/**
 * The tenant registry: platform admins create, edit, suspend and reactivate tenants; everyone can
 * resolve the public face of a tenant by hostname.
 *
 * `tenants` has no RLS (see the migration): these functions are the access control, so every
 * read that is not public checks the caller here.
 */
import crypto from 'node:crypto';
import { hasRole, ROLES, type AuthContext } from '@imagy/platform/auth';
import { inPlatformTx, isUuid, type Em, type Orm } from '@imagy/platform/db';
import type { Outbox } from '@imagy/platform/events';
import { BadInputError, decodeCursor, NotFoundError, pageSize, requireRole, toConnection, type Connection } from '@imagy/platform/server';
import { actorOf, type Caller } from '@imagy/platform/server';
import { iso, isUniqueViolation, jsonParam, UUID_ARRAY_PARAM } from '../common/sql';
import { isCurrency, isTimeZone, LOCALES, normaliseHostname, SLUG, userError, type Locale, type UserError } from '../common/validation';

export type TenantStatus = 'ACTIVE' | 'SUSPENDED';

export interface Tenant {
  id: string;
  slug: string;
  name: string;
  status: TenantStatus;
  hostnames: string[];
  defaultLocale: Locale;
  currency: string;
  timezone: string;
  createdAt: string;
}

export interface CreateTenantInput {
  slug: string;
  name: string;
  hostnames?: string[] | null;
  defaultLocale?: Locale | null;
  currency?: string | null;
  timezone?: string | null;
}

export interface UpdateTenantInput {
  id: string;
  name?: string | null;
  hostnames?: string[] | null;
  defaultLocale?: Locale | null;
  currency?: string | null;
  timezone?: string | null;
  status?: TenantStatus | null;
}

export interface TenantPayload {
  tenant: Tenant | null;
  userErrors: UserError[];
}

const PLATFORM_READERS = [ROLES.platformAdmin, ROLES.platformAuditor];

const SELECT = `select t.id, t.slug, t.name, t.status, t.default_locale, t.currency, t.timezone,
    ${iso('t.created_at')} as created_at,
    coalesce((select json_agg(h.hostname order by h.hostname) from tenant_hostnames h where h.tenant_id = t.id), '[]'::json) as hostnames
  from tenants t`;

interface TenantRow {
  id: string; slug: string; name: string; status: TenantStatus; default_locale: Locale; currency: string; timezone: string; created_at: string; hostnames: string[];
}

const toTenant = (r: TenantRow): Tenant => ({
  id: r.id, slug: r.slug, name: r.name, status: r.status, defaultLocale: r.default_locale, currency: r.currency.trim(), timezone: r.timezone, createdAt: r.created_at, hostnames: r.hostnames,
});

/** Thrown inside a transaction to roll it back and report expected failures instead. */
class Rejected extends Error {
  constructor(readonly userErrors: UserError[]) { super('rejected'); }
}

/** Whether the caller may read the tenant's private fields (hostnames, timezone, createdAt). */
export function canSeeTenantPrivate(auth: AuthContext, tenantId: string): boolean {
  return auth.kind !== 'anonymous' && (auth.tenantId === tenantId || hasRole(auth, ...PLATFORM_READERS));
}

export class TenantsService {
  constructor(private readonly orm: Orm, private readonly outbox: Outbox) {}

  /** One SQL statement for any number of ids (DataLoader batch); unknown ids give null. */
  async byIds(ids: readonly string[]): Promise<(Tenant | null)[]> {
    const valid = ids.filter(isUuid);
    if (valid.length === 0) return ids.map(() => null);
    const rows = await inPlatformTx(this.orm, (em) => em.execute<TenantRow[]>(`${SELECT} where t.id = any(${UUID_ARRAY_PARAM})`, [jsonParam(valid)]));
    const byId = new Map(rows.map((r) => [r.id, toTenant(r)]));
    return ids.map((id) => byId.get(id) ?? null);
  }

  async bySlug(em: Em, slug: string): Promise<Tenant | null> {
    const rows = await em.execute<TenantRow[]>(`${SELECT} where t.slug = ?`, [slug.trim().toLowerCase()]);
    return rows[0] ? toTenant(rows[0]) : null;
  }

  /** Public: the tenant answering on `host`. Callers decide which fields to show. */
  async byHost(host: string): Promise<Tenant | null> {
    const hostname = normaliseHostname(host);
    if (!hostname) return null;
    const rows = await inPlatformTx(this.orm, (em) => em.execute<TenantRow[]>(`${SELECT} join tenant_hostnames hh on hh.tenant_id = t.id where hh.hostname = ?`, [hostname]));
    return rows[0] ? toTenant(rows[0]) : null;
  }

  /** Rule for `tenant(id)` and entity references: platform roles any tenant, others only their own. */
  canRead(auth: AuthContext, tenantId: string): boolean {
    return canSeeTenantPrivate(auth, tenantId);
  }

  async list(auth: AuthContext, first: number | null | undefined, after: string | null | undefined): Promise<Connection<Tenant>> {
    requireRole(auth, ...PLATFORM_READERS);
    const limit = pageSize(first);
    const cursor = decodeCursor<[string, string]>(after);
    if (cursor && (!Array.isArray(cursor) || typeof cursor[0] !== 'string' || !isUuid(cursor[1]))) throw new BadInputError('Invalid cursor', 'after');
    const rows = await inPlatformTx(this.orm, (em) => cursor
      ? em.execute<TenantRow[]>(`${SELECT} where (t.created_at, t.id) > (?::timestamptz, ?::uuid) order by t.created_at, t.id limit ?`, [cursor[0], cursor[1], limit + 1])
      : em.execute<TenantRow[]>(`${SELECT} order by t.created_at, t.id limit ?`, [limit + 1]));
    return toConnection(rows.map(toTenant), limit, (t) => [t.createdAt, t.id]);
  }

  async create(caller: Caller, input: CreateTenantInput): Promise<TenantPayload> {
    requireRole(caller.auth, ROLES.platformAdmin);
    const errors: UserError[] = [];
    const slug = input.slug.trim().toLowerCase();
    if (!SLUG.test(slug)) errors.push(userError('INVALID_SLUG', 'The slug must be 2-40 lower-case letters, digits or dashes, not starting or ending with a dash', 'slug'));
    const name = input.name.trim();
    if (name.length < 1 || name.length > 200) errors.push(userError('INVALID_NAME', 'The name must have 1 to 200 characters', 'name'));
    const hostnames = this.checkHostnames(input.hostnames ?? [], errors);
    const defaultLocale = input.defaultLocale ?? 'es';
    if (!LOCALES.includes(defaultLocale)) errors.push(userError('INVALID_LOCALE', 'Unsupported locale', 'defaultLocale'));
    const currency = (input.currency ?? 'MXN').trim().toUpperCase();
    if (!isCurrency(currency)) errors.push(userError('INVALID_CURRENCY', `${currency} is not an ISO 4217 currency code`, 'currency'));
    const timezone = (input.timezone ?? 'America/Mexico_City').trim();
    if (!isTimeZone(timezone)) errors.push(userError('INVALID_TIMEZONE', `${timezone} is not an IANA time zone`, 'timezone'));
    if (errors.length) return { tenant: null, userErrors: errors };

    const id = crypto.randomUUID();
    return this.guarded(async (em) => {
      const inserted = await em.execute<{ id: string }[]>(
        `insert into tenants (id, slug, name, default_locale, currency, timezone) values (?, ?, ?, ?, ?, ?) on conflict (slug) do nothing returning id`,
        [id, slug, name, defaultLocale, currency, timezone],
      );
      if (inserted.length === 0) throw new Rejected([userError('SLUG_TAKEN', `The slug ${slug} is already in use`, 'slug')]);
      await this.insertHostnames(em, id, hostnames);
      const tenant = (await this.reload(em, id))!;
      await this.outbox.publish(em, 'identity.tenant.created', { tenantId: id, slug, name, hostnames: tenant.hostnames, status: tenant.status }, { tenantId: id, actor: actorOf(caller), requestId: caller.requestId });
      return tenant;
    });
  }

  async update(caller: Caller, input: UpdateTenantInput): Promise<TenantPayload> {
    requireRole(caller.auth, ROLES.platformAdmin);
    if (!isUuid(input.id)) throw new NotFoundError('Tenant not found');
    const errors: UserError[] = [];
    const sets: string[] = [];
    const params: unknown[] = [];
    const changes: string[] = [];
    const set = (column: string, field: string, value: unknown) => { sets.push(`${column} = ?`); params.push(value); changes.push(field); };

    if (input.name != null) {
      const name = input.name.trim();
      if (name.length < 1 || name.length > 200) errors.push(userError('INVALID_NAME', 'The name must have 1 to 200 characters', 'name'));
      else set('name', 'name', name);
    }
    if (input.defaultLocale != null) {
      if (!LOCALES.includes(input.defaultLocale)) errors.push(userError('INVALID_LOCALE', 'Unsupported locale', 'defaultLocale'));
      else set('default_locale', 'defaultLocale', input.defaultLocale);
    }
    if (input.currency != null) {
      const currency = input.currency.trim().toUpperCase();
      if (!isCurrency(currency)) errors.push(userError('INVALID_CURRENCY', `${currency} is not an ISO 4217 currency code`, 'currency'));
      else set('currency', 'currency', currency);
    }
    if (input.timezone != null) {
      const timezone = input.timezone.trim();
      if (!isTimeZone(timezone)) errors.push(userError('INVALID_TIMEZONE', `${timezone} is not an IANA time zone`, 'timezone'));
      else set('timezone', 'timezone', timezone);
    }
    if (input.status != null) {
      if (input.status !== 'ACTIVE' && input.status !== 'SUSPENDED') errors.push(userError('INVALID_STATUS', 'Unknown status', 'status'));
      else set('status', 'status', input.status);
    }
    const hostnames = input.hostnames != null ? this.checkHostnames(input.hostnames, errors) : null;
    if (hostnames) changes.push('hostnames');
    if (errors.length) return { tenant: null, userErrors: errors };

    return this.guarded(async (em) => {
      const current = await em.execute<{ id: string; status: TenantStatus }[]>('select id, status from tenants where id = ? for update', [input.id]);
      if (current.length === 0) throw new NotFoundError('Tenant not found');
      if (sets.length) await em.execute(`update tenants set ${sets.join(', ')}, updated_at = date_trunc('milliseconds', clock_timestamp()) where id = ?`, [...params, input.id]);
      if (hostnames) {
        await em.execute('delete from tenant_hostnames where tenant_id = ?', [input.id]);
        await this.insertHostnames(em, input.id, hostnames);
      }
      const tenant = (await this.reload(em, input.id))!;
      if (changes.length) {
        await this.outbox.publish(em, 'identity.tenant.updated', { tenantId: tenant.id, slug: tenant.slug, changes, status: tenant.status, hostnames: tenant.hostnames }, { tenantId: tenant.id, actor: actorOf(caller), requestId: caller.requestId });
      }
      return tenant;
    });
  }

  /** Registry upsert used by the seed: creates the tenant if its slug is free, never changes an existing one. */
  async ensure(em: Em, spec: { slug: string; name: string; hostnames: string[]; defaultLocale: Locale; currency: string; timezone: string }): Promise<{ tenant: Tenant; created: boolean }> {
    const id = crypto.randomUUID();
    const inserted = await em.execute<{ id: string }[]>(
      `insert into tenants (id, slug, name, default_locale, currency, timezone) values (?, ?, ?, ?, ?, ?) on conflict (slug) do nothing returning id`,
      [id, spec.slug, spec.name, spec.defaultLocale, spec.currency, spec.timezone],
    );
    if (inserted.length > 0) {
      for (const h of spec.hostnames) await em.execute('insert into tenant_hostnames (hostname, tenant_id) values (?, ?) on conflict do nothing', [h, id]);
    }
    return { tenant: (await this.bySlug(em, spec.slug))!, created: inserted.length > 0 };
  }

  private checkHostnames(raw: string[], errors: UserError[]): string[] {
    const out = new Set<string>();
    for (const h of raw) {
      const n = normaliseHostname(h);
      if (!n) errors.push(userError('INVALID_HOSTNAME', `${h} is not a valid hostname`, 'hostnames'));
      else out.add(n);
    }
    if (out.size > 20) errors.push(userError('INVALID_HOSTNAME', 'At most 20 hostnames per tenant', 'hostnames'));
    return [...out];
  }

  private async insertHostnames(em: Em, tenantId: string, hostnames: string[]): Promise<void> {
    for (const h of hostnames) {
      const rows = await em.execute<{ hostname: string }[]>('insert into tenant_hostnames (hostname, tenant_id) values (?, ?) on conflict do nothing returning hostname', [h, tenantId]);
      if (rows.length === 0) throw new Rejected([userError('HOSTNAME_TAKEN', `The hostname ${h} already belongs to a tenant`, 'hostnames')]);
    }
  }

  private async reload(em: Em, id: string): Promise<Tenant | null> {
    const rows = await em.execute<TenantRow[]>(`${SELECT} where t.id = ?`, [id]);
    return rows[0] ? toTenant(rows[0]) : null;
  }

  /** Runs a registry write; a Rejected (or a unique race) rolls everything back and becomes userErrors. */
  private async guarded(work: (em: Em) => Promise<Tenant>): Promise<TenantPayload> {
    try {
      return { tenant: await inPlatformTx(this.orm, work), userErrors: [] };
    } catch (e) {
      if (e instanceof Rejected) return { tenant: null, userErrors: e.userErrors };
      if (isUniqueViolation(e)) return { tenant: null, userErrors: [userError('CONFLICT', 'The slug or a hostname was taken meanwhile; try again', null)] };
      throw e;
    }
  }
}
