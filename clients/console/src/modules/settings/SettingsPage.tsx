/**
 * The institution's settings (tenant_admin): how the public borrower portal looks. Name, logo (an
 * https address or an uploaded image of at most 64 KiB), primary and accent colours (with the live
 * contrast of white text on the primary colour), legal name and footer, support contacts; a live
 * preview of the portal's header and footer; saved with identity's `updateTenantBranding`, each
 * userError shown next to the field it names. Only the fields that changed are sent; emptying a
 * field resets it to its default. Identity decides everything (the hints here only help).
 */
import { useEffect, useMemo, useState, type ChangeEvent } from 'react';
import { useMutation, useQuery } from '@apollo/client/react';
import { graphql } from '../../__generated__';
import type { ConsoleTenantBrandingQuery, ConsoleUpdateTenantBrandingMutation, UpdateTenantBrandingInput } from '../../__generated__/graphql';
import { defineMessages, useT } from '@imagy/web-kit/i18n';
import { Field, Notice, PageHeader, TextArea, TextInput, UserErrors, type UserErrorLike } from '../../ui/common';
import { common } from '@imagy/web-kit/messages';
import { QueryView } from '@imagy/web-kit/states';
import { hexColor, MIN_CONTRAST, whiteContrast } from '@imagy/web-kit/contrast';

const m = defineMessages({
  en: {
    title: 'Institution', subtitle: 'How your public portal looks to applicants and borrowers. Every value here is public.',
    identity: 'Name and logo', colours: 'Colours', legal: 'Legal', support: 'Support contacts',
    displayName: 'Name shown', displayNameHint: 'In the header and the page title; empty: the organisation name ({name}).',
    logoUrl: 'Logo address (https://)', logoHint: 'Or upload an image: PNG, JPEG, SVG or WebP of at most 64 KiB. Empty: the name is shown instead.',
    logoUpload: 'Upload a logo image', logoUploaded: 'Uploaded image ({kib} KiB)', logoRemove: 'Remove the logo', logoTooBig: 'The image has {kib} KiB; at most 64 KiB are allowed.',
    primaryColor: 'Primary colour', primaryHint: 'Header and buttons, with white text on it: contrast {ratio}:1 (at least {min}:1).', primaryLow: 'White text on it has only {ratio}:1; at least {min}:1 is needed.',
    accentColor: 'Accent colour', colourPicker: '{label}: picker', colourInvalid: 'Write a colour like #1f4e79.',
    legalName: 'Legal name', legalFooter: 'Legal footer', legalFooterHint: '{count} of 2000 characters. Regulator registration, address…',
    supportEmail: 'Support e-mail', supportPhone: 'Support phone', supportPhoneHint: 'International format, e.g. +525512345678.',
    save: 'Save', saving: 'Saving…', saved: 'Branding saved: the portal shows it now.', nothing: 'Nothing changed.', reset: 'Discard changes',
    preview: 'Portal preview', previewKeeps: 'showing the saved primary colour until the new one is readable', apply: 'Apply for a credit', remoteLogo: 'Logo: {url}', footerEmpty: 'Your legal footer appears here.',
  },
  es: {
    title: 'Institución', subtitle: 'Cómo se ve su portal público para solicitantes y acreditados. Todo lo de esta página es público.',
    identity: 'Nombre y logotipo', colours: 'Colores', legal: 'Legal', support: 'Contacto de soporte',
    displayName: 'Nombre visible', displayNameHint: 'En el encabezado y el título de la página; vacío: el nombre de la institución ({name}).',
    logoUrl: 'Dirección del logotipo (https://)', logoHint: 'O suba una imagen: PNG, JPEG, SVG o WebP de 64 KiB como máximo. Vacío: se muestra el nombre.',
    logoUpload: 'Subir una imagen de logotipo', logoUploaded: 'Imagen subida ({kib} KiB)', logoRemove: 'Quitar el logotipo', logoTooBig: 'La imagen pesa {kib} KiB; se permiten 64 KiB como máximo.',
    primaryColor: 'Color principal', primaryHint: 'Encabezado y botones, con texto blanco encima: contraste {ratio}:1 (mínimo {min}:1).', primaryLow: 'El texto blanco encima tiene solo {ratio}:1; se necesita al menos {min}:1.',
    accentColor: 'Color de acento', colourPicker: '{label}: selector', colourInvalid: 'Escriba un color como #1f4e79.',
    legalName: 'Razón social', legalFooter: 'Pie legal', legalFooterHint: '{count} de 2000 caracteres. Registro ante el regulador, domicilio…',
    supportEmail: 'Correo de soporte', supportPhone: 'Teléfono de soporte', supportPhoneHint: 'Formato internacional, p. ej. +525512345678.',
    save: 'Guardar', saving: 'Guardando…', saved: 'Identidad guardada: el portal ya la muestra.', nothing: 'No hay cambios.', reset: 'Descartar cambios',
    preview: 'Vista previa del portal', previewKeeps: 'se muestra el color principal guardado hasta que el nuevo sea legible', apply: 'Solicitar un crédito', remoteLogo: 'Logotipo: {url}', footerEmpty: 'Aquí aparece su pie legal.',
  },
});

const BrandingQuery = graphql(`
  query ConsoleTenantBranding {
    currentTenant { id name branding { displayName logoUrl primaryColor accentColor legalName legalFooter supportEmail supportPhone } }
  }
`);
const UpdateBranding = graphql(`
  mutation ConsoleUpdateTenantBranding($input: UpdateTenantBrandingInput!) {
    updateTenantBranding(input: $input) {
      tenant { id branding { displayName logoUrl primaryColor accentColor legalName legalFooter supportEmail supportPhone } }
      userErrors { code message field }
    }
  }
`);

const FIELDS = ['displayName', 'logoUrl', 'primaryColor', 'accentColor', 'legalName', 'legalFooter', 'supportEmail', 'supportPhone'] as const;
type BrandingField = (typeof FIELDS)[number];
type Form = Record<BrandingField, string>;
const MAX_LOGO_BYTES = 64 * 1024;

export default function SettingsPage() {
  const t = useT(m);
  const q = useQuery(BrandingQuery);
  return (
    <>
      <PageHeader title={t('title')} subtitle={t('subtitle')} />
      <QueryView data={q.data?.currentTenant ?? undefined} loading={q.loading} error={q.error} refetch={q.refetch}>
        {(tenant) => <BrandingForm tenantName={tenant.name} saved={tenant.branding} />}
      </QueryView>
    </>
  );
}

type SavedBranding = NonNullable<ConsoleTenantBrandingQuery['currentTenant']>['branding'];

function BrandingForm({ tenantName, saved }: { tenantName: string; saved: SavedBranding }) {
  const t = useT(m);
  const tc = useT(common);
  const initial = useMemo<Form>(() => Object.fromEntries(FIELDS.map((f) => [f, saved[f] ?? ''])) as Form, [saved]);
  const [form, setForm] = useState<Form>(initial);
  const [fieldErrors, setFieldErrors] = useState<Partial<Record<BrandingField, string>>>({});
  const [otherErrors, setOtherErrors] = useState<readonly UserErrorLike[]>([]);
  const [notice, setNotice] = useState<string | null>(null);
  const [update, u] = useMutation(UpdateBranding);
  useEffect(() => setForm(initial), [initial]);

  const set = (field: BrandingField, value: string) => {
    setForm((f) => ({ ...f, [field]: value }));
    setNotice(null);
    setFieldErrors((e) => ({ ...e, [field]: undefined }));
  };
  const changed = FIELDS.filter((f) => form[f] !== initial[f]);

  const onLogoFile = (e: ChangeEvent<HTMLInputElement>) => {
    const file = e.target.files?.[0];
    e.target.value = '';
    if (!file) return;
    if (file.size > MAX_LOGO_BYTES) {
      setFieldErrors((x) => ({ ...x, logoUrl: t('logoTooBig', { kib: Math.ceil(file.size / 1024) }) }));
      return;
    }
    const reader = new FileReader();
    reader.onload = () => { if (typeof reader.result === 'string') set('logoUrl', reader.result); };
    reader.readAsDataURL(file);
  };

  const save = async () => {
    setNotice(null);
    if (!changed.length) { setNotice(t('nothing')); return; }
    // Only what changed: an emptied field is sent as "" (the server resets it to its default).
    const input: UpdateTenantBrandingInput = Object.fromEntries(changed.map((f) => [f, form[f]]));
    let payload: ConsoleUpdateTenantBrandingMutation['updateTenantBranding'] | undefined;
    try {
      payload = (await update({ variables: { input } })).data?.updateTenantBranding;
    } catch {
      payload = undefined;
    }
    const errors: readonly UserErrorLike[] = payload?.userErrors ?? [{ code: 'ERROR', message: tc('errorTitle'), field: null }];
    const byField: Partial<Record<BrandingField, string>> = {};
    const rest: UserErrorLike[] = [];
    for (const e of errors) {
      if (e.field && (FIELDS as readonly string[]).includes(e.field)) byField[e.field as BrandingField] = e.message;
      else rest.push(e);
    }
    setFieldErrors(byField);
    setOtherErrors(rest);
    if (!errors.length && payload?.tenant) setNotice(t('saved'));
  };

  const primary = hexColor(form.primaryColor);
  const ratio = primary ? whiteContrast(primary) : null;
  const primaryHint = ratio === null ? t('colourInvalid') : t(ratio >= MIN_CONTRAST ? 'primaryHint' : 'primaryLow', { ratio: ratio.toFixed(2), min: MIN_CONTRAST });
  const isData = form.logoUrl.startsWith('data:');

  return (
    <div className="settings-layout" style={{ display: 'grid', gap: '1.5rem', gridTemplateColumns: 'repeat(auto-fit, minmax(22rem, 1fr))', alignItems: 'start' }}>
      <form onSubmit={(e) => { e.preventDefault(); void save(); }} noValidate aria-label={t('title')}>
        <UserErrors errors={otherErrors} />
        {notice && <Notice>{notice}</Notice>}
        <fieldset>
          <legend>{t('identity')}</legend>
          <TextInput label={t('displayName')} hint={t('displayNameHint', { name: tenantName })} value={form.displayName} maxLength={200} onChange={(e) => set('displayName', e.target.value)} error={fieldErrors.displayName} />
          {isData ? (
            <Field label={t('logoUrl')} error={fieldErrors.logoUrl}>
              {(id, describedBy) => (
                <div id={id} aria-describedby={describedBy}>
                  <span>{t('logoUploaded', { kib: Math.ceil((form.logoUrl.length * 3) / 4 / 1024) })}</span>{' '}
                  <button type="button" className="button secondary" onClick={() => set('logoUrl', '')}>{t('logoRemove')}</button>
                </div>
              )}
            </Field>
          ) : (
            <TextInput label={t('logoUrl')} type="url" inputMode="url" placeholder="https://" hint={t('logoHint')} value={form.logoUrl} onChange={(e) => set('logoUrl', e.target.value)} error={fieldErrors.logoUrl} />
          )}
          <Field label={t('logoUpload')}>
            {(id) => <input id={id} type="file" accept="image/png,image/jpeg,image/svg+xml,image/webp" onChange={onLogoFile} />}
          </Field>
        </fieldset>
        <fieldset>
          <legend>{t('colours')}</legend>
          <ColourField label={t('primaryColor')} value={form.primaryColor} hint={primaryHint} error={fieldErrors.primaryColor} onChange={(v) => set('primaryColor', v)} />
          <ColourField label={t('accentColor')} value={form.accentColor} hint={hexColor(form.accentColor) ? undefined : t('colourInvalid')} error={fieldErrors.accentColor} onChange={(v) => set('accentColor', v)} />
        </fieldset>
        <fieldset>
          <legend>{t('legal')}</legend>
          <TextInput label={t('legalName')} value={form.legalName} maxLength={200} onChange={(e) => set('legalName', e.target.value)} error={fieldErrors.legalName} />
          <TextArea label={t('legalFooter')} hint={t('legalFooterHint', { count: form.legalFooter.length })} rows={4} value={form.legalFooter} onChange={(e) => set('legalFooter', e.target.value)} error={fieldErrors.legalFooter} />
        </fieldset>
        <fieldset>
          <legend>{t('support')}</legend>
          <TextInput label={t('supportEmail')} type="email" value={form.supportEmail} onChange={(e) => set('supportEmail', e.target.value)} error={fieldErrors.supportEmail} />
          <TextInput label={t('supportPhone')} type="tel" hint={t('supportPhoneHint')} value={form.supportPhone} onChange={(e) => set('supportPhone', e.target.value)} error={fieldErrors.supportPhone} />
        </fieldset>
        <div className="form-actions">
          <button type="submit" className="button primary" disabled={u.loading}>{u.loading ? t('saving') : t('save')}</button>{' '}
          <button type="button" className="button secondary" disabled={!changed.length} onClick={() => { setForm(initial); setFieldErrors({}); setOtherErrors([]); setNotice(null); }}>{t('reset')}</button>
        </div>
      </form>
      <PortalPreview form={form} tenantName={tenantName} savedPrimary={initial.primaryColor} />
    </div>
  );
}

function ColourField({ label, value, hint, error, onChange }: { label: string; value: string; hint?: string; error?: string; onChange(v: string): void }) {
  const t = useT(m);
  const hex = hexColor(value);
  return (
    <Field label={label} hint={hint} error={error}>
      {(id, describedBy) => (
        <div style={{ display: 'flex', gap: '0.5rem', alignItems: 'center' }}>
          <input type="color" aria-label={t('colourPicker', { label })} value={hex ?? '#000000'} onChange={(e) => onChange(e.target.value)} style={{ inlineSize: '3rem', blockSize: '2.25rem', padding: 0 }} />
          <input id={id} value={value} placeholder="#1f4e79" maxLength={7} spellCheck={false} aria-describedby={describedBy} aria-invalid={error ? true : undefined} onChange={(e) => onChange(e.target.value)} />
        </div>
      )}
    </Field>
  );
}

/**
 * The portal's header, a call to action and the footer, drawn with the form's values. An uploaded
 * (data:) logo is shown; an https one only by its address: the console's CSP loads images from its
 * own origin and data: URIs only. A primary colour white text is unreadable on is never drawn (the
 * portal can never show it: identity refuses it); the saved one stays, with a note.
 */
function PortalPreview({ form, tenantName, savedPrimary }: { form: Form; tenantName: string; savedPrimary: string }) {
  const t = useT(m);
  const typed = hexColor(form.primaryColor);
  const readable = typed !== null && whiteContrast(typed) >= MIN_CONTRAST;
  const primary = readable ? typed : (hexColor(savedPrimary) ?? '#1f4e79');
  const accent = hexColor(form.accentColor) ?? '#f2a900';
  const name = form.displayName.trim() || tenantName;
  const logo = form.logoUrl.trim();
  return (
    <section aria-label={t('preview')} className="portal-preview" style={{ border: '1px solid #d0d5dd', borderRadius: 8, overflow: 'hidden', background: '#ffffff', color: '#1d2939' }}>
      <p style={{ margin: 0, padding: '0.25rem 0.75rem', background: '#f2f4f7', fontSize: '0.8rem' }}>{t('preview')}{readable ? null : <> · {t('previewKeeps')}</>}</p>
      <header style={{ background: primary, color: '#ffffff', display: 'flex', alignItems: 'center', gap: '0.75rem', padding: '0.75rem 1rem', borderBottom: `4px solid ${accent}` }}>
        {logo.startsWith('data:image/')
          ? <img src={logo} alt="" style={{ blockSize: 40, inlineSize: 'auto', maxInlineSize: 160 }} />
          : logo ? <span style={{ border: '1px dashed #ffffff', padding: '0.25rem 0.5rem', fontSize: '0.75rem', maxInlineSize: 160, overflow: 'hidden', textOverflow: 'ellipsis', whiteSpace: 'nowrap' }}>{t('remoteLogo', { url: logo })}</span> : null}
        <strong style={{ fontSize: '1.15rem' }}>{name}</strong>
      </header>
      <div style={{ padding: '1.25rem 1rem' }}>
        <button type="button" tabIndex={-1} aria-hidden="true" style={{ background: primary, color: '#ffffff', border: 0, borderRadius: 6, padding: '0.6rem 1rem', boxShadow: `inset 0 -3px 0 ${accent}` }}>{t('apply')}</button>
      </div>
      <footer style={{ borderTop: '1px solid #e4e7ec', padding: '0.75rem 1rem', fontSize: '0.8rem', whiteSpace: 'pre-wrap', color: '#344054' }}>
        {form.legalName && <strong style={{ display: 'block' }}>{form.legalName}</strong>}
        {form.legalFooter || <em>{t('footerEmpty')}</em>}
        {(form.supportEmail || form.supportPhone) && <span style={{ display: 'block', marginBlockStart: '0.5rem' }}>{[form.supportEmail, form.supportPhone].filter(Boolean).join(' · ')}</span>}
      </footer>
    </section>
  );
}
