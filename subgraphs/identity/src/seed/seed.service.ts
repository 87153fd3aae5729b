/**
 * Idempotent demo seed: the `platform` tenant with a platform admin, and two lending tenants with
 * a tenant admin each and their portal branding: `demo` (demo.localhost) and `andes`
 * (andes.localhost). Existing tenants, users and saved brandings are left exactly as they are
 * (passwords included), so running it at every start is safe.
 */
import { ROLES } from '@imagy/platform/auth';
import { inPlatformTx, inTenantTx, type Orm } from '@imagy/platform/db';
import type { Outbox, PublishMeta } from '@imagy/platform/events';
import { isProduction } from '@imagy/platform/config';
import { MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH, passwordProblem } from '../users/users.rules';
import { BrandingService, type BrandingInput } from '../branding/branding.service';
import { TenantsService } from '../tenants/tenants.service';
import { UsersService } from '../users/users.service';

/** Development-only password of the seeded admins (documented in the README; refused in production). */
export const DEFAULT_DEV_PASSWORD = 'Imagy-demo-2026!';

export interface SeedResult {
  platformTenantId: string;
  demoTenantId: string;
  andesTenantId: string;
  platformAdmin: { id: string; email: string };
  demoAdmin: { id: string; email: string };
  andesAdmin: { id: string; email: string };
}

/** The demo tenants' portal looks (checked by the mutation's rules when seeded). */
export const DEMO_BRANDING: BrandingInput = {
  displayName: 'Demo Financiera',
  logoUrl: svgLogo('#1f4e79', '#f2a900', 'DF'),
  primaryColor: '#1f4e79',
  accentColor: '#f2a900',
  legalName: 'Demo Financiera, S.A. de C.V., SOFOM, E.N.R.',
  legalFooter: 'Demo Financiera, S.A. de C.V., SOFOM, E.N.R. Datos de demostración: ninguna solicitud es real.\nAv. Reforma 100, Ciudad de México.',
  supportEmail: 'soporte@demo.localhost',
  supportPhone: '+525512345678',
};
export const ANDES_BRANDING: BrandingInput = {
  displayName: 'Andes Crédito',
  logoUrl: svgLogo('#0b6e4f', '#e4572e', 'AC'),
  primaryColor: '#0b6e4f',
  accentColor: '#e4572e',
  legalName: 'Andes Crédito S.A.C.',
  legalFooter: 'Andes Crédito S.A.C. Datos de demostración: ninguna solicitud es real.\nAv. Larco 200, Lima.',
  supportEmail: 'ayuda@andes.localhost',
  supportPhone: '+5114567890',
};

/** A small SVG logo (two colours and initials) as a data: URI. */
function svgLogo(background: string, accent: string, initials: string): string {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="96" height="96" viewBox="0 0 96 96"><rect width="96" height="96" rx="20" fill="${background}"/><rect x="16" y="70" width="64" height="8" rx="4" fill="${accent}"/><text x="48" y="58" font-family="Arial, sans-serif" font-size="36" font-weight="700" fill="#ffffff" text-anchor="middle">${initials}</text></svg>`;
  return `data:image/svg+xml;base64,${Buffer.from(svg, 'utf8').toString('base64')}`;
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
  const branding = new BrandingService(orm, outbox);
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
  const andes = await seedTenant({ slug: 'andes', name: 'Andes Crédito', hostnames: ['andes.localhost'], defaultLocale: 'es', currency: 'PEN', timezone: 'America/Lima' });
  const andesAdmin = await seedUser(andes.id, { email: 'admin@andes.localhost', displayName: 'Andes Admin', roles: [ROLES.tenantAdmin], password: demoPassword });
  for (const [tenant, look] of [[demo, DEMO_BRANDING], [andes, ANDES_BRANDING]] as const) {
    await inPlatformTx(orm, async (em) => {
      if (await branding.seedIfAbsent(em, tenant.id, look)) {
        await outbox.publish(em, 'identity.tenant.branding_updated', { tenantId: tenant.id, slug: tenant.slug, changes: Object.keys(look) }, { tenantId: tenant.id, actor: system });
      }
    });
  }
  return {
    platformTenantId: platform.id,
    demoTenantId: demo.id,
    andesTenantId: andes.id,
    platformAdmin: { id: platformAdmin.id, email: platformAdmin.email },
    demoAdmin: { id: demoAdmin.id, email: demoAdmin.email },
    andesAdmin: { id: andesAdmin.id, email: andesAdmin.email },
  };
}
