/**
 * Lending's directory of tenants: a projection of identity's registry, fed by
 * identity.tenant.created / identity.tenant.updated (lending never reads identity's tables).
 * Used by public operations (the simulator) to turn a tenant slug into a tenant id, and by the
 * daily delinquency timer to know which tenants exist.
 *
 * Identity's events carry id, slug and status but not hostnames, so resolving a tenant by host is
 * left to the client: it asks identity's public `tenantByHost` and passes the slug here.
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

  async active(): Promise<DirectoryTenant[]> {
    return inPlatformTx(this.orm, (em) => em.execute<DirectoryTenant[]>(`select id, slug, status from tenants where status = 'ACTIVE' order by slug`));
  }

  /** Upsert from an identity event; an older event never overwrites a newer one's status. */
  async apply(em: Em, e: EventEnvelope): Promise<void> {
    const data = e.data as { tenantId: string; slug: string; status?: string };
    await em.execute(
      `insert into tenants (id, slug, status, updated_at) values (?, ?, ?, ?::timestamptz)
       on conflict (id) do update set slug = excluded.slug,
         status = case when ? then excluded.status else tenants.status end,
         updated_at = greatest(tenants.updated_at, excluded.updated_at)
       where tenants.updated_at <= excluded.updated_at`,
      [data.tenantId, data.slug, data.status ?? 'ACTIVE', e.occurredAt, data.status !== undefined],
    );
  }
}

/** Handler of the `lending-tenants` consumer (identity.tenant.*). */
export function onTenantEvent(directory: TenantDirectory): EventHandler {
  return async (em, envelope) => {
    if (envelope.subject === 'identity.tenant.created' || envelope.subject === 'identity.tenant.updated') await directory.apply(em, envelope);
  };
}
