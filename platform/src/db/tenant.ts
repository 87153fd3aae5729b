/**
 * Tenant-scoped transactions: the only way request code touches tenant data.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Orm } from './orm';

export type Em = EntityManager;

export interface TenantScope {
  tenantId: string | null;
  /** Set only after the caller's platform role (e.g. auditor) was checked: read every tenant's rows. */
  allTenants?: boolean;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID.test(value);
}

/**
 * Runs `work` in a transaction whose first statement sets `app.tenant_id` (transaction-local, so a
 * pooled connection never leaks it to the next user). A missing tenant sets nothing, and RLS then
 * yields no rows.
 */
export async function inTenantTx<T>(orm: Orm, scope: TenantScope, work: (em: Em) => Promise<T>): Promise<T> {
  const em = orm.em.fork({ clear: true }) as Em;
  return em.transactional(async (tx) => {
    const tenant = scope.tenantId && isUuid(scope.tenantId) ? scope.tenantId : '';
    await tx.execute(`select set_config('app.tenant_id', ?, true), set_config('app.all_tenants', ?, true)`, [tenant, scope.allTenants ? 'on' : 'off']);
    return work(tx as Em);
  });
}

/** A transaction with no tenant at all: for platform tables (tenant registry, outbox relay). */
export async function inPlatformTx<T>(orm: Orm, work: (em: Em) => Promise<T>): Promise<T> {
  return inTenantTx(orm, { tenantId: null }, work);
}
