/**
 * User-facing texts in Spanish and English. Services write English messages next to a stable
 * machine `code` (userErrors, typed errors); this module gives the Spanish text for a code, so a
 * client that asks for Spanish (`Accept-Language: es...`, forwarded by the gateway) reads Spanish,
 * and integrators can always branch on `code`. A code without a Spanish entry keeps its English
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

export type Catalogue = Record<string, string>;

/** Spanish for the GraphQL error codes every subgraph and the gateway use. */
export const ERROR_CODES_ES: Catalogue = {
  UNAUTHENTICATED: 'Se requiere autenticación válida.',
  FORBIDDEN: 'No tiene permiso para realizar esta acción.',
  NOT_FOUND: 'No se encontró el recurso.',
  BAD_USER_INPUT: 'Los datos enviados no son válidos.',
  CONFLICT: 'La operación entra en conflicto con el estado actual.',
  INTERNAL_SERVER_ERROR: 'Error interno del servidor.',
};

export function translate(catalogue: Catalogue, locale: Locale, code: string | null | undefined, english: string): string {
  if (locale === 'en' || !code) return english;
  return catalogue[code] ?? english;
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
