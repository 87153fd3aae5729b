/**
 * Every code sign answers in userErrors, with its English and Spanish text (the only place
 * either is written); `{params}` are filled from the error's params in both languages.
 */
import { defineMessages, userErrors, type CodeOf } from '@imagy/platform/graphql';

export const messages = defineMessages({
  NAME_REQUIRED: { en: 'The name is required', es: 'El nombre es obligatorio.' },
  NAME_TOO_LONG: { en: 'The name must have at most {max} characters', es: 'El nombre debe tener como máximo {max} caracteres.' },
  NAME_NOT_PLAIN_TEXT: { en: 'The name must be plain text (no control or invisible direction characters)', es: 'El nombre debe ser texto simple (sin caracteres de control ni de dirección invisibles).' },
});

export type SignErrorCode = CodeOf<typeof messages>;

export const { userError, reject } = userErrors(messages);
