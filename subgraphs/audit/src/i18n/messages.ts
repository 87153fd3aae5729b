/**
 * Every code the audit subgraph answers in `userErrors`, with its English and Spanish text (the
 * only place either is written). `{param}`s are filled from the error's params, so both languages
 * give the same details. Codes are part of the API: integrators branch on them.
 */
import { defineMessages, type CodeOf } from '@imagy/platform/graphql';

export const messages = defineMessages({
  INVALID: {
    en: '{field} must be an identifier of up to {max} characters (letters, digits, _ . : -)',
    es: '{field} debe ser un identificador de hasta {max} caracteres (letras, dígitos, _ . : -).',
  },
  TOO_LONG: { en: '{field} is limited to {max} characters', es: '{field} admite como máximo {max} caracteres.' },
  /** Text that would lie when shown (terminal escapes, line breaks, direction overrides, invisible characters). */
  INVALID_TEXT: {
    en: '{field} must not contain control, text-direction or invisible characters',
    es: '{field} no debe contener caracteres de control, de dirección del texto ni invisibles.',
  },
  /** recordAuditEvent's `data` over its size bound (not the export range: that is RANGE_TOO_LARGE). */
  TOO_LARGE: { en: '{field} is limited to {max} KiB of JSON', es: '{field} admite como máximo {max} KiB de JSON.' },
  INVALID_DATA: { en: '{field} must be a JSON object', es: '{field} debe ser un objeto JSON.' },
  INVALID_IDEMPOTENCY_KEY: { en: 'idempotencyKey must have {min} to {max} characters', es: 'La llave de idempotencia debe tener entre {min} y {max} caracteres.' },
  /** A time range holding more events than one export may return. */
  RANGE_TOO_LARGE: { en: 'The range holds more than {limit} events; export a shorter range', es: 'El rango tiene más de {limit} eventos; exporte un rango más corto.' },
});

export type AuditErrorCode = CodeOf<typeof messages>;
