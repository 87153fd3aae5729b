/**
 * Persistence of the tenant registry: MikroORM entities and the unit of work for `tenants` and
 * `tenant_hostnames` (CRUD-shaped: one row per tenant, one row per hostname), and one SQL statement
 * for the seed's insert-if-absent, which must stay atomic when two replicas start together.
 *
 * Every function takes the entity manager of the caller's transaction (`inPlatformTx`), so reads
 * and flushes run in it; these tables have no RLS (docs/adr/0003), access is checked in the service.
 */
import { defineEntity, LockMode, type InferEntity } from '@mikro-orm/core';
import type { Em } from '@imagy/platform/db';
import { afterKey } from '../common/keyset';
import type { Locale } from './tenants.rules';

export type TenantStatus = 'ACTIVE' | 'SUSPENDED';

/** The service's view of a tenant (what resolvers and events see). */
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

const p = defineEntity.properties;
const NOW_MS = `date_trunc('milliseconds', clock_timestamp())`;

export const TenantEntity = defineEntity({
  name: 'TenantEntity',
  tableName: 'tenants',
  properties: {
    id: p.uuid().primary(),
    slug: p.text(),
    name: p.text(),
    status: p.text().$type<TenantStatus>(),
    defaultLocale: p.text().$type<Locale>(),
    currency: p.text(),
    timezone: p.text(),
    createdAt: p.datetime().defaultRaw(NOW_MS),
    updatedAt: p.datetime().defaultRaw(NOW_MS),
  },
});

/** One row per hostname: its primary key makes a hostname belong to at most one tenant. */
export const TenantHostnameEntity = defineEntity({
  name: 'TenantHostnameEntity',
  tableName: 'tenant_hostnames',
  properties: {
    hostname: p.text().primary(),
    // A relation (not a bare uuid) so the unit of work inserts a new tenant before its hostnames.
    tenant: p.manyToOne(TenantEntity).fieldName('tenant_id'),
  },
});

export type TenantRecord = InferEntity<typeof TenantEntity>;

const toTenant = (t: TenantRecord, hostnames: string[]): Tenant => ({
  id: t.id, slug: t.slug, name: t.name, status: t.status, defaultLocale: t.defaultLocale, currency: t.currency.trim(), timezone: t.timezone,
  createdAt: t.createdAt.toISOString(), hostnames: [...hostnames].sort(),
});

/** Hostnames of each tenant id, in one statement. */
async function hostnamesOf(em: Em, ids: string[]): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>(ids.map((id) => [id, []]));
  if (ids.length === 0) return out;
  for (const h of await em.find(TenantHostnameEntity, { tenant: { $in: ids } })) out.get(h.tenant.id)?.push(h.hostname);
  return out;
}

async function withHostnames(em: Em, records: TenantRecord[]): Promise<Tenant[]> {
  const hostnames = await hostnamesOf(em, records.map((t) => t.id));
  return records.map((t) => toTenant(t, hostnames.get(t.id) ?? []));
}

export interface TenantChanges {
  name?: string;
  defaultLocale?: Locale;
  currency?: string;
  timezone?: string;
  status?: TenantStatus;
}

export const tenantsStore = {
  /** Tenants by id (unknown ids are simply missing): two statements for any number of ids. */
  async byIds(em: Em, ids: string[]): Promise<Tenant[]> {
    if (ids.length === 0) return [];
    return withHostnames(em, await em.find(TenantEntity, { id: { $in: ids } }));
  },

  async bySlug(em: Em, slug: string): Promise<Tenant | null> {
    const t = await em.findOne(TenantEntity, { slug });
    return t ? (await withHostnames(em, [t]))[0]! : null;
  },

  async byHostname(em: Em, hostname: string): Promise<Tenant | null> {
    const h = await em.findOne(TenantHostnameEntity, { hostname });
    return h ? (await tenantsStore.byIds(em, [h.tenant.id]))[0] ?? null : null;
  },

  /** Oldest first, keyset on (created_at, id): `limit` rows after the cursor. */
  async page(em: Em, after: { createdAt: Date; id: string } | null, limit: number): Promise<Tenant[]> {
    return withHostnames(em, await em.find(TenantEntity, afterKey(after), { orderBy: { createdAt: 'asc', id: 'asc' }, limit }));
  },

  async slugTaken(em: Em, slug: string): Promise<boolean> {
    return (await em.count(TenantEntity, { slug })) > 0;
  },

  /** The first of `hostnames` (in the given order) that belongs to a tenant other than `tenantId`. */
  async firstTakenHostname(em: Em, hostnames: string[], tenantId: string | null): Promise<string | null> {
    if (hostnames.length === 0) return null;
    const taken = new Set((await em.find(TenantHostnameEntity, { hostname: { $in: hostnames } })).filter((h) => h.tenant.id !== tenantId).map((h) => h.hostname));
    return hostnames.find((h) => taken.has(h)) ?? null;
  },

  /** Inserts a tenant and its hostnames (flushed, so a unique violation surfaces here). */
  async insert(em: Em, t: { id: string; slug: string; name: string; defaultLocale: Locale; currency: string; timezone: string; hostnames: string[] }): Promise<Tenant> {
    const record = em.create(TenantEntity, { id: t.id, slug: t.slug, name: t.name, status: 'ACTIVE', defaultLocale: t.defaultLocale, currency: t.currency, timezone: t.timezone });
    for (const hostname of t.hostnames) em.create(TenantHostnameEntity, { hostname, tenant: record });
    await em.flush();
    return toTenant(record, t.hostnames);
  },

  /** The tenant row locked for update (concurrent updates of one tenant queue), or null. */
  async lock(em: Em, id: string): Promise<TenantRecord | null> {
    return em.findOne(TenantEntity, { id }, { lockMode: LockMode.PESSIMISTIC_WRITE });
  },

  /** Applies the changes and replaces the hostnames (when given) of a locked tenant, then flushes. */
  async update(em: Em, record: TenantRecord, changes: TenantChanges, hostnames: string[] | null): Promise<Tenant> {
    const fields = Object.entries(changes).filter(([, v]) => v !== undefined);
    if (fields.length > 0) {
      em.assign(record, Object.fromEntries(fields));
      record.updatedAt = new Date();
    }
    const current = (await hostnamesOf(em, [record.id])).get(record.id) ?? [];
    let next = current;
    if (hostnames) {
      const wanted = new Set(hostnames);
      for (const h of await em.find(TenantHostnameEntity, { tenant: record.id })) if (!wanted.has(h.hostname)) em.remove(h);
      for (const h of hostnames) if (!current.includes(h)) em.create(TenantHostnameEntity, { hostname: h, tenant: record });
      next = hostnames;
    }
    await em.flush();
    return toTenant(record, next);
  },

  /**
   * Seed: inserts the tenant if its slug is free, atomically (two replicas may seed at once), and
   * never changes an existing one. Returns whether it was created.
   */
  async insertIfAbsent(em: Em, t: { id: string; slug: string; name: string; defaultLocale: Locale; currency: string; timezone: string; hostnames: string[] }): Promise<boolean> {
    const inserted = await em.execute<{ id: string }[]>(
      `insert into tenants (id, slug, name, default_locale, currency, timezone) values (?, ?, ?, ?, ?, ?) on conflict (slug) do nothing returning id`,
      [t.id, t.slug, t.name, t.defaultLocale, t.currency, t.timezone],
    );
    if (inserted.length === 0) return false;
    for (const h of t.hostnames) await em.execute('insert into tenant_hostnames (hostname, tenant_id) values (?, ?) on conflict do nothing', [h, t.id]);
    return true;
  },
};
