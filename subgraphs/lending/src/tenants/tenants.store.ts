/**
 * SQL of lending's tenant directory (`tenants`, no RLS: see the Init migration). Hand-written because
 * the upsert is one conditional statement (an older event never overwrites a newer one), which the
 * unit of work cannot express without a read-then-write race between two consumer replicas.
 */
import type { Em } from '@imagy/platform/db';

/** `timezone`: IANA zone of the tenant's business date (null: not learnt yet, DEFAULT_TIME_ZONE applies). */
export interface DirectoryTenant { id: string; slug: string; status: string; timezone: string | null }

export async function tenantBySlug(em: Em, slug: string): Promise<DirectoryTenant | null> {
  const rows = await em.execute<DirectoryTenant[]>('select id, slug, status, timezone from tenants where slug = ?', [slug]);
  return rows[0] ?? null;
}

export async function tenantByHost(em: Em, host: string): Promise<DirectoryTenant | null> {
  const rows = await em.execute<DirectoryTenant[]>('select id, slug, status, timezone from tenants where hostnames @> array[?]::text[]', [host]);
  return rows[0] ?? null;
}

export async function activeTenants(em: Em): Promise<DirectoryTenant[]> {
  return em.execute<DirectoryTenant[]>(`select id, slug, status, timezone from tenants where status = 'ACTIVE' order by slug`);
}

/**
 * Inserts or updates one tenant as of `occurredAt`. `status` / `hostnames` null keep the stored
 * value (an event that does not carry them).
 */
export async function upsertTenant(em: Em, t: { id: string; slug: string; status: string | null; hostnames: string[] | null; timezone: string | null; occurredAt: string }): Promise<void> {
  await em.execute(
    `insert into tenants (id, slug, status, hostnames, timezone, updated_at) values (?, ?, ?, array(select jsonb_array_elements_text(coalesce(?::jsonb, '[]'::jsonb))), ?, ?::timestamptz)
     on conflict (id) do update set slug = excluded.slug,
       status = case when ? then excluded.status else tenants.status end,
       hostnames = case when ? then excluded.hostnames else tenants.hostnames end,
       timezone = coalesce(excluded.timezone, tenants.timezone),
       updated_at = greatest(tenants.updated_at, excluded.updated_at)
     where tenants.updated_at <= excluded.updated_at`,
    [t.id, t.slug, t.status ?? 'ACTIVE', t.hostnames ? JSON.stringify(t.hostnames) : null, t.timezone, t.occurredAt, t.status !== null, t.hostnames !== null],
  );
}

/** The tenant's time zone (null when unknown or not learnt yet). Readable in any transaction: the directory has no RLS. */
export async function tenantTimezone(em: Em, tenantId: string): Promise<string | null> {
  const rows = await em.execute<{ timezone: string | null }[]>('select timezone from tenants where id = ?', [tenantId]);
  return rows[0]?.timezone ?? null;
}
