/**
 * Tenant branding rules (pure functions, no I/O): colours and their contrast, logos, footer and
 * contact fields. Everything here ends up on a public page (the borrower portal), shown to anyone,
 * so the rules refuse what could run script there or make the page unreadable.
 */
import { isSafeText } from '../common/text';

/** What the portal uses for a tenant that never set its branding. */
export const DEFAULT_PRIMARY_COLOR = '#1f4e79';
export const DEFAULT_ACCENT_COLOR = '#f2a900';

/** WCAG 2.x AA for normal text: the portal writes white text on the primary colour. */
export const MIN_CONTRAST = 4.5;

/** Decoded size of a logo given as a data: URI. */
export const MAX_LOGO_BYTES = 64 * 1024;
/** An https: logo URL (browsers and CDNs refuse far longer ones anyway). */
export const MAX_LOGO_URL_LENGTH = 2048;
export const MAX_FOOTER_LENGTH = 2000;
export const MAX_BRANDING_NAME_LENGTH = 200;

const HEX = /^#[0-9a-f]{6}$/;

/** `#RRGGBB` or `#rgb` as typed -> `#rrggbb`; null when it is not a hex colour. */
export function normaliseColor(raw: string): string | null {
  const c = raw.trim().toLowerCase();
  const short = /^#([0-9a-f])([0-9a-f])([0-9a-f])$/.exec(c);
  const full = short ? `#${short[1]}${short[1]}${short[2]}${short[2]}${short[3]}${short[3]}` : c;
  return HEX.test(full) ? full : null;
}

/** WCAG 2.x relative luminance of a `#rrggbb` colour. */
export function relativeLuminance(hex: string): number {
  const channel = (i: number) => {
    const s = parseInt(hex.slice(i, i + 2), 16) / 255;
    return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5);
}

/** WCAG contrast ratio of two `#rrggbb` colours (1 to 21). */
export function contrastRatio(a: string, b: string): number {
  const [hi, lo] = [relativeLuminance(a), relativeLuminance(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}

/** White text on `hex`, rounded down to two decimals (so 4.499 never reads as 4.50). */
export function whiteContrast(hex: string): number {
  return Math.floor(contrastRatio('#ffffff', hex) * 100) / 100;
}

export type LogoProblem = 'SCHEME' | 'TOO_LARGE' | 'UNSAFE';

const DATA_URI = /^data:image\/(png|jpeg|svg\+xml|webp);base64,([A-Za-z0-9+/]*={0,2})$/;
// Base64 of MAX_LOGO_BYTES plus the longest prefix: longer text is refused before decoding it.
const MAX_DATA_URI_LENGTH = Math.ceil(MAX_LOGO_BYTES / 3) * 4 + 'data:image/svg+xml;base64,'.length;

/**
 * Why a logo is refused, or null. Accepted: an https: URL (no credentials in it) or a base64
 * data: URI of a PNG, JPEG, SVG or WebP image of at most 64 KiB whose bytes are what the URI
 * says (an HTML page labelled image/png is refused). An SVG is refused when it holds script:
 * `<script`, an `on...=` event handler attribute, a `javascript:` URL, `<foreignObject` (HTML
 * inside SVG) or an entity declaration. The portal shows logos with <img>, which runs no script
 * anyway; refusing it here keeps a logo safe wherever else it is opened.
 */
export function logoProblem(logo: string): LogoProblem | null {
  if (logo.startsWith('data:')) {
    if (logo.length > MAX_DATA_URI_LENGTH + 4) return 'TOO_LARGE';
    const m = DATA_URI.exec(logo);
    if (!m || m[2]!.length % 4 !== 0) return 'SCHEME';
    const bytes = Buffer.from(m[2]!, 'base64');
    if (bytes.length === 0) return 'SCHEME';
    if (bytes.length > MAX_LOGO_BYTES) return 'TOO_LARGE';
    return imageProblem(m[1] as 'png' | 'jpeg' | 'svg+xml' | 'webp', bytes);
  }
  if (logo.length > MAX_LOGO_URL_LENGTH || !isSafeText(logo)) return 'SCHEME';
  let url: URL;
  try {
    url = new URL(logo);
  } catch {
    return 'SCHEME';
  }
  if (url.protocol !== 'https:' || !url.hostname || url.username || url.password) return 'SCHEME';
  return null;
}

function imageProblem(kind: 'png' | 'jpeg' | 'svg+xml' | 'webp', bytes: Buffer): LogoProblem | null {
  switch (kind) {
    case 'png': return bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) ? null : 'SCHEME';
    case 'jpeg': return bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff ? null : 'SCHEME';
    case 'webp': return bytes.subarray(0, 4).toString('latin1') === 'RIFF' && bytes.subarray(8, 12).toString('latin1') === 'WEBP' ? null : 'SCHEME';
    case 'svg+xml': {
      const text = bytes.toString('utf8');
      if (!/<svg[\s>]/i.test(text)) return 'SCHEME';
      return UNSAFE_SVG.test(text) ? 'UNSAFE' : null;
    }
  }
}

// Script in an SVG: elements, handler attributes (onload=, ONCLICK =), javascript: URLs (also
// entity-encoded "javascript&#58;" is caught by refusing any "javascript"), HTML islands, and DTD
// entity declarations (which can hide any of these).
const UNSAFE_SVG = /<\s*script|\son[a-z]+\s*=|javascript|<\s*foreignObject|<!ENTITY|<!DOCTYPE/i;

/** A footer as typed: CRLF -> LF, surrounding space trimmed. */
export function normaliseFooter(raw: string): string {
  return raw.replace(/\r\n?/g, '\n').trim();
}

/** A multi-line text: line breaks allowed, otherwise the rules of names (common/text.ts). */
export function isSafeMultilineText(text: string): boolean {
  return isSafeText(text.replace(/\n/g, ' '));
}
