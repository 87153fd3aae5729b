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
import { NotFoundError, pageSize, requireRole, toConnection, type Connection } from '@imagy/platform/server';
import { actorOf, type Caller } from '@imagy/platform/server';
import { keysetAfter } from '../common/keyset';
import { isSafeText } from '../common/text';
import type { CreateTenantInput, UpdateTenantInput } from '../__generated__/graphql';
import { payload, reject, userError, type Payload, type UserError } from '../common/user-error';
import { isCurrency, isTimeZone, LOCALES, MAX_HOSTNAMES, MAX_NAME_LENGTH, normaliseHostname, normaliseSlug, SLUG, type Locale } from './tenants.rules';
import { tenantsStore, type Tenant, type TenantChanges, type TenantStatus } from './tenants.store';

export type { Tenant, TenantStatus } from './tenants.store';

export type TenantPayload = Payload<{ tenant: Tenant | null }>;

const PLATFORM_READERS = [ROLES.platformAdmin, ROLES.platformAuditor];

/** Whether the caller may read the tenant's private fields (hostnames, timezone, createdAt). */
export function canSeeTenantPrivate(auth: AuthContext, tenantId: string): boolean {
  return auth.kind !== 'anonymous' && (auth.tenantId === tenantId || hasRole(auth, ...PLATFORM_READERS));
}

export class TenantsService {
  constructor(private readonly orm: Orm, private readonly outbox: Outbox) {}

  /** DataLoader batch: a constant number of statements for any number of ids; unknown ids give null. */
  async byIds(ids: readonly string[]): Promise<(Tenant | null)[]> {
    const valid = [...new Set(ids.filter(isUuid))];
    if (valid.length === 0) return ids.map(() => null);
    const found = await inPlatformTx(this.orm, (em) => tenantsStore.byIds(em, valid));
    const byId = new Map(found.map((t) => [t.id, t]));
    return ids.map((id) => byId.get(id) ?? null);
  }

  /**
   * The tenant of a slug as typed at login (trimmed, case-insensitive), in the caller's
   * transaction. Text that cannot be a slug finds nothing without a query (NUL, for one, would
   * make PostgreSQL fail the statement).
   */
  async bySlug(em: Em, slug: string): Promise<Tenant | null> {
    const normalised = normaliseSlug(slug);
    return normalised ? tenantsStore.bySlug(em, normalised) : null;
  }

  /** Public: the tenant answering on `host`. Callers decide which fields to show. */
  async byHost(host: string): Promise<Tenant | null> {
    const hostname = normaliseHostname(host);
    if (!hostname) return null;
    return inPlatformTx(this.orm, (em) => tenantsStore.byHostname(em, hostname));
  }

  /** Rule for `tenant(id)` and entity references: platform roles any tenant, others only their own. */
  canRead(auth: AuthContext, tenantId: string): boolean {
    return canSeeTenantPrivate(auth, tenantId);
  }

  async list(auth: AuthContext, first: number | null | undefined, after: string | null | undefined): Promise<Connection<Tenant>> {
    requireRole(auth, ...PLATFORM_READERS);
    const limit = pageSize(first);
    const position = keysetAfter(after);
    const rows = await inPlatformTx(this.orm, (em) => tenantsStore.page(em, position, limit + 1));
    return toConnection(rows, limit, (t) => [t.createdAt, t.id]);
  }

  async create(caller: Caller, input: CreateTenantInput): Promise<TenantPayload> {
    requireRole(caller.auth, ROLES.platformAdmin);
    const errors: UserError[] = [];
    const slug = input.slug.trim().toLowerCase();
    if (!SLUG.test(slug)) errors.push(userError('INVALID_SLUG', { field: 'slug' }));
    const name = input.name.trim();
    if (name.length < 1 || name.length > MAX_NAME_LENGTH || !isSafeText(name)) errors.push(invalidName());
    const hostnames = this.checkHostnames(input.hostnames ?? [], errors);
    const defaultLocale = input.defaultLocale ?? 'es';
    if (!LOCALES.includes(defaultLocale)) errors.push(userError('INVALID_LOCALE', { field: 'defaultLocale' }));
    const currency = (input.currency ?? 'MXN').trim().toUpperCase();
    if (!isCurrency(currency)) errors.push(userError('INVALID_CURRENCY', { field: 'currency' }));
    const timezone = (input.timezone ?? 'America/Mexico_City').trim();
    if (!isTimeZone(timezone)) errors.push(userError('INVALID_TIMEZONE', { field: 'timezone' }));
    if (errors.length) return { tenant: null, userErrors: errors };

    const id = crypto.randomUUID();
    return this.guarded(async (em) => {
      if (await tenantsStore.slugTaken(em, slug)) reject('SLUG_TAKEN', { field: 'slug', params: { slug } });
      const taken = await tenantsStore.firstTakenHostname(em, hostnames, null);
      if (taken) reject('HOSTNAME_TAKEN', { field: 'hostnames', params: { hostname: taken } });
      const tenant = await tenantsStore.insert(em, { id, slug, name, defaultLocale, currency, timezone, hostnames });
      await this.outbox.publish(em, 'identity.tenant.created', { tenantId: id, slug, name, hostnames: tenant.hostnames, status: tenant.status, timezone: tenant.timezone }, { tenantId: id, actor: actorOf(caller), requestId: caller.requestId });
      return tenant;
    });
  }

  async update(caller: Caller, input: UpdateTenantInput): Promise<TenantPayload> {
    requireRole(caller.auth, ROLES.platformAdmin);
    if (!isUuid(input.id)) throw new NotFoundError('Tenant not found');
    const errors: UserError[] = [];
    const next: TenantChanges = {};
    // In the order the fields are checked: the event lists them so.
    const changes: string[] = [];

    if (input.name != null) {
      const name = input.name.trim();
      if (name.length < 1 || name.length > MAX_NAME_LENGTH || !isSafeText(name)) errors.push(invalidName());
      else { next.name = name; changes.push('name'); }
    }
    if (input.defaultLocale != null) {
      if (!LOCALES.includes(input.defaultLocale)) errors.push(userError('INVALID_LOCALE', { field: 'defaultLocale' }));
      else { next.defaultLocale = input.defaultLocale; changes.push('defaultLocale'); }
    }
    if (input.currency != null) {
      const currency = input.currency.trim().toUpperCase();
      if (!isCurrency(currency)) errors.push(userError('INVALID_CURRENCY', { field: 'currency' }));
      else { next.currency = currency; changes.push('currency'); }
    }
    if (input.timezone != null) {
      const timezone = input.timezone.trim();
      if (!isTimeZone(timezone)) errors.push(userError('INVALID_TIMEZONE', { field: 'timezone' }));
      else { next.timezone = timezone; changes.push('timezone'); }
    }
    if (input.status != null) {
      if (input.status !== 'ACTIVE' && input.status !== 'SUSPENDED') errors.push(userError('INVALID_STATUS', { field: 'status' }));
      else { next.status = input.status; changes.push('status'); }
    }
    const hostnames = input.hostnames != null ? this.checkHostnames(input.hostnames, errors) : null;
    if (hostnames) changes.push('hostnames');
    if (errors.length) return { tenant: null, userErrors: errors };

    return this.guarded(async (em) => {
      const record = await tenantsStore.lock(em, input.id);
      if (!record) throw new NotFoundError('Tenant not found');
      if (hostnames) {
        const taken = await tenantsStore.firstTakenHostname(em, hostnames, record.id);
        if (taken) reject('HOSTNAME_TAKEN', { field: 'hostnames', params: { hostname: taken } });
      }
      const tenant = await tenantsStore.update(em, record, next, hostnames);
      if (changes.length) {
        await this.outbox.publish(em, 'identity.tenant.updated', { tenantId: tenant.id, slug: tenant.slug, changes, status: tenant.status, hostnames: tenant.hostnames, timezone: tenant.timezone }, { tenantId: tenant.id, actor: actorOf(caller), requestId: caller.requestId });
      }
      return tenant;
    });
  }

  /** Registry upsert used by the seed: creates the tenant if its slug is free, never changes an existing one. */
  async ensure(em: Em, spec: { slug: string; name: string; hostnames: string[]; defaultLocale: Locale; currency: string; timezone: string }): Promise<{ tenant: Tenant; created: boolean }> {
    const created = await tenantsStore.insertIfAbsent(em, { id: crypto.randomUUID(), ...spec });
    return { tenant: (await tenantsStore.bySlug(em, spec.slug))!, created };
  }

  private checkHostnames(raw: string[], errors: UserError[]): string[] {
    const out = new Set<string>();
    let valid = true;
    for (const h of raw) {
      const n = normaliseHostname(h);
      if (!n) valid = false;
      else out.add(n);
    }
    if (!valid || out.size > MAX_HOSTNAMES) errors.push(userError('INVALID_HOSTNAME', { field: 'hostnames', params: { max: MAX_HOSTNAMES } }));
    return [...out];
  }

  /** Runs a registry write; a Rejected (or a unique race) rolls everything back and becomes userErrors. */
  private guarded(work: (em: Em) => Promise<Tenant>): Promise<TenantPayload> {
    // A slug or hostname taken by a concurrent write after the checks: its unique index says so.
    return payload(async () => ({ tenant: await inPlatformTx(this.orm, work) }), { tenant: null }, { onUniqueViolation: () => userError('CONFLICT') });
  }
}

const invalidName = () => userError('INVALID_NAME', { field: 'name', params: { max: MAX_NAME_LENGTH } });
