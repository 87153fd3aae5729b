/**
 * Small SQL helpers for `em.execute`, which inlines parameters: arrays travel as one JSON
 * parameter, timestamps come back as ISO strings (UTC, milliseconds), dates as YYYY-MM-DD text.
 */
export const UUID_ARRAY_PARAM = `array(select jsonb_array_elements_text(?::jsonb))::uuid[]`;
export const TEXT_ARRAY_PARAM = `array(select jsonb_array_elements_text(?::jsonb))`;
export const jsonParam = (values: unknown): string => JSON.stringify(values);
export const iso = (column: string) => `to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
export const ymd = (column: string) => `to_char(${column}, 'YYYY-MM-DD')`;
export const isUniqueViolation = (e: unknown) => (e as { code?: string }).code === '23505';
