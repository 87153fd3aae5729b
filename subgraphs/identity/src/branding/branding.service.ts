/**
 * Tenant branding: how a tenant's public portal looks (name, logo, colours, legal footer, support
 * contacts). Everyone reads it (anonymous portal visitors through `tenantByHost`); only a
 * tenant_admin changes it, and only for their own tenant (the tenant comes from the token, never
 * from the input). Every field is public by design: nothing private may be added here.
 */
import { ROLES } from '@imagy/platform/auth';
import { inPlatformTx, isUuid, type Em, type Orm } from '@imagy/platform/db';
import type { Outbox } from '@imagy/platform/events';
import { actorOf, NotFoundError, requireRole, type Caller } from '@imagy/platform/server';
import type { TenantBranding, UpdateTenantBrandingInput } from '../__generated__/graphql';
import { isSafeText } from '../common/text';
import { payload, userError, type Payload, type UserError } from '../common/user-error';
import { tenantsStore, type Tenant } from '../tenants/tenants.store';
import { isE164, isEmail, normaliseEmail, normalisePhone } from '../users/users.rules';
import {
  DEFAULT_ACCENT_COLOR, DEFAULT_PRIMARY_COLOR, isSafeMultilineText, logoProblem, MAX_BRANDING_NAME_LENGTH, MAX_FOOTER_LENGTH, MAX_LOGO_BYTES,
  MIN_CONTRAST, normaliseColor, normaliseFooter, whiteContrast,
} from './branding.rules';
import { BRANDING_FIELDS, brandingStore, EMPTY_BRANDING, insertBrandingIfAbsent, type BrandingField, type StoredBranding } from './branding.store';

export type { StoredBranding } from './branding.store';

export type BrandingPayload = Payload<{ tenant: Tenant | null }>;

/** The branding the API shows: what the tenant saved, defaults for the rest. */
export function brandingView(tenant: Pick<Tenant, 'name'>, saved: StoredBranding | null): TenantBranding {
  const b = saved ?? EMPTY_BRANDING;
  return {
    displayName: b.displayName ?? tenant.name,
    logoUrl: b.logoUrl,
    primaryColor: b.primaryColor ?? DEFAULT_PRIMARY_COLOR,
    accentColor: b.accentColor ?? DEFAULT_ACCENT_COLOR,
    legalName: b.legalName,
    legalFooter: b.legalFooter,
    supportEmail: b.supportEmail,
    supportPhone: b.supportPhone,
  };
}

/** An input as the rules see it: a field absent keeps its value, null or blank text resets it to the default. */
export type BrandingInput = { [K in BrandingField]?: string | null };

/**
 * Checks the given fields; returns the changes to store (null = back to the default) and the
 * userErrors, each naming its field. Pure: the seed uses it too, so demo data obeys the same rules.
 */
export function checkBranding(input: BrandingInput): { changes: Partial<StoredBranding>; userErrors: UserError[] } {
  const errors: UserError[] = [];
  const changes: Partial<StoredBranding> = {};
  const given = (field: BrandingField): string | undefined => {
    const v = input[field];
    if (v === undefined) return undefined;
    if (v === null || v.trim() === '') { changes[field] = null; return undefined; }
    return v;
  };

  const name = (field: 'displayName' | 'legalName') => {
    const raw = given(field);
    if (raw === undefined) return;
    const text = raw.trim();
    if (text.length > MAX_BRANDING_NAME_LENGTH || !isSafeText(text)) errors.push(userError('INVALID_NAME', { field, params: { max: MAX_BRANDING_NAME_LENGTH } }));
    else changes[field] = text;
  };
  name('displayName');
  name('legalName');

  const logo = given('logoUrl');
  if (logo !== undefined) {
    const text = logo.trim();
    const problem = logoProblem(text);
    if (problem === 'TOO_LARGE') errors.push(userError('LOGO_TOO_LARGE', { field: 'logoUrl', params: { max: MAX_LOGO_BYTES / 1024 } }));
    else if (problem === 'UNSAFE') errors.push(userError('LOGO_UNSAFE', { field: 'logoUrl' }));
    else if (problem) errors.push(userError('INVALID_LOGO', { field: 'logoUrl' }));
    else changes.logoUrl = text;
  }

  for (const field of ['primaryColor', 'accentColor'] as const) {
    const raw = given(field);
    if (raw === undefined) continue;
    const color = normaliseColor(raw);
    if (!color) { errors.push(userError('INVALID_COLOR', { field })); continue; }
    // The portal writes white text on the primary colour (header, buttons); the accent only decorates.
    if (field === 'primaryColor' && whiteContrast(color) < MIN_CONTRAST) {
      errors.push(userError('BRANDING_CONTRAST_LOW', { field, params: { ratio: whiteContrast(color).toFixed(2), min: MIN_CONTRAST } }));
      continue;
    }
    changes[field] = color;
  }

  const footerRaw = given('legalFooter');
  if (footerRaw !== undefined) {
    const footer = normaliseFooter(footerRaw);
    if (footer.length > MAX_FOOTER_LENGTH) errors.push(userError('FOOTER_TOO_LONG', { field: 'legalFooter', params: { max: MAX_FOOTER_LENGTH } }));
    else if (!isSafeMultilineText(footer)) errors.push(userError('INVALID_FOOTER', { field: 'legalFooter' }));
    else changes.legalFooter = footer;
  }

  const emailRaw = given('supportEmail');
  if (emailRaw !== undefined) {
    const email = normaliseEmail(emailRaw);
    if (!isEmail(email)) errors.push(userError('INVALID_EMAIL', { field: 'supportEmail' }));
    else changes.supportEmail = email;
  }

  const phoneRaw = given('supportPhone');
  if (phoneRaw !== undefined) {
    const phone = normalisePhone(phoneRaw);
    if (phone === null || !isE164(phone)) errors.push(userError('INVALID_PHONE', { field: 'supportPhone' }));
    else changes.supportPhone = phone;
  }
  return { changes, userErrors: errors };
}

export class BrandingService {
  constructor(private readonly orm: Orm, private readonly outbox: Outbox) {}

  /** DataLoader batch: saved branding per tenant id (null: never saved), one statement. */
  async byTenantIds(ids: readonly string[]): Promise<(StoredBranding | null)[]> {
    const valid = [...new Set(ids.filter(isUuid))];
    const found = valid.length ? await inPlatformTx(this.orm, (em) => brandingStore.byTenantIds(em, valid)) : new Map<string, StoredBranding>();
    return ids.map((id) => found.get(id) ?? null);
  }

  /** tenant_admin: changes the branding of the caller's own tenant; nothing is written when any field is refused. */
  async update(caller: Caller, input: UpdateTenantBrandingInput): Promise<BrandingPayload> {
    const admin = requireRole(caller.auth, ROLES.tenantAdmin);
    const { changes, userErrors } = checkBranding(input);
    if (userErrors.length) return { tenant: null, userErrors };
    const fields = BRANDING_FIELDS.filter((f) => f in changes);
    return payload(async () => ({
      tenant: await inPlatformTx(this.orm, async (em) => {
        const [tenant] = await tenantsStore.byIds(em, [admin.tenantId]);
        if (!tenant) throw new NotFoundError('Tenant not found');
        if (fields.length === 0) return tenant;
        const current = await brandingStore.lock(em, tenant.id);
        await brandingStore.write(em, tenant.id, { ...current, ...changes }, admin.userId);
        await this.outbox.publish(em, 'identity.tenant.branding_updated', { tenantId: tenant.id, slug: tenant.slug, changes: fields }, { tenantId: tenant.id, actor: actorOf(caller), requestId: caller.requestId });
        return tenant;
      }),
    }), { tenant: null });
  }

  /**
   * Seed: gives a tenant that never saved a branding this one, checked by the same rules as the
   * mutation (throws if the seed's own data breaks them); never changes a saved branding.
   */
  async seedIfAbsent(em: Em, tenantId: string, input: BrandingInput): Promise<boolean> {
    const { changes, userErrors } = checkBranding(input);
    if (userErrors.length) throw new Error(`Seed branding refused: ${userErrors.map((e) => `${e.field}: ${e.code}`).join(', ')}`);
    return insertBrandingIfAbsent(em, tenantId, { ...EMPTY_BRANDING, ...changes });
  }
}
