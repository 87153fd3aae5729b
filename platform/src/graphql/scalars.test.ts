import Decimal from 'decimal.js';
import { graphql, GraphQLObjectType, GraphQLSchema, GraphQLString, Kind, type ExecutionResult, type GraphQLScalarType } from 'graphql';
import {
  DateScalar, DateTimeScalar, DecimalScalar, JSONScalar, jsonScalar, scalarResolvers, isScalarError, ScalarInputError, ScalarLiteralError,
  DATE_MAX, DATE_MIN, DECIMAL_MAX_FRACTION_DIGITS, DECIMAL_MAX_INTEGER_DIGITS, JSON_MAX_BYTES, JSON_MAX_DEPTH,
} from './scalars';

/** A schema whose fields echo their argument through each scalar, so values take graphql-js's real paths. */
const echo = (type: GraphQLScalarType) => ({ type, args: { v: { type } }, resolve: (_: unknown, args: { v: unknown }) => args.v });
const schema = new GraphQLSchema({
  query: new GraphQLObjectType({
    name: 'Query',
    fields: {
      dateTime: echo(DateTimeScalar),
      // What a resolver receives, as text (the scalar's serialize would refuse some accepted inputs).
      decimalIn: { type: GraphQLString, args: { v: { type: DecimalScalar } }, resolve: (_: unknown, args: { v: string }) => args.v },
      date: echo(DateScalar),
      decimal: echo(DecimalScalar),
      json: echo(JSONScalar),
      // What a resolver returns, serialised by the scalar.
      badDecimal: { type: DecimalScalar, resolve: () => 'abc' },
      badDate: { type: DateScalar, resolve: () => 20250131 },
      cyclic: { type: JSONScalar, resolve: () => { const a: Record<string, unknown> = {}; a.self = a; return a; } },
      text: { type: GraphQLString, resolve: () => 'ok' },
    },
  }),
});

const run = (source: string, variableValues?: Record<string, unknown>) => graphql({ schema, source, variableValues }) as Promise<ExecutionResult<Record<string, unknown>>>;
const viaVariable = (field: string, type: string, v: unknown) => run(`query($v: ${type}) { ${field}(v: $v) }`, { v });
const message = (r: ExecutionResult) => r.errors?.map((e) => e.message).join(' | ') ?? '';
/** The scalar's reason for refusing, as the caller sees it (extensions), checking the error is the scalar's own. */
const reasonOf = (r: ExecutionResult) => {
  const e = r.errors?.[0];
  if (!e || !isScalarError(e.originalError) || e.extensions.code !== 'BAD_USER_INPUT') return `not a scalar refusal: ${message(r)}`;
  return e.extensions.reason;
};

describe('Decimal', () => {
  test('accepts decimal strings as sent, in variables and inline', async () => {
    for (const v of ['1500.00', '-5', '0', '100.001', '12000', '0.0000000000000001']) {
      expect((await viaVariable('decimal', 'Decimal', v)).data).toEqual({ decimal: v });
      expect((await run(`{ decimal(v: ${JSON.stringify(v)}) }`)).data).toEqual({ decimal: v });
    }
  });

  test('refuses JSON numbers, booleans, objects and lists, naming the variable and the problem', async () => {
    for (const v of [1500, 1500.5, true, { amount: '1' }, ['1']]) {
      const r = await viaVariable('decimal', 'Decimal', v);
      expect(r.data).toBeUndefined();
      expect(message(r)).toMatch(/^Variable "\$v" got invalid value .*; Decimal must be a string such as "1500\.00", not (a number|a boolean|an object|a list)$/);
      expect(r.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', scalar: 'Decimal', reason: 'WRONG_TYPE' });
    }
  });

  test('refuses inline numbers, booleans, enums and objects, naming the argument', async () => {
    for (const literal of ['1500', '1500.50', 'true', 'ONE', '{ a: "1" }']) {
      const r = await run(`{ decimal(v: ${literal}) }`);
      expect(message(r)).toMatch(/^Expected value of type "Decimal", found .*; Decimal must be a string such as "1500\.00", not /);
      expect(reasonOf(r)).toBe('WRONG_TYPE');
      // The literal's location tells which argument is wrong.
      expect(r.errors![0]!.locations).toEqual([{ line: 1, column: 14 }]);
    }
  });

  test('refuses surrounding spaces instead of trimming them', async () => {
    for (const v of [' 1500.00', '1500.00 ', '\t1', '1\n', '\u00A01']) {
      expect(reasonOf(await viaVariable('decimal', 'Decimal', v))).toBe('SURROUNDING_SPACE');
    }
    expect(message(await run('{ decimal(v: " 12") }'))).toContain('Decimal must not have spaces around it');
  });

  test('refuses NUL, lone surrogates, controls and invisible characters', async () => {
    expect(message(await viaVariable('decimal', 'Decimal', '12\u00003'))).toContain('Decimal contains a NUL character');
    expect(message(await viaVariable('decimal', 'Decimal', '12\uD8003'))).toContain('lone UTF-16 surrogate');
    expect(message(await viaVariable('decimal', 'Decimal', '1\uDC00'))).toContain('lone UTF-16 surrogate');
    expect(message(await viaVariable('decimal', 'Decimal', '1\u202E5'))).toContain('U+202E');
    expect(message(await viaVariable('decimal', 'Decimal', '1\u001B[2J'))).toContain('U+001B');
  });

  test(`bounds numerals to ${DECIMAL_MAX_INTEGER_DIGITS} integer and ${DECIMAL_MAX_FRACTION_DIGITS} fraction digits, and any text to 64 characters`, async () => {
    expect((await viaVariable('decimal', 'Decimal', '9'.repeat(DECIMAL_MAX_INTEGER_DIGITS))).data).toEqual({ decimal: '9'.repeat(DECIMAL_MAX_INTEGER_DIGITS) });
    const tooBig = await viaVariable('decimal', 'Decimal', '9'.repeat(DECIMAL_MAX_INTEGER_DIGITS + 1));
    expect(message(tooBig)).toContain(`Decimal has more than ${DECIMAL_MAX_INTEGER_DIGITS} digits before the decimal point`);
    expect(reasonOf(await viaVariable('decimal', 'Decimal', `1.${'5'.repeat(DECIMAL_MAX_FRACTION_DIGITS + 1)}`))).toBe('TOO_PRECISE');
    expect(reasonOf(await viaVariable('decimal', 'Decimal', 'x'.repeat(65)))).toBe('TOO_LONG');
    expect(reasonOf(await viaVariable('decimal', 'Decimal', ''))).toBe('FORMAT');
  });

  test('lets other visible text reach the service, whose amount rules answer a userError naming the field', async () => {
    // lending's test sends 'abc' and expects INVALID_AMOUNT:amount from the service.
    for (const v of ['abc', '1e3', '1,50', '+5', '.5']) expect((await viaVariable('decimalIn', 'Decimal', v)).data).toEqual({ decimalIn: v });
  });

  test('serialises strings, numbers and decimal.js values as plain numerals, and reports anything else as an internal error', () => {
    expect(DecimalScalar.serialize('10.50')).toBe('10.50');
    expect(DecimalScalar.serialize(12.5)).toBe('12.5');
    expect(DecimalScalar.serialize(new Decimal('1e-10'))).toBe('0.0000000001');
    expect(() => DecimalScalar.serialize('abc')).toThrow('Decimal cannot serialise');
    expect(() => DecimalScalar.serialize(Number.NaN)).toThrow('Decimal cannot serialise');
  });

  test('a resolver returning a non-decimal is an error of that field, not of the request', async () => {
    const r = await run('{ badDecimal text }');
    expect(r.data).toEqual({ badDecimal: null, text: 'ok' });
    expect(r.errors?.[0]?.extensions?.code).toBeUndefined();
  });
});

describe('Date', () => {
  test(`accepts real calendar days from ${DATE_MIN} to ${DATE_MAX}`, async () => {
    for (const v of ['2025-01-31', '2024-02-29', '2000-02-29', DATE_MIN, DATE_MAX, '2999-01-01']) {
      expect((await viaVariable('date', 'Date', v)).data).toEqual({ date: v });
      expect((await run(`{ date(v: "${v}") }`)).data).toEqual({ date: v });
    }
  });

  test('refuses impossible days', async () => {
    for (const v of ['2026-02-30', '2023-02-29', '1900-02-29', '2025-13-01', '2025-00-10', '2025-04-31', '2025-01-00']) {
      const r = await viaVariable('date', 'Date', v);
      expect(reasonOf(r)).toBe('IMPOSSIBLE_DATE');
      expect(message(r)).toContain(`Date ${v} does not exist in the calendar`);
    }
  });

  test('refuses days outside the documented range, year 0000 included', async () => {
    for (const v of ['0000-01-01', '0001-01-01', '1899-12-31', '3000-01-01', '9999-12-31']) {
      const r = await viaVariable('date', 'Date', v);
      expect(reasonOf(r)).toBe('OUT_OF_RANGE');
      expect(message(r)).toContain(`Date must be between ${DATE_MIN} and ${DATE_MAX}`);
    }
    expect(message(await run('{ date(v: "0000-01-01") }'))).toContain('Date must be between');
  });

  test('refuses other shapes and JSON types, in variables and inline', async () => {
    for (const v of ['2025-1-31', '20250-01-01', '2025-01-31T00:00:00Z', '31/01/2025', ' 2025-01-31', '2025-01-31\u0000', 'tomorrow', '']) {
      expect(['FORMAT', 'INVALID_TEXT']).toContain(reasonOf(await viaVariable('date', 'Date', v)));
    }
    for (const v of [20250131, true, { y: 2025 }, ['2025-01-31']]) expect(reasonOf(await viaVariable('date', 'Date', v))).toBe('WRONG_TYPE');
    expect(message(await run('{ date(v: 20250131) }'))).toContain('Date must be a string such as "2025-01-31", not a number');
  });

  test('serialises date text and Dates as YYYY-MM-DD; a resolver returning a number is an internal error', async () => {
    expect(DateScalar.serialize('2025-01-31')).toBe('2025-01-31');
    expect(DateScalar.serialize(new Date('2025-01-31T23:00:00Z'))).toBe('2025-01-31');
    const r = await run('{ badDate }');
    expect(r.data).toEqual({ badDate: null });
    expect(message(r)).toContain('Date cannot serialise the value a resolver returned: a number');
  });
});

describe('DateTime', () => {
  test('accepts ISO 8601 instants with an offset and gives resolvers the canonical UTC text', async () => {
    const cases: [string, string][] = [
      ['2025-01-31T10:00:00Z', '2025-01-31T10:00:00.000Z'],
      ['2025-01-31T10:00:00.5Z', '2025-01-31T10:00:00.500Z'],
      ['2025-01-31T10:00:00.123456789Z', '2025-01-31T10:00:00.123Z'],
      ['2025-01-31T10:00+02:00', '2025-01-31T08:00:00.000Z'],
      ['2025-01-01T01:00:00+05:30', '2024-12-31T19:30:00.000Z'],
      ['2024-12-31T23:00:00-06:00', '2025-01-01T05:00:00.000Z'],
      ['1900-01-01T00:00:00Z', '1900-01-01T00:00:00.000Z'],
    ];
    for (const [sent, received] of cases) {
      expect((await viaVariable('dateTime', 'DateTime', sent)).data).toEqual({ dateTime: received });
      expect((await run(`{ dateTime(v: "${sent}") }`)).data).toEqual({ dateTime: received });
    }
  });

  test('refuses an instant without an offset (each server would read another instant)', async () => {
    const r = await viaVariable('dateTime', 'DateTime', '2025-01-31T10:00:00');
    expect(reasonOf(r)).toBe('NO_OFFSET');
    expect(message(r)).toContain('DateTime needs a UTC offset (Z or ±HH:MM)');
  });

  test('refuses impossible instants, out-of-range ones and other shapes', async () => {
    for (const v of ['2025-02-30T00:00:00Z', '2025-01-31T24:00:00Z', '2025-01-31T10:60:00Z', '2025-01-31T10:00:60Z']) expect(reasonOf(await viaVariable('dateTime', 'DateTime', v))).toBe('IMPOSSIBLE_DATE');
    for (const v of ['0000-01-01T00:00:00Z', '1900-01-01T00:30:00+01:00', '3000-01-01T00:00:00Z', '2999-12-31T23:00:00-01:00']) expect(reasonOf(await viaVariable('dateTime', 'DateTime', v))).toBe('OUT_OF_RANGE');
    for (const v of ['2025-01-31', '2025-01-31 10:00:00Z', '2025-01-31T10:00:00+2', '2025-01-31T10:00:00+24:00', 'now', '2025-01-31T10:00:00Z\u0000']) {
      expect(['FORMAT', 'INVALID_TEXT']).toContain(reasonOf(await viaVariable('dateTime', 'DateTime', v)));
    }
    for (const v of [1738317600000, false, {}]) expect(reasonOf(await viaVariable('dateTime', 'DateTime', v))).toBe('WRONG_TYPE');
    expect(message(await run('{ dateTime(v: 1738317600000) }'))).toContain('DateTime must be a string such as "2025-01-31T10:00:00Z", not a number');
  });

  test('serialises Dates and ISO text (any year) as UTC with milliseconds', () => {
    expect(DateTimeScalar.serialize(new Date('2025-01-31T10:00:00Z'))).toBe('2025-01-31T10:00:00.000Z');
    expect(DateTimeScalar.serialize('2025-01-31T10:00:00.000Z')).toBe('2025-01-31T10:00:00.000Z');
    expect(DateTimeScalar.serialize('3500-01-01T00:00:00+01:00')).toBe('3499-12-31T23:00:00.000Z');
    expect(() => DateTimeScalar.serialize(new Date(Number.NaN))).toThrow('DateTime cannot serialise');
    expect(() => DateTimeScalar.serialize('2025-01-31 10:00')).toThrow('DateTime cannot serialise');
  });
});

describe('JSON', () => {
  const nest = (depth: number): unknown => (depth === 0 ? 1 : { a: nest(depth - 1) });
  const nestLiteral = (depth: number): string => (depth === 0 ? '1' : `{ a: ${nestLiteral(depth - 1)} }`);

  test('passes JSON values through, from variables and inline literals', async () => {
    const value = { reason: 'court order', n: 1.5, ok: true, none: null, list: [1, 'two', { three: 3 }] };
    expect((await viaVariable('json', 'JSON', value)).data).toEqual({ json: value });
    const r = await run('{ json(v: { reason: "court order", n: 1.5, ok: true, none: null, list: [1, "two", { three: 3 }] }) }');
    expect(r.data).toEqual({ json: value });
    expect((await run('{ json(v: "text") }')).data).toEqual({ json: 'text' });
  });

  test('refuses a variable inside an inline literal at validation, with the typed code', async () => {
    const r = await run('query($x: String) { json(v: { a: $x }) }', { x: 'x\u0000' });
    expect(reasonOf(r)).toBe('WRONG_TYPE');
    expect(message(r)).toContain('JSON literals cannot hold variables ($x): send the whole value as one JSON variable');
  });

  test(`refuses values nested deeper than ${JSON_MAX_DEPTH} levels, in variables and inline`, async () => {
    expect((await viaVariable('json', 'JSON', nest(JSON_MAX_DEPTH))).errors).toBeUndefined();
    const deep = await viaVariable('json', 'JSON', nest(JSON_MAX_DEPTH + 1));
    expect(reasonOf(deep)).toBe('TOO_DEEP');
    expect(message(deep)).toContain(`JSON is nested deeper than ${JSON_MAX_DEPTH} levels`);
    expect((await run(`{ json(v: ${nestLiteral(JSON_MAX_DEPTH)}) }`)).errors).toBeUndefined();
    expect(reasonOf(await run(`{ json(v: ${nestLiteral(JSON_MAX_DEPTH + 1)}) }`))).toBe('TOO_DEEP');
    // Far deeper than any stack would allow to walk recursively without the bound.
    expect(reasonOf(await viaVariable('json', 'JSON', JSON.parse('['.repeat(5000) + ']'.repeat(5000))))).toBe('TOO_DEEP');
  });

  test(`refuses values larger than ${JSON_MAX_BYTES / 1024} KiB of UTF-8 JSON`, async () => {
    const fits = 'x'.repeat(JSON_MAX_BYTES - 2);
    expect((await viaVariable('json', 'JSON', fits)).errors).toBeUndefined();
    expect(reasonOf(await viaVariable('json', 'JSON', `${fits}x`))).toBe('TOO_LARGE');
    // Two-byte characters count twice.
    expect(reasonOf(await viaVariable('json', 'JSON', 'é'.repeat(JSON_MAX_BYTES / 2)))).toBe('TOO_LARGE');
    expect(reasonOf(await run(`{ json(v: ${JSON.stringify(`${fits}x`)}) }`))).toBe('TOO_LARGE');
  });

  test('refuses NUL and lone surrogates in strings and keys, and __proto__ keys', async () => {
    expect(message(await viaVariable('json', 'JSON', { a: 'x\u0000y' }))).toContain('JSON string contains a NUL character');
    expect(message(await viaVariable('json', 'JSON', { ['k\u0000']: 1 }))).toContain('JSON key contains a NUL character');
    expect(message(await viaVariable('json', 'JSON', ['\uD83D']))).toContain('lone UTF-16 surrogate');
    expect(reasonOf(await viaVariable('json', 'JSON', JSON.parse('{"__proto__": {"admin": true}}')))).toBe('UNSAFE_KEY');
    expect(reasonOf(await run('{ json(v: { __proto__: { admin: true } }) }'))).toBe('UNSAFE_KEY');
    expect(reasonOf(await run('{ json(v: "a\\u0000b") }'))).toBe('INVALID_TEXT');
  });

  test('refuses inline integers beyond 2^53, bare words, and non-JSON variable values', async () => {
    expect(message(await run('{ json(v: 123456789012345678901234567890) }'))).toContain('send it as a string');
    expect(message(await run('{ json(v: { status: ACTIVE }) }'))).toContain('JSON cannot hold the bare word ACTIVE');
    expect(() => JSONScalar.parseValue(Number.POSITIVE_INFINITY)).toThrow(ScalarInputError);
    expect(() => JSONScalar.parseValue(new Map())).toThrow(ScalarInputError);
    expect(() => JSONScalar.parseValue(() => 1)).toThrow(ScalarInputError);
    // eslint-disable-next-line no-sparse-arrays
    expect(() => JSONScalar.parseValue([1, , 3])).toThrow('JSON lists cannot have holes');
  });

  test('a subgraph can build a JSON scalar with tighter bounds', () => {
    const small = jsonScalar({ maxDepth: 2, maxBytes: 16 });
    expect(small.parseValue({ a: { b: 1 } })).toEqual({ a: { b: 1 } });
    expect(() => small.parseValue({ a: { b: { c: 1 } } })).toThrow('nested deeper than 2 levels');
    expect(() => small.parseValue('x'.repeat(20))).toThrow('JSON is larger than 16 bytes');
  });

  test('serialises JSON values and Dates; a cyclic value is an internal error of its field', async () => {
    expect(JSONScalar.serialize({ at: new Date(0), n: [1, 2] })).toEqual({ at: new Date(0), n: [1, 2] });
    expect(() => JSONScalar.serialize({ f: () => 1 })).toThrow('JSON cannot serialise');
    const r = await run('{ cyclic text }');
    expect(r.data).toEqual({ cyclic: null, text: 'ok' });
  });
});

describe('scalarResolvers', () => {
  test('picks the platform scalars an SDL declares and refuses an unknown one', () => {
    expect(Object.keys(scalarResolvers('scalar DateTime\nscalar Decimal\ntype Query { a: Int }'))).toEqual(['DateTime', 'Decimal']);
    expect(() => scalarResolvers('scalar Money\ntype Query { a: Int }')).toThrow('scalar Money has no platform implementation');
  });

  test('parseValue throws the GraphQLError, parseLiteral the error graphql-js locates', () => {
    expect(() => DecimalScalar.parseValue(5)).toThrow(ScalarInputError);
    expect(() => DecimalScalar.parseLiteral({ kind: Kind.NULL })).toThrow(ScalarLiteralError);
    expect(() => JSONScalar.parseLiteral({ kind: Kind.VARIABLE, name: { kind: Kind.NAME, value: 'x' } }, { x: 1 })).toThrow(ScalarLiteralError);
  });
});
