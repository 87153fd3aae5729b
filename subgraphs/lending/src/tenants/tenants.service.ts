/**
 * Lending's directory of tenants: a projection of identity's registry, fed by
 * identity.tenant.created / identity.tenant.updated (src/events/on-tenant-event.ts; lending never
 * reads identity's tables). Used by public operations (the simulator) to turn a tenant slug or the
 * host the white-label portal is served on into a tenant id, and by the daily delinquency timer to
 * know which tenants exist.
 */
import { inPlatformTx, type Em, type Orm } from '@imagy/platform/db';
import type { EventEnvelope } from '@imagy/platform/events';
import { dateInZone, systemClock, type Clock } from '../common/dates';
import * as store from './tenants.store';

export type { DirectoryTenant } from './tenants.store';

export class TenantDirectory {
  constructor(private readonly orm: Orm, private readonly clock: Clock = systemClock) {}

  /** The current instant (the injected clock). */
  now(): Date {
    return this.clock();
  }

  /** The business date of a tenant: today in its time zone (America/Mexico_City until identity tells its zone). */
  async today(tenantId: string): Promise<string> {
    const zone = await inPlatformTx(this.orm, (em) => store.tenantTimezone(em, tenantId));
    return dateInZone(zone, this.clock());
  }

  /** Same as today(), inside a transaction the caller already has. */
  async todayIn(em: Em, tenantId: string): Promise<string> {
    return dateInZone(await store.tenantTimezone(em, tenantId), this.clock());
  }

  /** Business date of a directory entry already read. */
  todayOf(tenant: { timezone: string | null }): string {
    return dateInZone(tenant.timezone, this.clock());
  }

  async bySlug(slug: string): Promise<store.DirectoryTenant | null> {
    if (typeof slug !== 'string' || !/^[a-z0-9-]{1,40}$/i.test(slug.trim())) return null;
    return inPlatformTx(this.orm, (em) => store.tenantBySlug(em, slug.trim().toLowerCase()));
  }

  async byHost(host: string): Promise<store.DirectoryTenant | null> {
    const clean = typeof host === 'string' ? host.trim().toLowerCase().replace(/:\d+$/, '') : '';
    if (!/^[a-z0-9.-]{1,253}$/.test(clean)) return null;
    return inPlatformTx(this.orm, (em) => store.tenantByHost(em, clean));
  }

  /** An explicit slug wins; otherwise the host. */
  async resolve(ref: { tenantSlug?: string | null; host?: string | null }): Promise<store.DirectoryTenant | null> {
    if (ref.tenantSlug) return this.bySlug(ref.tenantSlug);
    if (ref.host) return this.byHost(ref.host);
    return null;
  }

  async active(): Promise<store.DirectoryTenant[]> {
    return inPlatformTx(this.orm, (em) => store.activeTenants(em));
  }

  /** Upsert from an identity event; an older event never overwrites a newer one's status. */
  async apply(em: Em, e: EventEnvelope<'identity.tenant.created'> | EventEnvelope<'identity.tenant.updated'>): Promise<void> {
    const data = e.data;
    const hostnames = Array.isArray(data.hostnames) ? data.hostnames.filter((h): h is string => typeof h === 'string').map((h) => h.toLowerCase()) : null;
    const timezone = typeof data.timezone === 'string' && isTimeZone(data.timezone) ? data.timezone : null;
    await store.upsertTenant(em, { id: data.tenantId, slug: data.slug, status: typeof data.status === 'string' ? data.status : null, hostnames, timezone, occurredAt: e.occurredAt });
  }
}

/** An IANA zone the runtime knows (identity validates it too; an unknown one is ignored, not stored). */
function isTimeZone(zone: string): boolean {
  if (zone.length > 64) return false;
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}
