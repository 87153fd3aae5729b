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
export type Locale = 'es' | 'en';

export const SUPPORTED_LOCALES: readonly Locale[] = ['es', 'en'];

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

// ---- message catalogues ------------------------------------------------------------------------

/** The texts of one code; templates may hold `{param}` placeholders. */
export interface MessageText { readonly en: string; readonly es: string }

/** Code -> texts. Declare one with defineMessages() so the codes stay a literal type. */
export type MessageCatalogue = Readonly<Record<string, MessageText>>;

/** The codes of a catalogue: `type LendingErrorCode = CodeOf<typeof messages>`. */
export type CodeOf<M extends MessageCatalogue> = keyof M & string;

/** Parameter names of a template literal type: ParamsOf<'between {min} and {max}'> = 'min' | 'max'. */
export type ParamsOf<S extends string> = string extends S ? never : S extends `${string}{${infer P}}${infer Rest}` ? P | ParamsOf<Rest> : never;

/** Values a template's parameters take. */
export type MessageParams = Readonly<Record<string, string | number>>;

/**
 * Declares a catalogue, keeping its codes and templates as literal types (so `keyof typeof messages`
 * is the subgraph's error-code type and parameters are checked where errors are built).
 */
export function defineMessages<const M extends Record<string, MessageText>>(messages: M): M {
  return Object.freeze(messages);
}

const PLACEHOLDER = /\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/** The `{param}` names a template uses, sorted and unique. */
export function placeholdersOf(template: string): string[] {
  return [...new Set([...template.matchAll(PLACEHOLDER)].map((m) => m[1]!))].sort();
}

/** The template with every `{param}` replaced, or null when a parameter is missing. */
export function renderMessage(template: string, params: MessageParams | undefined): string | null {
  let missing = false;
  const text = template.replace(PLACEHOLDER, (_, name: string) => {
    const v = params && Object.prototype.hasOwnProperty.call(params, name) ? params[name] : undefined;
    if (v === undefined) { missing = true; return ''; }
    return String(v);
  });
  return missing ? null : text;
}

/**
 * What is wrong with a catalogue: codes that are not UPPER_SNAKE, texts that are empty in a
 * language, English and Spanish templates that do not use the same parameters. Empty when sound.
 */
export function catalogueProblems(messages: MessageCatalogue): string[] {
  const problems: string[] = [];
  for (const [code, texts] of Object.entries(messages)) {
    if (!/^[A-Z][A-Z0-9_]*$/.test(code)) problems.push(`${code}: codes are UPPER_SNAKE_CASE`);
    for (const locale of SUPPORTED_LOCALES) {
      const text = (texts as Partial<MessageText> | undefined)?.[locale];
      if (typeof text !== 'string' || text.trim() === '') problems.push(`${code}: no ${locale} text`);
    }
    if (typeof texts?.en === 'string' && typeof texts?.es === 'string') {
      const en = placeholdersOf(texts.en).join(', ');
      const es = placeholdersOf(texts.es).join(', ');
      if (en !== es) problems.push(`${code}: en uses {${en}} but es uses {${es}}`);
    }
  }
  return problems;
}

/** The flat `code -> text` map of one language (what startSubgraph's `messagesEs` takes). */
export function catalogueIn(messages: MessageCatalogue, locale: Locale): Catalogue {
  return Object.fromEntries(Object.entries(messages).map(([code, texts]) => [code, texts[locale]]));
}

// ---- response localisation ---------------------------------------------------------------------

/** Code -> text in one language. */
export type Catalogue = Record<string, string>;

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
    (error as { message: string }).message = translate(catalogue, locale, code, error.message);
  }
}
