/**
 * Lending's directory of tenants: a projection of identity's registry, fed by
 * identity.tenant.created / identity.tenant.updated (lending never reads identity's tables).
 * Used by public operations (the simulator) to turn a tenant slug into a tenant id, and by the
 * daily delinquency timer to know which tenants exist.
 *
 * Identity's events carry id, slug, status and hostnames, so a public caller (the white-label
 * portal) names its tenant by slug or by the host it is served on.
 */
import { inPlatformTx, type Em, type Orm } from '@imagy/platform/db';
import type { EventEnvelope, EventHandler } from '@imagy/platform/events';

export interface DirectoryTenant { id: string; slug: string; status: string }

export class TenantDirectory {
  constructor(private readonly orm: Orm) {}

  async bySlug(slug: string): Promise<DirectoryTenant | null> {
    if (typeof slug !== 'string' || !/^[a-z0-9-]{1,40}$/i.test(slug.trim())) return null;
    const rows = await inPlatformTx(this.orm, (em) => em.execute<DirectoryTenant[]>('select id, slug, status from tenants where slug = ?', [slug.trim().toLowerCase()]));
    return rows[0] ?? null;
  }

  async byHost(host: string): Promise<DirectoryTenant | null> {
    const clean = typeof host === 'string' ? host.trim().toLowerCase().replace(/:\d+$/, '') : '';
    if (!/^[a-z0-9.-]{1,253}$/.test(clean)) return null;
    const rows = await inPlatformTx(this.orm, (em) => em.execute<DirectoryTenant[]>('select id, slug, status from tenants where hostnames @> array[?]::text[]', [clean]));
    return rows[0] ?? null;
  }

  /** An explicit slug wins; otherwise the host. */
  async resolve(ref: { tenantSlug?: string | null; host?: string | null }): Promise<DirectoryTenant | null> {
    if (ref.tenantSlug) return this.bySlug(ref.tenantSlug);
    if (ref.host) return this.byHost(ref.host);
    return null;
  }

  async active(): Promise<DirectoryTenant[]> {
    return inPlatformTx(this.orm, (em) => em.execute<DirectoryTenant[]>(`select id, slug, status from tenants where status = 'ACTIVE' order by slug`));
  }

  /** Upsert from an identity event; an older event never overwrites a newer one's status. */
  async apply(em: Em, e: EventEnvelope): Promise<void> {
    const data = e.data as { tenantId: string; slug: string; status?: string; hostnames?: string[] };
    const hostnames = Array.isArray(data.hostnames) ? data.hostnames.filter((h) => typeof h === 'string').map((h) => h.toLowerCase()) : null;
    await em.execute(
      `insert into tenants (id, slug, status, hostnames, updated_at) values (?, ?, ?, array(select jsonb_array_elements_text(coalesce(?::jsonb, '[]'::jsonb))), ?::timestamptz)
       on conflict (id) do update set slug = excluded.slug,
         status = case when ? then excluded.status else tenants.status end,
         hostnames = case when ? then excluded.hostnames else tenants.hostnames end,
         updated_at = greatest(tenants.updated_at, excluded.updated_at)
       where tenants.updated_at <= excluded.updated_at`,
      [data.tenantId, data.slug, data.status ?? 'ACTIVE', hostnames ? JSON.stringify(hostnames) : null, e.occurredAt, data.status !== undefined, hostnames !== null],
    );
  }
}

/** Handler of the `lending-tenants` consumer (identity.tenant.*). */
export function onTenantEvent(directory: TenantDirectory): EventHandler {
  return async (em, envelope) => {
    if (envelope.subject === 'identity.tenant.created' || envelope.subject === 'identity.tenant.updated') await directory.apply(em, envelope);
  };
}
