/**
 * Persistence of tenant branding (`tenant_branding`, one row per tenant that ever saved it): SQL,
 * because the two operations are a batch read keyed by tenant and a locked read-merge-write of one
 * row, nothing a unit of work adds to. No RLS on this table (see the migration): every read is
 * public and the service checks who writes.
 */
import { jsonParam, UUID_ARRAY_PARAM, type Em } from '@imagy/platform/db';

/** What a tenant saved; null means "the default" (BrandingService.view fills them in). */
export interface StoredBranding {
  displayName: string | null;
  logoUrl: string | null;
  primaryColor: string | null;
  accentColor: string | null;
  legalName: string | null;
  legalFooter: string | null;
  supportEmail: string | null;
  supportPhone: string | null;
}

export const BRANDING_FIELDS = ['displayName', 'logoUrl', 'primaryColor', 'accentColor', 'legalName', 'legalFooter', 'supportEmail', 'supportPhone'] as const;
export type BrandingField = (typeof BRANDING_FIELDS)[number];

interface Row {
  tenant_id: string;
  display_name: string | null;
  logo_url: string | null;
  primary_color: string | null;
  accent_color: string | null;
  legal_name: string | null;
  legal_footer: string | null;
  support_email: string | null;
  support_phone: string | null;
}

const COLUMNS = 'tenant_id, display_name, logo_url, primary_color, accent_color, legal_name, legal_footer, support_email, support_phone';

const toBranding = (r: Row): StoredBranding => ({
  displayName: r.display_name, logoUrl: r.logo_url, primaryColor: r.primary_color, accentColor: r.accent_color,
  legalName: r.legal_name, legalFooter: r.legal_footer, supportEmail: r.support_email, supportPhone: r.support_phone,
});

export const EMPTY_BRANDING: StoredBranding = {
  displayName: null, logoUrl: null, primaryColor: null, accentColor: null, legalName: null, legalFooter: null, supportEmail: null, supportPhone: null,
};

export const brandingStore = {
  /** The saved branding of each tenant id (ids must be UUIDs): one statement for any number. */
  async byTenantIds(em: Em, tenantIds: string[]): Promise<Map<string, StoredBranding>> {
    if (tenantIds.length === 0) return new Map();
    const rows = await em.execute<Row[]>(`select ${COLUMNS} from tenant_branding where tenant_id = any(${UUID_ARRAY_PARAM})`, [jsonParam(tenantIds)]);
    return new Map(rows.map((r) => [r.tenant_id, toBranding(r)]));
  },

  /** The tenant's row locked for update (created empty first), so concurrent saves of one tenant queue and each merges onto the last. */
  async lock(em: Em, tenantId: string): Promise<StoredBranding> {
    await em.execute('insert into tenant_branding (tenant_id) values (?) on conflict (tenant_id) do nothing', [tenantId]);
    const [row] = await em.execute<Row[]>(`select ${COLUMNS} from tenant_branding where tenant_id = ? for update`, [tenantId]);
    return toBranding(row!);
  },

  async write(em: Em, tenantId: string, b: StoredBranding, userId: string | null): Promise<void> {
    await em.execute(
      `update tenant_branding set display_name = ?, logo_url = ?, primary_color = ?, accent_color = ?, legal_name = ?, legal_footer = ?,
         support_email = ?, support_phone = ?, updated_by = ?, updated_at = date_trunc('milliseconds', clock_timestamp())
       where tenant_id = ?`,
      [b.displayName, b.logoUrl, b.primaryColor, b.accentColor, b.legalName, b.legalFooter, b.supportEmail, b.supportPhone, userId, tenantId],
    );
  },
};

/** Seed: stores a tenant's branding only if it never saved one (atomic when two replicas seed at once). */
export async function insertBrandingIfAbsent(em: Em, tenantId: string, b: StoredBranding): Promise<boolean> {
  const rows = await em.execute<{ tenant_id: string }[]>(
    `insert into tenant_branding (tenant_id, display_name, logo_url, primary_color, accent_color, legal_name, legal_footer, support_email, support_phone)
     values (?, ?, ?, ?, ?, ?, ?, ?, ?) on conflict (tenant_id) do nothing returning tenant_id`,
    [tenantId, b.displayName, b.logoUrl, b.primaryColor, b.accentColor, b.legalName, b.legalFooter, b.supportEmail, b.supportPhone],
  );
  return rows.length > 0;
}
