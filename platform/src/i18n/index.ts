/**
 * User-facing texts in Spanish and English. Every stable machine `code` (a userError's, a GraphQL
 * error's) has its texts declared once, in both languages, in a message catalogue:
 *
 *   export const messages = defineMessages({
 *     AMOUNT_OUT_OF_RANGE: { en: 'The amount must be between {min} and {max}', es: 'El monto debe estar entre {min} y {max}' },
 *   });
 *
 * `{name}` is a parameter (an identifier in braces), so the Spanish text keeps every detail the
 * English one gives. Services write English (rendered from the `en` template); the caller's
 * language (`Accept-Language: es...`, forwarded by the gateway) is applied on the way out:
 *  - userErrors: the `UserError.message` resolver renders the template of the request's locale with
 *    the error's params (@imagy/platform/graphql, userErrors()); `localizeResult` below also
 *    rewrites any parameter-free text by code, for subgraphs that only pass a Spanish catalogue;
 *  - top-level errors: `localizeResult` rewrites the message by `extensions.code`.
 * Integrators can always branch on `code`. A code without a text in the locale keeps its English
 * message (never an empty one).
 */
import { catalogueIn, defineMessages, placeholdersOf, renderMessage, SUPPORTED_LOCALES, type Catalogue, type CodeOf, type Locale, type MessageParams } from './messages';
import { SCALAR_MESSAGES } from './scalar-messages';

export * from './messages';
export * from './scalar-messages';

/** First supported language of an Accept-Language header (q-values honoured); English otherwise. */
export function localeFrom(acceptLanguage: string | null | undefined): Locale {
  if (!acceptLanguage) return 'en';
  const ranked = acceptLanguage.split(',').map((part, i) => {
    const [tag, ...params] = part.trim().split(';');
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    return { lang: (tag ?? '').trim().toLowerCase().split('-')[0] ?? '', q: q ? Number(q.slice(2)) || 0 : 1, i };
  }).filter((r) => r.lang && r.q > 0).sort((a, b) => b.q - a.q || a.i - b.i);
  const hit = ranked.find((r) => (SUPPORTED_LOCALES as readonly string[]).includes(r.lang));
  return (hit?.lang as Locale | undefined) ?? 'en';
}

// ---- response localisation ---------------------------------------------------------------------

/** English and Spanish of the GraphQL error codes every subgraph and the gateway use. */
export const PLATFORM_MESSAGES = defineMessages({
  UNAUTHENTICATED: { en: 'Authentication required', es: 'Se requiere autenticación válida.' },
  FORBIDDEN: { en: 'You are not allowed to do this', es: 'No tiene permiso para realizar esta acción.' },
  NOT_FOUND: { en: 'Not found', es: 'No se encontró el recurso.' },
  BAD_USER_INPUT: { en: 'The data sent is not valid', es: 'Los datos enviados no son válidos.' },
  CONFLICT: { en: 'The operation conflicts with the current state', es: 'La operación entra en conflicto con el estado actual.' },
  INTERNAL_SERVER_ERROR: { en: 'Internal server error', es: 'Error interno del servidor.' },
});

export type PlatformErrorCode = CodeOf<typeof PLATFORM_MESSAGES>;

/** Spanish for the platform's error codes (the shape startSubgraph merges with each subgraph's). */
export const ERROR_CODES_ES: Catalogue = catalogueIn(PLATFORM_MESSAGES, 'es');

/**
 * The catalogue's text for `code` in `locale`, or `english`. A template with parameters is never
 * used here (the response carries no params): its userErrors are rendered by the UserError.message
 * resolver, and what arrives here is already final.
 */
export function translate(catalogue: Catalogue, locale: Locale, code: string | null | undefined, english: string): string {
  if (locale === 'en' || !code) return english;
  const text = Object.prototype.hasOwnProperty.call(catalogue, code) ? catalogue[code] : undefined;
  if (!text || placeholdersOf(text).length) return english;
  return text;
}

/**
 * Rewrites, in place, the `message` of every `userErrors` entry found in a GraphQL `data` tree and
 * of every top-level error with an `extensions.code`, for the given locale.
 */
export function localizeResult(result: { data?: unknown; errors?: readonly { message: string; extensions?: Record<string, unknown> }[] }, locale: Locale, catalogue: Catalogue): void {
  if (locale === 'en') return;
  const visit = (node: unknown, depth: number): void => {
    if (!node || typeof node !== 'object' || depth > 32) return;
    if (Array.isArray(node)) { for (const item of node) visit(item, depth + 1); return; }
    for (const [key, value] of Object.entries(node as Record<string, unknown>)) {
      if (key === 'userErrors' && Array.isArray(value)) {
        for (const e of value as { code?: string; message?: string }[]) {
          if (e && typeof e.message === 'string') e.message = translate(catalogue, locale, e.code, e.message);
        }
      } else visit(value, depth + 1);
    }
  };
  visit(result.data, 0);
  for (const error of result.errors ?? []) {
    const code = typeof error.extensions?.code === 'string' ? error.extensions.code : null;
    (error as { message: string }).message = localizeScalarError(error, locale) ?? translate(catalogue, locale, code, error.message);
  }
}

/**
 * A platform scalar's refusal in `locale`, keeping what graphql-js put before it (the variable and
 * the path inside it, or the literal's type and value), or null when `error` is not one.
 */
export function localizeScalarError(error: { message: string; extensions?: Record<string, unknown> }, locale: Locale): string | null {
  const messageCode = error.extensions?.messageCode;
  if (locale === 'en' || typeof messageCode !== 'string' || !Object.prototype.hasOwnProperty.call(SCALAR_MESSAGES, messageCode)) return null;
  const texts = SCALAR_MESSAGES[messageCode as keyof typeof SCALAR_MESSAGES];
  const raw = error.extensions?.params;
  const params = raw && typeof raw === 'object' ? (raw as MessageParams) : undefined;
  const english = renderMessage(texts.en, params, 'en');
  const localized = renderMessage(texts[locale], params, locale);
  if (!english || !localized || !error.message.endsWith(english)) return null;
  const prefix = error.message.slice(0, error.message.length - english.length);
  if (!prefix) return localized;
  const variable = /^Variable "(\$[^"]+)" got invalid value ([\s\S]*?)(?: at "([^"]+)")?; $/.exec(prefix);
  if (variable) return `La variable "${variable[1]}" recibió el valor no válido ${variable[2]}${variable[3] ? ` en "${variable[3]}"` : ''}: ${localized}`;
  const literal = /^Expected value of type "([^"]+)", found ([\s\S]*); $/.exec(prefix);
  if (literal) return `Se esperaba un valor de tipo "${literal[1]}" y se recibió ${literal[2]}: ${localized}`;
  return `${prefix}${localized}`;
}
