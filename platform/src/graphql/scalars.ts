/**
 * The custom scalars every subgraph shares: DateTime, Date, Decimal and JSON, as real GraphQL
 * scalars. Values sent by callers are checked in `parseValue` (variables) and `parseLiteral` (inline
 * in the query), so a wrong value is refused before any resolver runs, with a GraphQLError whose
 * message names the problem (graphql-js prefixes the variable, argument or input field) and
 * `extensions: { code: 'BAD_USER_INPUT', scalar, reason }`. `serialize` refuses what a resolver must
 * never return (an internal error, logged), and is lenient on the valid shapes services return today.
 *
 * Rules (the constants below are the documented bounds):
 *
 * DateTime  A JSON string `YYYY-MM-DDTHH:MM[:SS[.fraction]]` followed by `Z` or `±HH:MM`: the offset
 *           is required (an instant without one means a different instant on each server). The
 *           date must exist, the instant must lie in [1900-01-01T00:00:00Z, 2999-12-31T23:59:59.999Z].
 *           Resolvers receive the canonical `toISOString()` text (UTC, milliseconds; digits past the
 *           millisecond are dropped). Serialize accepts a valid Date or ISO text with an offset.
 * Date      A JSON string `YYYY-MM-DD` naming a real calendar day in [1900-01-01, 2999-12-31].
 *           Domain rules (a payment is not in the future, a due date follows disbursement) are
 *           the services' userErrors; this range only keeps out what no lending date can be (year
 *           0000, 0001, five-digit years) and still lets the services answer 2999-01-01 with their
 *           own INVALID_DATE.
 * Decimal   A JSON string, never a number (JSON numbers lose digits in every parser between the
 *           caller and us) nor a boolean, object or list. At most 64 characters, no spaces around
 *           it (refused, not trimmed: what is stored is what was sent), no control or invisible
 *           characters. A plain numeral `-?digits[.digits]` may have at most 24 digits before the
 *           point and 16 after it, as written (more fits no column: money is numeric(20,4)). Other
 *           text ("abc", "1e3", "1,5") reaches the service, whose amount rules answer a userError
 *           naming the field in the caller's language (lending's INVALID_AMOUNT).
 * JSON      Any JSON value, nested at most 16 objects/lists deep and at most 64 KiB as UTF-8 JSON;
 *           no NUL or lone surrogate in any string or key (PostgreSQL's jsonb refuses NUL); only
 *           finite numbers, integers within ±2^53 when written inline; no `__proto__` key (plain
 *           assignment of such a key replaces an object's prototype); no variable inside an inline
 *           literal (send the whole value as one JSON variable). A subgraph that needs other bounds
 *           builds its own with `jsonScalar({ maxDepth, maxBytes })`.
 *
 * Every string input is also refused when it holds NUL or a lone UTF-16 surrogate.
 */
import { GraphQLError, GraphQLScalarType, Kind, print, type DocumentNode, type ValueNode } from 'graphql';
import { renderMessage, SCALAR_MESSAGES, SCALAR_WORDS, enumValueWord, type MessageParams, type MessageText, type ScalarMessageCode } from '../i18n';
import { textProblem } from './text';

export const DATE_MIN = '1900-01-01';
export const DATE_MAX = '2999-12-31';
export const DECIMAL_MAX_LENGTH = 64;
export const DECIMAL_MAX_INTEGER_DIGITS = 24;
export const DECIMAL_MAX_FRACTION_DIGITS = 16;
export const JSON_MAX_DEPTH = 16;
export const JSON_MAX_BYTES = 64 * 1024;
/** Output values (e.g. stored OCSF events) are only checked for cycles and non-JSON leaves. */
const JSON_OUTPUT_MAX_DEPTH = 64;

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** Why a scalar refused a value; `extensions.reason` of the error, for clients that branch on it. */
export type ScalarProblem =
  | 'WRONG_TYPE' | 'INVALID_TEXT' | 'SURROUNDING_SPACE' | 'TOO_LONG' | 'FORMAT' | 'NO_OFFSET'
  | 'IMPOSSIBLE_DATE' | 'OUT_OF_RANGE' | 'TOO_PRECISE' | 'TOO_DEEP' | 'TOO_LARGE' | 'NOT_FINITE' | 'UNSAFE_KEY';

/**
 * The typed error every scalar throws for a caller's bad variable value. graphql-js prefixes its
 * message with the variable and the path inside it (`Variable "$input" got invalid value 5 at
 * "input.amount"; Decimal must be a string ...`) and keeps its extensions.
 */
export class ScalarInputError extends GraphQLError {
  constructor(readonly scalar: string, readonly reason: ScalarProblem, readonly messageCode: ScalarMessageCode, readonly params: MessageParams = {}) {
    // messageCode and params let platform/src/i18n answer the same details in Spanish.
    super(renderMessage(SCALAR_MESSAGES[messageCode].en, params) ?? SCALAR_MESSAGES[messageCode].en, { extensions: { code: 'BAD_USER_INPUT', scalar, reason, messageCode, params } });
    this.name = 'ScalarInputError';
  }
}

/**
 * The same refusal for an inline literal. Deliberately not a GraphQLError: graphql-js's validation
 * reports a GraphQLError from parseLiteral as it is, but wraps any other error as `Expected value of
 * type "Decimal", found 5; <message>` with the literal's location (and these extensions), which
 * is what tells the caller which argument is wrong.
 */
export class ScalarLiteralError extends Error {
  readonly scalar: string;
  readonly reason: ScalarProblem;
  readonly extensions: { code: 'BAD_USER_INPUT'; scalar: string; reason: ScalarProblem; messageCode: ScalarMessageCode; params: MessageParams };
  constructor(cause: ScalarInputError) {
    super(cause.message);
    this.name = 'ScalarLiteralError';
    this.scalar = cause.scalar;
    this.reason = cause.reason;
    this.extensions = { code: 'BAD_USER_INPUT', scalar: cause.scalar, reason: cause.reason, messageCode: cause.messageCode, params: cause.params };
  }
}

/** Whether an error is a scalar's refusal of a caller's value (variable or literal). */
export const isScalarError = (error: unknown): error is ScalarInputError | ScalarLiteralError => error instanceof ScalarInputError || error instanceof ScalarLiteralError;

/** parseLiteral that reports refusals the way graphql-js locates them (see ScalarLiteralError). */
function literalParser<T>(parse: (ast: ValueNode, variables?: Readonly<Record<string, unknown>> | null) => T) {
  return (ast: ValueNode, variables?: Readonly<Record<string, unknown>> | null): T => {
    try {
      return parse(ast, variables);
    } catch (e) {
      if (e instanceof ScalarInputError) throw new ScalarLiteralError(e);
      throw e;
    }
  };
}

/** A resolver returned a value a scalar cannot send: a bug, reported as an internal error. */
function outputError(scalar: string, message: string): GraphQLError {
  return new GraphQLError(`${scalar} cannot serialise the value a resolver returned: ${message}`);
}

/** What a value is, in both languages (for "must be a string ..., not a number"). */
const kindOf = (v: unknown): MessageText => {
  if (v === null) return SCALAR_WORDS.null;
  if (Array.isArray(v)) return SCALAR_WORDS.list;
  switch (typeof v) {
    case 'number': return SCALAR_WORDS.number;
    case 'boolean': return SCALAR_WORDS.boolean;
    case 'object': return SCALAR_WORDS.object;
    case 'bigint': return SCALAR_WORDS.bigint;
    case 'undefined': return SCALAR_WORDS.undefined;
    case 'function': return SCALAR_WORDS.function;
    case 'symbol': return SCALAR_WORDS.symbol;
    default: return SCALAR_WORDS.string;
  }
};
const describe = (v: unknown): string => kindOf(v).en;

const kindOfLiteral = (ast: ValueNode): MessageText => {
  switch (ast.kind) {
    case Kind.INT: case Kind.FLOAT: return SCALAR_WORDS.number;
    case Kind.BOOLEAN: return SCALAR_WORDS.boolean;
    case Kind.OBJECT: return SCALAR_WORDS.object;
    case Kind.LIST: return SCALAR_WORDS.list;
    case Kind.ENUM: return enumValueWord(ast.value.slice(0, 40));
    case Kind.NULL: return SCALAR_WORDS.null;
    default: return SCALAR_WORDS.variable;
  }
};

/** The text of a string-typed literal, or a typed error naming what was written instead. */
function literalText(scalar: string, ast: ValueNode, example: string): string {
  if (ast.kind !== Kind.STRING) throw new ScalarInputError(scalar, 'WRONG_TYPE', 'NOT_A_STRING', { scalar, example, got: kindOfLiteral(ast) });
  return ast.value;
}

function inputText(scalar: string, value: unknown, example: string): string {
  if (typeof value !== 'string') throw new ScalarInputError(scalar, 'WRONG_TYPE', 'NOT_A_STRING', { scalar, example, got: kindOf(value) });
  return value;
}

const TEXT_CODES = { NUL: 'TEXT_NUL', SURROGATE: 'TEXT_SURROGATE', INVISIBLE: 'TEXT_INVISIBLE' } as const;

/** Refuses NUL and lone surrogates (and, when `plain`, controls and invisible characters) in `subject`'s text. */
function checkText(scalar: string, subject: MessageText, text: string, plain: boolean): void {
  const p = textProblem(text, plain);
  if (p) throw new ScalarInputError(scalar, 'INVALID_TEXT', TEXT_CODES[p.kind], p.kind === 'INVISIBLE' ? { subject, char: p.char } : { subject });
}

const SUBJECTS = { Date: { en: 'Date', es: 'La fecha' }, DateTime: { en: 'DateTime', es: 'El DateTime' }, Decimal: { en: 'Decimal', es: 'El Decimal' } } satisfies Record<string, MessageText>;
const checkPlain = (scalar: keyof typeof SUBJECTS, text: string) => checkText(scalar, SUBJECTS[scalar], text, true);

// ---- calendar --------------------------------------------------------------------------------

const isLeap = (y: number) => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
const daysIn = (y: number, m: number) => [31, isLeap(y) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1]!;
const realDay = (y: number, m: number, d: number) => m >= 1 && m <= 12 && d >= 1 && d <= daysIn(y, m);

/** Milliseconds since the epoch of a UTC civil time; setUTCFullYear keeps years 0-99 literal (Date.UTC would add 1900). */
function utcMillis(y: number, mo: number, d: number, h: number, mi: number, s: number, ms: number): number {
  const t = new Date(0);
  t.setUTCFullYear(y, mo - 1, d);
  t.setUTCHours(h, mi, s, ms);
  return t.getTime();
}

// ---- Date ------------------------------------------------------------------------------------

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_EXAMPLE = '"2025-01-31"';

/** The checked `YYYY-MM-DD` text, or a typed error. */
export function parseDate(text: string, bounded = true): string {
  const m = DATE_RE.exec(text);
  if (!m) {
    checkPlain('Date', text);
    throw new ScalarInputError('Date', 'FORMAT', 'DATE_FORMAT', { example: DATE_EXAMPLE });
  }
  if (!realDay(Number(m[1]), Number(m[2]), Number(m[3]))) throw new ScalarInputError('Date', 'IMPOSSIBLE_DATE', 'DATE_IMPOSSIBLE', { value: text });
  if (bounded && (text < DATE_MIN || text > DATE_MAX)) throw new ScalarInputError('Date', 'OUT_OF_RANGE', 'DATE_RANGE', { min: DATE_MIN, max: DATE_MAX });
  return text;
}

export const DateScalar = new GraphQLScalarType<string, string>({
  name: 'Date',
  serialize(value) {
    if (value instanceof Date) {
      if (Number.isNaN(value.getTime())) throw outputError('Date', 'an invalid Date');
      return value.toISOString().slice(0, 10);
    }
    if (typeof value !== 'string') throw outputError('Date', describe(value));
    try { return parseDate(value, false); } catch (e) { throw outputError('Date', (e as Error).message); }
  },
  parseValue: (value) => parseDate(inputText('Date', value, DATE_EXAMPLE)),
  parseLiteral: literalParser((ast) => parseDate(literalText('Date', ast, DATE_EXAMPLE))),
});

// ---- DateTime --------------------------------------------------------------------------------

const DATETIME_RE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:\d{2})?$/;
const DATETIME_EXAMPLE = '"2025-01-31T10:00:00Z"';
const INSTANT_MIN = utcMillis(1900, 1, 1, 0, 0, 0, 0);
const INSTANT_MAX = utcMillis(2999, 12, 31, 23, 59, 59, 999);

/** The canonical `toISOString()` of an ISO 8601 date-time with offset, or a typed error. */
export function parseDateTime(text: string, bounded = true): string {
  const m = DATETIME_RE.exec(text);
  if (!m) {
    checkPlain('DateTime', text);
    throw new ScalarInputError('DateTime', 'FORMAT', 'DATETIME_FORMAT', { example: DATETIME_EXAMPLE });
  }
  const [, y, mo, d, h, mi, s = '0', fraction = '', offset] = m;
  if (!offset) throw new ScalarInputError('DateTime', 'NO_OFFSET', 'DATETIME_NO_OFFSET', { example: DATETIME_EXAMPLE });
  const year = Number(y), month = Number(mo), day = Number(d), hour = Number(h), minute = Number(mi), second = Number(s);
  if (!realDay(year, month, day) || hour > 23 || minute > 59 || second > 59) throw new ScalarInputError('DateTime', 'IMPOSSIBLE_DATE', 'DATETIME_IMPOSSIBLE', { value: text });
  let offsetMinutes = 0;
  if (offset !== 'Z') {
    const oh = Number(offset.slice(1, 3)), om = Number(offset.slice(4, 6));
    if (oh > 23 || om > 59) throw new ScalarInputError('DateTime', 'FORMAT', 'DATETIME_OFFSET', { offset });
    offsetMinutes = (offset[0] === '-' ? -1 : 1) * (oh * 60 + om);
  }
  const millis = utcMillis(year, month, day, hour, minute, second, Number(fraction.padEnd(3, '0').slice(0, 3))) - offsetMinutes * 60_000;
  if (bounded && (millis < INSTANT_MIN || millis > INSTANT_MAX)) throw new ScalarInputError('DateTime', 'OUT_OF_RANGE', 'DATETIME_RANGE', { min: `${DATE_MIN}T00:00:00Z`, max: `${DATE_MAX}T23:59:59.999Z` });
  return new Date(millis).toISOString();
}

export const DateTimeScalar = new GraphQLScalarType<string, string>({
  name: 'DateTime',
  serialize(value) {
    if (value instanceof Date) {
      if (Number.isNaN(value.getTime())) throw outputError('DateTime', 'an invalid Date');
      return value.toISOString();
    }
    if (typeof value !== 'string') throw outputError('DateTime', describe(value));
    try { return parseDateTime(value, false); } catch (e) { throw outputError('DateTime', (e as Error).message); }
  },
  parseValue: (value) => parseDateTime(inputText('DateTime', value, DATETIME_EXAMPLE)),
  parseLiteral: literalParser((ast) => parseDateTime(literalText('DateTime', ast, DATETIME_EXAMPLE))),
});

// ---- Decimal ---------------------------------------------------------------------------------

const NUMERAL = /^-?(\d+)(?:\.(\d+))?$/;
const DECIMAL_EXAMPLE = '"1500.00"';

/** The checked Decimal text (see the rules above), or a typed error. */
export function parseDecimal(text: string): string {
  if (text.length === 0) throw new ScalarInputError('Decimal', 'FORMAT', 'DECIMAL_EMPTY', { example: DECIMAL_EXAMPLE });
  if (text.length > DECIMAL_MAX_LENGTH) throw new ScalarInputError('Decimal', 'TOO_LONG', 'DECIMAL_TOO_LONG', { max: DECIMAL_MAX_LENGTH });
  if (/^\s|\s$/.test(text)) throw new ScalarInputError('Decimal', 'SURROUNDING_SPACE', 'DECIMAL_SPACES', { example: DECIMAL_EXAMPLE });
  checkPlain('Decimal', text);
  const m = NUMERAL.exec(text);
  if (m) {
    if (m[1]!.length > DECIMAL_MAX_INTEGER_DIGITS) throw new ScalarInputError('Decimal', 'TOO_PRECISE', 'DECIMAL_INTEGER_DIGITS', { max: DECIMAL_MAX_INTEGER_DIGITS });
    if ((m[2]?.length ?? 0) > DECIMAL_MAX_FRACTION_DIGITS) throw new ScalarInputError('Decimal', 'TOO_PRECISE', 'DECIMAL_FRACTION_DIGITS', { max: DECIMAL_MAX_FRACTION_DIGITS });
  }
  return text;
}

export const DecimalScalar = new GraphQLScalarType<string, string>({
  name: 'Decimal',
  serialize(value) {
    // decimal.js values (and any other decimal type) print themselves without exponent via toFixed().
    if (value !== null && typeof value === 'object' && typeof (value as { toFixed?: unknown }).toFixed === 'function') value = (value as { toFixed(): string }).toFixed();
    else if (typeof value === 'number' && Number.isFinite(value)) value = String(value);
    if (typeof value !== 'string' || !NUMERAL.test(value)) throw outputError('Decimal', typeof value === 'string' ? 'text that is not a decimal numeral' : describe(value));
    return value;
  },
  parseValue: (value) => parseDecimal(inputText('Decimal', value, DECIMAL_EXAMPLE)),
  parseLiteral: literalParser((ast) => parseDecimal(literalText('Decimal', ast, DECIMAL_EXAMPLE))),
});

// ---- JSON ------------------------------------------------------------------------------------

export interface JsonBounds {
  /** Objects and lists nested at most this deep (a top-level object is depth 1). */
  maxDepth?: number;
  /** Size of the value as UTF-8 JSON text. */
  maxBytes?: number;
}

const isPlainObject = (v: object) => {
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
};

const checkJsonText = (text: string, where: 'string' | 'key') => checkText('JSON', where === 'key' ? SCALAR_WORDS.jsonKey : SCALAR_WORDS.jsonString, text, false);

/** Checks a value received as a variable: plain JSON only, within the bounds. */
function checkJsonInput(value: unknown, maxDepth: number, depth: number): void {
  switch (typeof value) {
    case 'string': checkJsonText(value, 'string'); return;
    case 'boolean': return;
    case 'number':
      if (!Number.isFinite(value)) throw new ScalarInputError('JSON', 'NOT_FINITE', 'JSON_NOT_FINITE');
      return;
    case 'object': {
      if (value === null) return;
      if (depth >= maxDepth) throw new ScalarInputError('JSON', 'TOO_DEEP', 'JSON_TOO_DEEP', { max: maxDepth });
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) {
          if (!(i in value)) throw new ScalarInputError('JSON', 'WRONG_TYPE', 'JSON_HOLES');
          checkJsonInput(value[i], maxDepth, depth + 1);
        }
        return;
      }
      if (!isPlainObject(value)) throw new ScalarInputError('JSON', 'WRONG_TYPE', 'JSON_NOT_JSON');
      for (const key of Object.keys(value)) {
        checkJsonText(key, 'key');
        if (key === '__proto__') throw new ScalarInputError('JSON', 'UNSAFE_KEY', 'JSON_UNSAFE_KEY');
        checkJsonInput((value as Record<string, unknown>)[key], maxDepth, depth + 1);
      }
      return;
    }
    default:
      throw new ScalarInputError('JSON', 'WRONG_TYPE', 'JSON_CANNOT_HOLD', { got: kindOf(value) });
  }
}

const sizeText = (bytes: number) => (bytes % 1024 === 0 ? `${bytes / 1024} KiB` : `${bytes} bytes`);

function checkJsonSize(value: JsonValue, maxBytes: number): void {
  // Cheap bound first: a UTF-16 unit is at most 3 UTF-8 bytes.
  const text = JSON.stringify(value);
  if (text.length > maxBytes || (text.length * 3 > maxBytes && Buffer.byteLength(text, 'utf8') > maxBytes)) {
    throw new ScalarInputError('JSON', 'TOO_LARGE', 'JSON_TOO_LARGE', { size: sizeText(maxBytes) });
  }
}

/** An inline literal as a JSON value: the same rules as a variable, depth-checked while converting. */
function literalJson(ast: ValueNode, maxDepth: number, depth: number): JsonValue {
  switch (ast.kind) {
    case Kind.STRING: checkJsonText(ast.value, 'string'); return ast.value;
    case Kind.BOOLEAN: return ast.value;
    case Kind.NULL: return null;
    case Kind.INT: {
      const n = Number(ast.value);
      if (!Number.isSafeInteger(n)) throw new ScalarInputError('JSON', 'NOT_FINITE', 'JSON_UNSAFE_INTEGER', { value: ast.value.slice(0, 24) });
      return n;
    }
    case Kind.FLOAT: {
      const n = Number(ast.value);
      if (!Number.isFinite(n)) throw new ScalarInputError('JSON', 'NOT_FINITE', 'JSON_NOT_FINITE');
      return n;
    }
    case Kind.ENUM: throw new ScalarInputError('JSON', 'WRONG_TYPE', 'JSON_BARE_WORD', { word: ast.value.slice(0, 40) });
    case Kind.VARIABLE:
      // Only a nested variable gets here (`{ a: $x }`). Its value could be checked only at execution,
      // where graphql-js turns any refusal into an uncoded "Argument has invalid value" error.
      throw new ScalarInputError('JSON', 'WRONG_TYPE', 'JSON_VARIABLE', { name: ast.name.value });
    case Kind.LIST: {
      if (depth >= maxDepth) throw new ScalarInputError('JSON', 'TOO_DEEP', 'JSON_TOO_DEEP', { max: maxDepth });
      return ast.values.map((v) => literalJson(v, maxDepth, depth + 1));
    }
    case Kind.OBJECT: {
      if (depth >= maxDepth) throw new ScalarInputError('JSON', 'TOO_DEEP', 'JSON_TOO_DEEP', { max: maxDepth });
      const out: Record<string, JsonValue> = {};
      for (const field of ast.fields) {
        const key = field.name.value;
        if (key === '__proto__') throw new ScalarInputError('JSON', 'UNSAFE_KEY', 'JSON_UNSAFE_KEY');
        out[key] = literalJson(field.value, maxDepth, depth + 1);
      }
      return out;
    }
    default: throw new ScalarInputError('JSON', 'WRONG_TYPE', 'JSON_UNKNOWN_LITERAL');
  }
}

/** Output check: JSON-representable (Dates and other toJSON values allowed), without cycles. */
function checkJsonOutput(value: unknown, depth: number): void {
  if (value === null) return;
  switch (typeof value) {
    case 'string': case 'boolean': return;
    case 'number': if (Number.isFinite(value)) return; throw outputError('JSON', 'a non-finite number');
    case 'object': {
      if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return;
      if (depth >= JSON_OUTPUT_MAX_DEPTH) throw outputError('JSON', `nested deeper than ${JSON_OUTPUT_MAX_DEPTH} levels (a cycle?)`);
      for (const v of Array.isArray(value) ? value : Object.values(value)) checkJsonOutput(v, depth + 1);
      return;
    }
    default: throw outputError('JSON', describe(value));
  }
}

/** A JSON scalar with its own bounds (defaults: JSON_MAX_DEPTH, JSON_MAX_BYTES). */
export function jsonScalar(bounds: JsonBounds = {}): GraphQLScalarType<JsonValue, unknown> {
  const maxDepth = bounds.maxDepth ?? JSON_MAX_DEPTH;
  const maxBytes = bounds.maxBytes ?? JSON_MAX_BYTES;
  return new GraphQLScalarType<JsonValue, unknown>({
    name: 'JSON',
    serialize(value) {
      checkJsonOutput(value, 0);
      return value;
    },
    parseValue(value) {
      checkJsonInput(value, maxDepth, 0);
      checkJsonSize(value as JsonValue, maxBytes);
      return value as JsonValue;
    },
    parseLiteral: literalParser((ast) => {
      const value = literalJson(ast, maxDepth, 0);
      checkJsonSize(value, maxBytes);
      return value;
    }),
  });
}

export const JSONScalar = jsonScalar();

/**
 * Every platform scalar by name. buildSubgraphSchema copies a scalar's defined properties onto the
 * SDL's type, so these carry no description: the SDL's own text stays what introspection shows.
 */
export const SCALARS = { DateTime: DateTimeScalar, Date: DateScalar, Decimal: DecimalScalar, JSON: JSONScalar } as const;
export type PlatformScalarName = keyof typeof SCALARS;

/**
 * The platform scalars an SDL declares, ready to spread into its resolver map (buildSubgraphSchema
 * refuses a resolver for a type the SDL does not have). Throws on a custom scalar platform lacks.
 */
export function scalarResolvers(typeDefs: DocumentNode | string): Partial<typeof SCALARS> {
  const sdl = typeof typeDefs === 'string' ? typeDefs : print(typeDefs);
  const out: Partial<Record<PlatformScalarName, GraphQLScalarType>> = {};
  for (const m of sdl.matchAll(/^\s*scalar\s+([_A-Za-z][_0-9A-Za-z]*)/gm)) {
    const name = m[1]!;
    if (name === '_FieldSet' || name === '_Any') continue;
    if (!(name in SCALARS)) throw new Error(`scalar ${name} has no platform implementation (platform/src/graphql/scalars.ts)`);
    out[name as PlatformScalarName] = SCALARS[name as PlatformScalarName];
  }
  return out as Partial<typeof SCALARS>;
}
