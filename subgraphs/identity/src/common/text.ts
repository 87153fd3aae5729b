/**
 * Text that identity refuses in names and e-mails (display names, tenant and API key names, every
 * e-mail): what cannot be stored (NUL, lone UTF-16 surrogates: platform's unstorableText) and what
 * would let a stored text lie when it is shown later in a console, a log or a terminal:
 *
 *  - C0 and C1 control characters and DEL: ESC (U+001B) and CSI (U+009B) start terminal escape
 *    sequences; tabs and line breaks forge log lines;
 *  - text-direction controls: embeddings and overrides U+202A-202E, isolates U+2066-2069, and the
 *    marks U+200E, U+200F, U+061C (a name that displays as another);
 *  - invisible characters: zero-width space U+200B, word joiner and invisible operators
 *    U+2060-2064, BOM U+FEFF, line and paragraph separators U+2028-2029.
 *
 * Zero-width (non-)joiners U+200C and U+200D stay allowed: Persian and Indic names and emoji
 * sequences need them.
 */
import { hasLoneSurrogate, unsafeDisplayText } from '@imagy/platform/graphql';

export { hasLoneSurrogate };

/** Why `text` is refused in a name or an e-mail, or null when it is acceptable (platform's unsafeDisplayText). */
export const unsafeTextProblem = unsafeDisplayText;

export const isSafeText = (text: string): boolean => unsafeTextProblem(text) === null;
