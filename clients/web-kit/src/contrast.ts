/**
 * WCAG 2.x relative luminance and contrast ratios of `#rrggbb` colours: the console's branding hint
 * and the portal's text colour on a tenant's colours use the same formula as identity's branding
 * rules (subgraphs/identity/src/branding/branding.rules.ts), which decide.
 */
export const MIN_CONTRAST = 4.5;

/** `#rrggbb` or `#rgb` -> `#rrggbb`, else null. */
export function hexColor(raw: string): string | null {
  const c = raw.trim().toLowerCase();
  const short = /^#([0-9a-f])([0-9a-f])([0-9a-f])$/.exec(c);
  const full = short ? `#${short[1]}${short[1]}${short[2]}${short[2]}${short[3]}${short[3]}` : c;
  return /^#[0-9a-f]{6}$/.test(full) ? full : null;
}

export function luminance(hex: string): number {
  const channel = (i: number) => {
    const s = parseInt(hex.slice(i, i + 2), 16) / 255;
    return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5);
}

export function contrastRatio(a: string, b: string): number {
  const [l1, l2] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (l1 + 0.05) / (l2 + 0.05);
}

/** White on `hex`, rounded down to two decimals (as the server reports it). */
export function whiteContrast(hex: string): number {
  return Math.floor((1.05 / (luminance(hex) + 0.05)) * 100) / 100;
}
