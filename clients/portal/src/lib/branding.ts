/**
 * A tenant's colours as CSS variables on <html> (set through the CSSOM: the portal's CSP allows no
 * inline styles). The text on a colour is black or white, whichever contrasts more (WCAG relative
 * luminance), so a tenant's choice never makes a button unreadable.
 */
import { contrastRatio, hexColor } from '@imagy/web-kit/contrast';

export interface Branding {
  displayName: string;
  logoUrl?: string | null;
  primaryColor: string;
  accentColor: string;
  legalName?: string | null;
  legalFooter?: string | null;
  supportEmail?: string | null;
  supportPhone?: string | null;
}

/** Black or white, whichever reads better on `hex`. */
export const textOn = (hex: string) => (contrastRatio(hex, '#ffffff') >= contrastRatio(hex, '#000000') ? '#ffffff' : '#000000');

/**
 * The colour used for links and outlines on the white page: the tenant's own when it reads on
 * white (4.5:1), else darkened until it does.
 */
export function readableOnWhite(hex: string): string {
  let [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)) as [number, number, number];
  for (let i = 0; i < 20 && contrastRatio(`#${[r, g, b].map((c) => c.toString(16).padStart(2, '0')).join('')}`, '#ffffff') < 4.5; i++) {
    [r, g, b] = [r, g, b].map((c) => Math.floor(c * 0.85)) as [number, number, number];
  }
  return `#${[r, g, b].map((c) => c.toString(16).padStart(2, '0')).join('')}`;
}

export function applyBranding(b: Branding): void {
  const root = document.documentElement.style;
  const primary = hexColor(b.primaryColor) ?? '#1746a2';
  const accent = hexColor(b.accentColor) ?? '#0f7b6c';
  root.setProperty('--brand', primary);
  root.setProperty('--brand-text', textOn(primary));
  root.setProperty('--brand-ink', readableOnWhite(primary));
  root.setProperty('--accent', accent);
  root.setProperty('--accent-text', textOn(accent));
  document.title = b.displayName;
}
