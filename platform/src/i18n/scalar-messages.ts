/**
 * English and Spanish of every refusal of the platform scalars (platform/src/graphql/scalars.ts).
 * A refusal carries `extensions.messageCode` and `extensions.params`, so a Spanish answer keeps
 * the details the English one gives (bounds, the value, the path graphql-js names).
 */
import { defineMessages, type MessageText } from './messages';

export const SCALAR_MESSAGES = defineMessages({
  NOT_A_STRING: { en: '{scalar} must be a string such as {example}, not {got}', es: '{scalar} debe ser un texto como {example}, no {got}' },
  TEXT_NUL: { en: '{subject} contains a NUL character (U+0000)', es: '{subject} contiene un carácter NUL (U+0000)' },
  TEXT_SURROGATE: { en: '{subject} contains a lone UTF-16 surrogate (not valid Unicode)', es: '{subject} contiene un sustituto UTF-16 suelto (no es Unicode válido)' },
  TEXT_INVISIBLE: { en: '{subject} contains the control or invisible character {char}', es: '{subject} contiene el carácter de control o invisible {char}' },
  DATE_FORMAT: { en: 'Date must be written YYYY-MM-DD, e.g. {example}', es: 'La fecha (Date) se escribe AAAA-MM-DD, p. ej. {example}' },
  DATE_IMPOSSIBLE: { en: 'Date {value} does not exist in the calendar', es: 'La fecha {value} no existe en el calendario' },
  DATE_RANGE: { en: 'Date must be between {min} and {max}', es: 'La fecha debe estar entre {min} y {max}' },
  DATETIME_FORMAT: { en: 'DateTime must be an ISO 8601 date-time with an offset, e.g. {example}', es: 'DateTime debe ser una fecha y hora ISO 8601 con desfase horario, p. ej. {example}' },
  DATETIME_NO_OFFSET: { en: 'DateTime needs a UTC offset (Z or ±HH:MM), e.g. {example}', es: 'DateTime necesita un desfase respecto de UTC (Z o ±HH:MM), p. ej. {example}' },
  DATETIME_IMPOSSIBLE: { en: 'DateTime {value} does not exist in the calendar', es: 'El instante {value} no existe en el calendario' },
  DATETIME_OFFSET: { en: 'DateTime offset {offset} is not a UTC offset', es: 'El desfase {offset} no es un desfase respecto de UTC' },
  DATETIME_RANGE: { en: 'DateTime must be between {min} and {max}', es: 'DateTime debe estar entre {min} y {max}' },
  DECIMAL_EMPTY: { en: 'Decimal must not be empty; write a number such as {example}', es: 'El Decimal no puede estar vacío; escriba un número como {example}' },
  DECIMAL_TOO_LONG: { en: 'Decimal has more than {max} characters', es: 'El Decimal tiene más de {max} caracteres' },
  DECIMAL_SPACES: { en: 'Decimal must not have spaces around it, e.g. {example}', es: 'El Decimal no debe llevar espacios alrededor, p. ej. {example}' },
  DECIMAL_INTEGER_DIGITS: { en: 'Decimal has more than {max} digits before the decimal point', es: 'El Decimal tiene más de {max} dígitos antes del punto decimal' },
  DECIMAL_FRACTION_DIGITS: { en: 'Decimal has more than {max} digits after the decimal point', es: 'El Decimal tiene más de {max} dígitos después del punto decimal' },
  JSON_NOT_FINITE: { en: 'JSON numbers must be finite', es: 'Los números del JSON deben ser finitos' },
  JSON_TOO_DEEP: { en: 'JSON is nested deeper than {max} levels', es: 'El JSON tiene más de {max} niveles de anidamiento' },
  JSON_TOO_LARGE: { en: 'JSON is larger than {size}', es: 'El JSON ocupa más de {size}' },
  JSON_HOLES: { en: 'JSON lists cannot have holes', es: 'Las listas del JSON no pueden tener huecos' },
  JSON_NOT_JSON: { en: 'JSON values are objects, lists, strings, numbers, booleans or null', es: 'Un valor JSON es un objeto, una lista, un texto, un número, un booleano o null' },
  JSON_CANNOT_HOLD: { en: 'JSON cannot hold {got}', es: 'El JSON no puede contener {got}' },
  JSON_UNSAFE_KEY: { en: 'JSON object keys named __proto__ are not accepted', es: 'No se aceptan claves __proto__ en los objetos JSON' },
  JSON_UNSAFE_INTEGER: { en: 'JSON integer {value} is beyond ±2^53: send it as a string', es: 'El entero {value} del JSON excede ±2^53: envíelo como texto' },
  JSON_BARE_WORD: { en: 'JSON cannot hold the bare word {word}: quote it', es: 'El JSON no puede contener la palabra sin comillas {word}: póngala entre comillas' },
  JSON_VARIABLE: { en: 'JSON literals cannot hold variables (${name}): send the whole value as one JSON variable', es: 'Los literales JSON no pueden contener variables (${name}): envíe el valor completo como una sola variable JSON' },
  JSON_UNKNOWN_LITERAL: { en: 'JSON literal of an unknown kind', es: 'Literal JSON de un tipo desconocido' },
});

export type ScalarMessageCode = keyof typeof SCALAR_MESSAGES;

/** Words used as parameters of the messages above, in both languages. */
export const SCALAR_WORDS = {
  number: { en: 'a number', es: 'un número' },
  boolean: { en: 'a boolean', es: 'un booleano' },
  object: { en: 'an object', es: 'un objeto' },
  list: { en: 'a list', es: 'una lista' },
  null: { en: 'null', es: 'null' },
  bigint: { en: 'a big integer', es: 'un entero grande' },
  undefined: { en: 'undefined', es: 'undefined' },
  function: { en: 'a function', es: 'una función' },
  symbol: { en: 'a symbol', es: 'un símbolo' },
  variable: { en: 'a variable', es: 'una variable' },
  string: { en: 'a string', es: 'un texto' },
  jsonString: { en: 'JSON string', es: 'Un texto del JSON' },
  jsonKey: { en: 'JSON key', es: 'Una clave del JSON' },
} satisfies Record<string, MessageText>;

/** "the enum value ACTIVE" in both languages. */
export const enumValueWord = (value: string): MessageText => ({ en: `the enum value ${value}`, es: `el valor de enumeración ${value}` });
