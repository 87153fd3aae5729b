/** Text rules of stored multi-line text (template bodies, provider settings such as PEM keys). */
import { unstorableText } from '@imagy/platform/graphql';

/** Controls and invisible format characters other than tab and line breaks (a body may have lines). */
const BODY_INVISIBLE = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u00AD\u061C\u180E\u200B-\u200F\u2028-\u202E\u2060-\u206F\uFEFF]/;

/** Why a template body cannot be stored or is not plain text (lines allowed), or null. */
export function multilineTextProblem(text: string): string | null {
  return unstorableText(text) ?? (BODY_INVISIBLE.test(text) ? 'contains a control or invisible character' : null);
}
