/**
 * Small SQL helpers for `em.execute`, which inlines parameters: arrays travel as one JSON
 * parameter, timestamps come back as ISO strings (UTC, milliseconds).
 */

/** SQL expression turning a `?::jsonb` JSON array parameter into `text[]`. */
export const TEXT_ARRAY_PARAM = `array(select jsonb_array_elements_text(?::jsonb))`;
export const UUID_ARRAY_PARAM = `array(select jsonb_array_elements_text(?::jsonb))::uuid[]`;

export const jsonParam = (values: unknown[]): string => JSON.stringify(values);

/** `to_char` of a timestamptz column as ISO 8601 UTC with milliseconds; null stays null. */
export const iso = (column: string) => `to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/** Escapes LIKE wildcards so user search text matches literally. */
export const likeEscape = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);

export const isUniqueViolation = (e: unknown) => (e as { code?: string }).code === '23505';
