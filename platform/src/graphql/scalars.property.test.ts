/**
 * Property tests of the scalars: hostile input never makes them throw anything but their typed
 * refusal (so it can never become an INTERNAL_SERVER_ERROR), and valid values round-trip.
 */
import fc from 'fast-check';
import { graphql, GraphQLObjectType, GraphQLSchema, GraphQLString, Kind, type GraphQLScalarType, type ValueNode } from 'graphql';
import { DateScalar, DateTimeScalar, DecimalScalar, isScalarError, JSONScalar, DECIMAL_MAX_FRACTION_DIGITS, DECIMAL_MAX_INTEGER_DIGITS } from './scalars';

const SCALARS: GraphQLScalarType[] = [DateTimeScalar, DateScalar, DecimalScalar, JSONScalar];

/** Text made of the pieces that break parsers: digits, separators, controls, NUL, lone surrogates, bidi overrides, any code point. */
const hostileText = fc.array(fc.oneof(
  fc.constantFrom('0', '1', '9', '-', '+', '.', ',', 'e', 'E', 'T', 'Z', ':', ' ', '\t', '\n', '\u0000', '\u001B', '\u007F', '\u00A0', '\u200B', '\u202E', '\u2066', '\uFEFF', '{', '"', '\\'),
  fc.integer({ min: 0xD800, max: 0xDFFF }).map((c) => String.fromCharCode(c)),
  fc.string({ unit: 'binary', maxLength: 3 }),
  fc.constantFrom('2025-02-30', '0000-01-01', '9999-12-31', '2025-01-31T10:00:00', '+14:00', '1'.repeat(30), '__proto__'),
), { maxLength: 16 }).map((parts) => parts.join(''));

/** Any JS value, including the ones JSON cannot carry (functions, Maps, cycles are left to fc.anything's repertoire). */
const hostileValue = fc.oneof(
  hostileText,
  fc.anything({ withBigInt: true, withDate: true, withMap: true, withSet: true, withTypedArray: true, withSparseArray: true, withNullPrototype: true, withObjectString: true, withBoxedValues: true, maxDepth: 4 }),
  fc.double(),
  fc.jsonValue({ maxDepth: 20 }),
);

/** Literal AST nodes of every kind, nested. */
const hostileLiteral: fc.Arbitrary<ValueNode> = fc.letrec<{ node: ValueNode }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    hostileText.map((value): ValueNode => ({ kind: Kind.STRING, value })),
    fc.oneof(fc.integer(), fc.bigInt()).map((n): ValueNode => ({ kind: Kind.INT, value: String(n) })),
    fc.constantFrom('1e400', '-0.0', '1.5', '3e-320').map((value): ValueNode => ({ kind: Kind.FLOAT, value })),
    fc.boolean().map((value): ValueNode => ({ kind: Kind.BOOLEAN, value })),
    fc.constant<ValueNode>({ kind: Kind.NULL }),
    fc.constantFrom('ACTIVE', 'true').map((value): ValueNode => ({ kind: Kind.ENUM, value })),
    fc.constant<ValueNode>({ kind: Kind.VARIABLE, name: { kind: Kind.NAME, value: 'x' } }),
    fc.array(tie('node'), { maxLength: 3 }).map((values): ValueNode => ({ kind: Kind.LIST, values })),
    fc.array(fc.tuple(fc.constantFrom('a', 'b', '__proto__', 'constructor'), tie('node')), { maxLength: 3 }).map(([...fields]): ValueNode => ({
      kind: Kind.OBJECT,
      fields: fields.map(([name, value]) => ({ kind: Kind.OBJECT_FIELD, name: { kind: Kind.NAME, value: name }, value })),
    })),
  ),
})).node;

function onlyTypedRefusal(run: () => unknown): boolean {
  try {
    run();
    return true;
  } catch (e) {
    if (isScalarError(e)) return true;
    throw e;
  }
}

describe('hostile input', () => {
  test('parseValue of any value either accepts it or throws the typed refusal', () => {
    fc.assert(fc.property(hostileValue, (value) => SCALARS.every((s) => onlyTypedRefusal(() => s.parseValue(value)))), { numRuns: 800 });
  });

  test('parseLiteral of any literal either accepts it or throws the typed refusal', () => {
    fc.assert(fc.property(hostileLiteral, fc.anything(), (ast, x) => SCALARS.every((s) => onlyTypedRefusal(() => s.parseLiteral(ast, { x })))), { numRuns: 800 });
  });

  test('what parseValue accepts is storable text: no NUL or lone surrogate survives', () => {
    fc.assert(fc.property(hostileText, (text) => {
      for (const s of SCALARS) {
        let out: unknown;
        try { out = s.parseValue(text); } catch (e) { if (isScalarError(e)) continue; throw e; }
        const json = JSON.stringify(out);
        if (json.includes('\\u0000') || /\\ud[89ab][0-9a-f]{2}(?!\\ud[c-f])|(?<!\\ud[89ab][0-9a-f]{2})\\ud[c-f][0-9a-f]{2}/i.test(json)) return false;
      }
      return true;
    }), { numRuns: 800 });
  });

  test('through graphql-js, a hostile variable gets only BAD_USER_INPUT errors from the scalar, never an internal one', async () => {
    const field = (type: GraphQLScalarType) => ({ type: GraphQLString, args: { v: { type } }, resolve: () => 'ok' });
    const schema = new GraphQLSchema({ query: new GraphQLObjectType({ name: 'Query', fields: { dt: field(DateTimeScalar), d: field(DateScalar), dec: field(DecimalScalar), j: field(JSONScalar) } }) });
    await fc.assert(fc.asyncProperty(fc.constantFrom(['dt', 'DateTime'], ['d', 'Date'], ['dec', 'Decimal'], ['j', 'JSON']), fc.oneof(hostileText, fc.jsonValue({ maxDepth: 20 })), async ([name, type], v) => {
      const r = await graphql({ schema, source: `query($v: ${type}) { ${name}(v: $v) }`, variableValues: { v } });
      if (!r.errors) return r.data?.[name] === 'ok' || v === null;
      return r.errors.every((e) => e.extensions.code === 'BAD_USER_INPUT' && isScalarError(e.originalError));
    }), { numRuns: 200 });
  });
});

describe('valid values round-trip', () => {
  const day = fc.date({ min: new Date('1900-01-01T00:00:00.000Z'), max: new Date('2999-12-31T23:59:59.999Z'), noInvalidDate: true });

  test('Date: every day of the range is accepted as sent and serialised back unchanged', () => {
    fc.assert(fc.property(day, (d) => {
      const text = d.toISOString().slice(0, 10);
      return DateScalar.parseValue(text) === text && DateScalar.serialize(DateScalar.parseValue(text)) === text;
    }), { numRuns: 1000 });
  });

  test('DateTime: an instant written with any offset parses to the same instant', () => {
    fc.assert(fc.property(day, fc.integer({ min: -14 * 60, max: 14 * 60 }), fc.boolean(), (d, offset, withMillis) => {
      // Clamp so the shifted civil time stays within the range's years.
      const instant = new Date(Math.min(Math.max(d.getTime(), Date.UTC(1900, 0, 2)), Date.UTC(2999, 11, 30)));
      if (!withMillis) instant.setUTCMilliseconds(0);
      const local = new Date(instant.getTime() + offset * 60_000).toISOString().slice(0, withMillis ? 23 : 19);
      const sign = offset < 0 ? '-' : '+';
      const abs = Math.abs(offset);
      const text = `${local}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
      const parsed = DateTimeScalar.parseValue(text);
      return parsed === instant.toISOString() && DateTimeScalar.serialize(parsed) === parsed && DateTimeScalar.parseValue(parsed) === parsed;
    }), { numRuns: 1000 });
  });

  test('Decimal: numerals within the bounds are accepted and serialised exactly as sent', () => {
    const digits = (min: number, max: number) => fc.array(fc.constantFrom(...'0123456789'), { minLength: min, maxLength: max }).map((d) => d.join(''));
    fc.assert(fc.property(fc.boolean(), digits(1, DECIMAL_MAX_INTEGER_DIGITS), fc.option(digits(1, DECIMAL_MAX_FRACTION_DIGITS)), (negative, int, fraction) => {
      const text = `${negative ? '-' : ''}${int}${fraction === null ? '' : `.${fraction}`}`;
      return DecimalScalar.parseValue(text) === text && DecimalScalar.serialize(text) === text;
    }), { numRuns: 1000 });
  });

  test('JSON: values within the bounds come back equal, from variables and from their literal', () => {
    // Inline integers beyond ±2^53 are refused by rule (they would arrive rounded): keep them out here.
    const unsafeInteger = (v: unknown): boolean => (typeof v === 'number' ? Number.isInteger(v) && !Number.isSafeInteger(v) : !!v && typeof v === 'object' && Object.values(v).some(unsafeInteger));
    const safe = fc.jsonValue({ maxDepth: 8 }).filter((v) => !JSON.stringify(v).includes('"__proto__"') && !unsafeInteger(v));
    const toLiteral = (v: unknown): ValueNode => {
      if (v === null) return { kind: Kind.NULL };
      if (Array.isArray(v)) return { kind: Kind.LIST, values: v.map(toLiteral) };
      switch (typeof v) {
        case 'string': return { kind: Kind.STRING, value: v };
        case 'boolean': return { kind: Kind.BOOLEAN, value: v };
        case 'number': return Number.isInteger(v) && !Object.is(v, -0) ? { kind: Kind.INT, value: String(v) } : { kind: Kind.FLOAT, value: String(v) };
        default: return { kind: Kind.OBJECT, fields: Object.entries(v as object).map(([name, value]) => ({ kind: Kind.OBJECT_FIELD, name: { kind: Kind.NAME, value: name }, value: toLiteral(value) })) };
      }
    };
    fc.assert(fc.property(safe, (v) => {
      expect(JSONScalar.parseValue(v)).toEqual(v);
      expect(JSONScalar.parseLiteral(toLiteral(v))).toEqual(JSON.parse(JSON.stringify(v)));
      expect(JSONScalar.serialize(v)).toBe(v);
    }), { numRuns: 500 });
  });
});
