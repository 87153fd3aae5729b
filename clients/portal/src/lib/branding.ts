/**
 * A tenant's colours as CSS variables on <html> (set through the CSSOM: the portal's CSP allows no
 * inline styles). The text on a colour is black or white, whichever contrasts more (WCAG relative
 * luminance), so a tenant's choice never makes a button unreadable.
 */
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

const HEX = /^#[0-9a-fA-F]{6}$/;

function luminance(hex: string): number {
  const channel = (i: number) => {
    const c = parseInt(hex.slice(i, i + 2), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5);
}

export function contrastRatio(a: string, b: string): number {
  const [l1, l2] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (l1 + 0.05) / (l2 + 0.05);
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
  const primary = HEX.test(b.primaryColor) ? b.primaryColor : '#1746a2';
  const accent = HEX.test(b.accentColor) ? b.accentColor : '#0f7b6c';
  root.setProperty('--brand', primary);
  root.setProperty('--brand-text', textOn(primary));
  root.setProperty('--brand-ink', readableOnWhite(primary));
  root.setProperty('--accent', accent);
  root.setProperty('--accent-text', textOn(accent));
  document.title = b.displayName;
}
