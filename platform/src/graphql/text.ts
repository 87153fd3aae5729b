/**
 * Text checks shared by the scalars (and usable by any input rule): characters that no stored
 * text should hold. PostgreSQL refuses NUL in `text` and `jsonb` (the error would surface as an
 * internal one), and a lone UTF-16 surrogate cannot be encoded as UTF-8 at all.
 */

// A high surrogate not followed by a low one, or a low one not preceded by a high one.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

// C0 and C1 controls, DEL, and invisible format characters: bidi overrides and isolates
// (U+202A-202E, U+2066-2069), zero-width characters, BOM. None belongs in a number or a date.
const INVISIBLE = /[\u0000-\u001F\u007F-\u009F\u00AD\u061C\u180E\u200B-\u200F\u2028-\u202E\u2060-\u206F\uFEFF]/;

export function hasLoneSurrogate(text: string): boolean {
  return LONE_SURROGATE.test(text);
}

export type TextProblem = { kind: 'NUL' } | { kind: 'SURROGATE' } | { kind: 'INVISIBLE'; char: string };

/** The first reason `text` cannot be stored (NUL, lone surrogate) or, when `plain`, is not plain visible text. */
export function textProblem(text: string, plain = false): TextProblem | null {
  if (text.includes('\u0000')) return { kind: 'NUL' };
  if (hasLoneSurrogate(text)) return { kind: 'SURROGATE' };
  if (plain) {
    const m = INVISIBLE.exec(text);
    if (m) return { kind: 'INVISIBLE', char: `U+${m[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}` };
  }
  return null;
}

const describeProblem = (p: TextProblem) =>
  p.kind === 'NUL' ? 'contains a NUL character (U+0000)'
    : p.kind === 'SURROGATE' ? 'contains a lone UTF-16 surrogate (not valid Unicode)'
      : `contains the control or invisible character ${p.char}`;

/** Why `text` cannot be stored (NUL, lone surrogate), or null when it can. */
export function unstorableText(text: string): string | null {
  const p = textProblem(text);
  return p && describeProblem(p);
}

/** Why `text` is not plain visible text (controls, invisible format characters, lone surrogates), or null. */
export function notPlainText(text: string): string | null {
  const p = textProblem(text, true);
  return p && describeProblem(p);
}

/**
 * Text that would lie when shown later in a console, a log, a terminal or a report: C0 and C1
 * controls and DEL (ESC and CSI start terminal escapes; tabs and line breaks forge log lines),
 * text-direction controls (U+202A-202E, U+2066-2069, marks U+200E, U+200F, U+061C), and invisible
 * characters (U+200B, U+2060-2064, BOM, line and paragraph separators). Zero-width (non-)joiners
 * U+200C and U+200D stay allowed: Persian and Indic names and emoji sequences need them.
 */
const UNSAFE_DISPLAY = /[\u0000-\u001F\u007F-\u009F\u061C\u200B\u200E\u200F\u2028-\u202E\u2060-\u2069\uFEFF]/;

/** Why `text` is refused in a name or any text shown to people later (unstorable, or as above), or null. */
export function unsafeDisplayText(text: string): string | null {
  const unstorable = unstorableText(text);
  if (unstorable) return unstorable;
  const m = UNSAFE_DISPLAY.exec(text);
  return m ? `contains the control or format character U+${m[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}` : null;
}
