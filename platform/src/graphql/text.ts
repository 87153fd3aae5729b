/**
 * Text checks shared by the scalars (and usable by any input rule): characters that no stored
 * text should hold. PostgreSQL refuses NUL in `text` and `jsonb` (the error would surface as an
 * internal one), and a lone UTF-16 surrogate cannot be encoded as UTF-8 at all.
 */

// A high surrogate not followed by a low one, or a low one not preceded by a high one.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export function hasLoneSurrogate(text: string): boolean {
  return LONE_SURROGATE.test(text);
}

/** Why `text` cannot be stored (NUL, lone surrogate), or null when it can. */
export function unstorableText(text: string): string | null {
  if (text.includes('\u0000')) return 'contains a NUL character (U+0000)';
  if (hasLoneSurrogate(text)) return 'contains a lone UTF-16 surrogate (not valid Unicode)';
  return null;
}

// C0 and C1 controls, DEL, and invisible format characters: bidi overrides and isolates
// (U+202A-202E, U+2066-2069), zero-width characters, BOM. None belongs in a number or a date.
const INVISIBLE = /[\u0000-\u001F\u007F-\u009F\u00AD\u061C\u180E\u200B-\u200F\u2028-\u202E\u2060-\u206F\uFEFF]/;

/** Why `text` is not plain visible text (controls, invisible format characters, lone surrogates), or null. */
export function notPlainText(text: string): string | null {
  const unstorable = unstorableText(text);
  if (unstorable) return unstorable;
  const m = INVISIBLE.exec(text);
  if (m) return `contains the control or invisible character U+${m[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
  return null;
}
