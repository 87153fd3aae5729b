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
import { notPlainText, unstorableText } from './text';

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
  constructor(readonly scalar: string, readonly reason: ScalarProblem, message: string) {
    super(message, { extensions: { code: 'BAD_USER_INPUT', scalar, reason } });
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
  readonly extensions: { code: 'BAD_USER_INPUT'; scalar: string; reason: ScalarProblem };
  constructor(cause: ScalarInputError) {
    super(cause.message);
    this.name = 'ScalarLiteralError';
    this.scalar = cause.scalar;
    this.reason = cause.reason;
    this.extensions = { code: 'BAD_USER_INPUT', scalar: cause.scalar, reason: cause.reason };
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

const describe = (v: unknown): string => {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  switch (typeof v) {
    case 'number': return 'a number';
    case 'boolean': return 'a boolean';
    case 'object': return 'an object';
    case 'bigint': return 'a big integer';
    case 'undefined': return 'undefined';
    default: return `a ${typeof v}`;
  }
};

const describeLiteral = (ast: ValueNode): string => {
  switch (ast.kind) {
    case Kind.INT: case Kind.FLOAT: return 'a number';
    case Kind.BOOLEAN: return 'a boolean';
    case Kind.OBJECT: return 'an object';
    case Kind.LIST: return 'a list';
    case Kind.ENUM: return `the enum value ${ast.value}`;
    case Kind.NULL: return 'null';
    default: return 'a variable';
  }
};

/** The text of a string-typed literal, or a typed error naming what was written instead. */
function literalText(scalar: string, ast: ValueNode, example: string): string {
  if (ast.kind !== Kind.STRING) throw new ScalarInputError(scalar, 'WRONG_TYPE', `${scalar} must be a string such as ${example}, not ${describeLiteral(ast)}`);
  return ast.value;
}

function inputText(scalar: string, value: unknown, example: string): string {
  if (typeof value !== 'string') throw new ScalarInputError(scalar, 'WRONG_TYPE', `${scalar} must be a string such as ${example}, not ${describe(value)}`);
  return value;
}

function checkPlain(scalar: string, text: string): void {
  const problem = notPlainText(text);
  if (problem) throw new ScalarInputError(scalar, 'INVALID_TEXT', `${scalar} ${problem}`);
}

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
    throw new ScalarInputError('Date', 'FORMAT', `Date must be written YYYY-MM-DD, e.g. ${DATE_EXAMPLE}`);
  }
  if (!realDay(Number(m[1]), Number(m[2]), Number(m[3]))) throw new ScalarInputError('Date', 'IMPOSSIBLE_DATE', `Date ${text} does not exist in the calendar`);
  if (bounded && (text < DATE_MIN || text > DATE_MAX)) throw new ScalarInputError('Date', 'OUT_OF_RANGE', `Date must be between ${DATE_MIN} and ${DATE_MAX}`);
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
    throw new ScalarInputError('DateTime', 'FORMAT', `DateTime must be an ISO 8601 date-time with an offset, e.g. ${DATETIME_EXAMPLE}`);
  }
  const [, y, mo, d, h, mi, s = '0', fraction = '', offset] = m;
  if (!offset) throw new ScalarInputError('DateTime', 'NO_OFFSET', `DateTime needs a UTC offset (Z or ±HH:MM), e.g. ${DATETIME_EXAMPLE}`);
  const year = Number(y), month = Number(mo), day = Number(d), hour = Number(h), minute = Number(mi), second = Number(s);
  if (!realDay(year, month, day) || hour > 23 || minute > 59 || second > 59) throw new ScalarInputError('DateTime', 'IMPOSSIBLE_DATE', `DateTime ${text} does not exist in the calendar`);
  let offsetMinutes = 0;
  if (offset !== 'Z') {
    const oh = Number(offset.slice(1, 3)), om = Number(offset.slice(4, 6));
    if (oh > 23 || om > 59) throw new ScalarInputError('DateTime', 'FORMAT', `DateTime offset ${offset} is not a UTC offset`);
    offsetMinutes = (offset[0] === '-' ? -1 : 1) * (oh * 60 + om);
  }
  const millis = utcMillis(year, month, day, hour, minute, second, Number(fraction.padEnd(3, '0').slice(0, 3))) - offsetMinutes * 60_000;
  if (bounded && (millis < INSTANT_MIN || millis > INSTANT_MAX)) throw new ScalarInputError('DateTime', 'OUT_OF_RANGE', `DateTime must be between ${DATE_MIN}T00:00:00Z and ${DATE_MAX}T23:59:59.999Z`);
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
  if (text.length === 0) throw new ScalarInputError('Decimal', 'FORMAT', `Decimal must not be empty; write a number such as ${DECIMAL_EXAMPLE}`);
  if (text.length > DECIMAL_MAX_LENGTH) throw new ScalarInputError('Decimal', 'TOO_LONG', `Decimal has more than ${DECIMAL_MAX_LENGTH} characters`);
  if (/^\s|\s$/.test(text)) throw new ScalarInputError('Decimal', 'SURROUNDING_SPACE', `Decimal must not have spaces around it, e.g. ${DECIMAL_EXAMPLE}`);
  checkPlain('Decimal', text);
  const m = NUMERAL.exec(text);
  if (m) {
    if (m[1]!.length > DECIMAL_MAX_INTEGER_DIGITS) throw new ScalarInputError('Decimal', 'TOO_PRECISE', `Decimal has more than ${DECIMAL_MAX_INTEGER_DIGITS} digits before the decimal point`);
    if ((m[2]?.length ?? 0) > DECIMAL_MAX_FRACTION_DIGITS) throw new ScalarInputError('Decimal', 'TOO_PRECISE', `Decimal has more than ${DECIMAL_MAX_FRACTION_DIGITS} digits after the decimal point`);
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

function checkJsonText(text: string, where: string): void {
  const problem = unstorableText(text);
  if (problem) throw new ScalarInputError('JSON', 'INVALID_TEXT', `JSON ${where} ${problem}`);
}

/** Checks a value received as a variable: plain JSON only, within the bounds. */
function checkJsonInput(value: unknown, maxDepth: number, depth: number): void {
  switch (typeof value) {
    case 'string': checkJsonText(value, 'string'); return;
    case 'boolean': return;
    case 'number':
      if (!Number.isFinite(value)) throw new ScalarInputError('JSON', 'NOT_FINITE', 'JSON numbers must be finite');
      return;
    case 'object': {
      if (value === null) return;
      if (depth >= maxDepth) throw new ScalarInputError('JSON', 'TOO_DEEP', `JSON is nested deeper than ${maxDepth} levels`);
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) {
          if (!(i in value)) throw new ScalarInputError('JSON', 'WRONG_TYPE', 'JSON lists cannot have holes');
          checkJsonInput(value[i], maxDepth, depth + 1);
        }
        return;
      }
      if (!isPlainObject(value)) throw new ScalarInputError('JSON', 'WRONG_TYPE', 'JSON values are objects, lists, strings, numbers, booleans or null');
      for (const key of Object.keys(value)) {
        checkJsonText(key, 'key');
        if (key === '__proto__') throw new ScalarInputError('JSON', 'UNSAFE_KEY', 'JSON object keys named __proto__ are not accepted');
        checkJsonInput((value as Record<string, unknown>)[key], maxDepth, depth + 1);
      }
      return;
    }
    default:
      throw new ScalarInputError('JSON', 'WRONG_TYPE', `JSON cannot hold ${describe(value)}`);
  }
}

const sizeText = (bytes: number) => (bytes % 1024 === 0 ? `${bytes / 1024} KiB` : `${bytes} bytes`);

function checkJsonSize(value: JsonValue, maxBytes: number): void {
  // Cheap bound first: a UTF-16 unit is at most 3 UTF-8 bytes.
  const text = JSON.stringify(value);
  if (text.length > maxBytes || (text.length * 3 > maxBytes && Buffer.byteLength(text, 'utf8') > maxBytes)) {
    throw new ScalarInputError('JSON', 'TOO_LARGE', `JSON is larger than ${sizeText(maxBytes)}`);
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
      if (!Number.isSafeInteger(n)) throw new ScalarInputError('JSON', 'NOT_FINITE', `JSON integer ${ast.value.slice(0, 24)} is beyond ±2^53: send it as a string`);
      return n;
    }
    case Kind.FLOAT: {
      const n = Number(ast.value);
      if (!Number.isFinite(n)) throw new ScalarInputError('JSON', 'NOT_FINITE', 'JSON numbers must be finite');
      return n;
    }
    case Kind.ENUM: throw new ScalarInputError('JSON', 'WRONG_TYPE', `JSON cannot hold the bare word ${ast.value.slice(0, 40)}: quote it`);
    case Kind.VARIABLE:
      // Only a nested variable gets here (`{ a: $x }`). Its value could be checked only at execution,
      // where graphql-js turns any refusal into an uncoded "Argument has invalid value" error.
      throw new ScalarInputError('JSON', 'WRONG_TYPE', `JSON literals cannot hold variables ($${ast.name.value}): send the whole value as one JSON variable`);
    case Kind.LIST: {
      if (depth >= maxDepth) throw new ScalarInputError('JSON', 'TOO_DEEP', `JSON is nested deeper than ${maxDepth} levels`);
      return ast.values.map((v) => literalJson(v, maxDepth, depth + 1));
    }
    case Kind.OBJECT: {
      if (depth >= maxDepth) throw new ScalarInputError('JSON', 'TOO_DEEP', `JSON is nested deeper than ${maxDepth} levels`);
      const out: Record<string, JsonValue> = {};
      for (const field of ast.fields) {
        const key = field.name.value;
        if (key === '__proto__') throw new ScalarInputError('JSON', 'UNSAFE_KEY', 'JSON object keys named __proto__ are not accepted');
        out[key] = literalJson(field.value, maxDepth, depth + 1);
      }
      return out;
    }
    default: throw new ScalarInputError('JSON', 'WRONG_TYPE', 'JSON literal of an unknown kind');
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
