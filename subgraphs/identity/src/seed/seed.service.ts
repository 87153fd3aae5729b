/**
 * Idempotent demo seed: the `platform` tenant with a platform admin, and the `demo` tenant with a
 * tenant admin. Existing tenants and users are left exactly as they are (passwords included), so
 * running it at every start is safe.
 */
import { ROLES } from '@imagy/platform/auth';
import { inPlatformTx, inTenantTx, type Orm } from '@imagy/platform/db';
import type { Outbox, PublishMeta } from '@imagy/platform/events';
import { isProduction } from '@imagy/platform/config';
import { MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH, passwordProblem } from '../users/users.rules';
import { TenantsService } from '../tenants/tenants.service';
import { UsersService } from '../users/users.service';

/** Development-only password of the seeded admins (documented in the README; refused in production). */
export const DEFAULT_DEV_PASSWORD = 'Imagy-demo-2026!';

export interface SeedResult {
  platformTenantId: string;
  demoTenantId: string;
  platformAdmin: { id: string; email: string };
  demoAdmin: { id: string; email: string };
}

function passwordFromEnv(name: string): string {
  const value = process.env[name];
  if (value) {
    const weak = passwordProblem(value, name);
    if (weak) throw new Error(`${name}: the password must have at least ${MIN_PASSWORD_LENGTH} and at most ${MAX_PASSWORD_LENGTH} characters`);
    return value;
  }
  if (isProduction()) throw new Error(`Refusing to seed the default development password in production: set ${name}`);
  return DEFAULT_DEV_PASSWORD;
}

export async function seedDemo(orm: Orm, outbox: Outbox): Promise<SeedResult> {
  const tenants = new TenantsService(orm, outbox);
  const users = new UsersService(orm, outbox, tenants);
  const platformPassword = passwordFromEnv('PLATFORM_ADMIN_PASSWORD');
  const demoPassword = passwordFromEnv('DEMO_ADMIN_PASSWORD');
  const system = { kind: 'system' as const, userId: null };

  const seedTenant = async (spec: Parameters<TenantsService['ensure']>[1]) => inPlatformTx(orm, async (em) => {
    const { tenant, created } = await tenants.ensure(em, spec);
    if (created) await outbox.publish(em, 'identity.tenant.created', { tenantId: tenant.id, slug: tenant.slug, name: tenant.name, hostnames: tenant.hostnames, status: tenant.status, timezone: tenant.timezone }, { tenantId: tenant.id, actor: system });
    return tenant;
  });
  const seedUser = async (tenantId: string, spec: Parameters<UsersService['ensure']>[2]) => inTenantTx(orm, { tenantId }, async (em) => {
    const { user, created } = await users.ensure(em, tenantId, spec);
    const meta: PublishMeta = { tenantId, actor: system };
    if (created) await outbox.publish(em, 'identity.user.created', { userId: user.id, email: user.email, roles: user.roles }, meta);
    return user;
  });

  const platform = await seedTenant({ slug: 'platform', name: 'Imagy Platform', hostnames: ['platform.localhost'], defaultLocale: 'es', currency: 'MXN', timezone: 'America/Mexico_City' });
  const demo = await seedTenant({ slug: 'demo', name: 'Demo Financiera', hostnames: ['demo.localhost'], defaultLocale: 'es', currency: 'MXN', timezone: 'America/Mexico_City' });
  const platformAdmin = await seedUser(platform.id, { email: 'admin@platform.localhost', displayName: 'Platform Admin', roles: [ROLES.platformAdmin], password: platformPassword });
  const demoAdmin = await seedUser(demo.id, { email: 'admin@demo.localhost', displayName: 'Demo Admin', roles: [ROLES.tenantAdmin], password: demoPassword });
  return {
    platformTenantId: platform.id,
    demoTenantId: demo.id,
    platformAdmin: { id: platformAdmin.id, email: platformAdmin.email },
    demoAdmin: { id: demoAdmin.id, email: demoAdmin.email },
  };
}
