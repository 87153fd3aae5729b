/**
 * Small SQL helpers for hand-written statements run with `em.execute(sql, params)`, which inlines
 * `?` parameters: an array travels as one JSON parameter expanded in SQL, timestamps come back as
 * ISO 8601 text (UTC, milliseconds) and dates as YYYY-MM-DD text, never as driver-parsed values
 * (what GraphQL's DateTime and Date scalars send as they are). For `*.store.ts` files only.
 */

/** SQL expression turning a `?::jsonb` JSON array parameter (jsonParam) into `text[]`. */
export const TEXT_ARRAY_PARAM = `array(select jsonb_array_elements_text(?::jsonb))`;
/** The same into `uuid[]` (every element must be a UUID: check with isUuid first). */
export const UUID_ARRAY_PARAM = `array(select jsonb_array_elements_text(?::jsonb))::uuid[]`;

/** The JSON text of a value, for a `?::jsonb` parameter (arrays for TEXT_ARRAY_PARAM / UUID_ARRAY_PARAM). */
export const jsonParam = (value: unknown): string => JSON.stringify(value);

/** `to_char` of a timestamptz column as ISO 8601 UTC with milliseconds (`...T12:00:00.000Z`); null stays null. */
export const iso = (column: string) => `to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/** `to_char` of a date column as YYYY-MM-DD; null stays null. */
export const ymd = (column: string) => `to_char(${column}, 'YYYY-MM-DD')`;

/** Escapes LIKE wildcards (and the escape character, backslash: PostgreSQL's default) so user text matches literally. */
export const likeEscape = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);

/** PostgreSQL error class of a driver error, e.g. '23505'; null for anything else. */
export function sqlState(error: unknown): string | null {
  const code = error && typeof error === 'object' ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : null;
}

/** A unique constraint refused the statement (SQLSTATE 23505), e.g. a concurrent insert of the same key. */
export const isUniqueViolation = (error: unknown): boolean => sqlState(error) === '23505';
