import fc from 'fast-check';
import { evaluate, RULE_LIMITS, safePattern, validateCondition, valueAt, type Condition } from './rules';

const path = fc.constantFrom('a', 'b', 'a.b', 'list.0', 'n', 's', 'missing.deep');
const prim = fc.oneof(fc.integer({ min: -5, max: 5 }), fc.constantFrom('x', 'y', '2025-01-01', ''), fc.boolean(), fc.constant(null));
const leaf: fc.Arbitrary<Condition> = fc.oneof(
  fc.record({ op: fc.constantFrom('eq' as const, 'ne' as const), path, value: prim }),
  fc.record({ op: fc.constantFrom('gt' as const, 'gte' as const, 'lt' as const, 'lte' as const), path, value: fc.integer({ min: -5, max: 5 }) }),
  fc.record({ op: fc.constant('between' as const), path, value: fc.tuple(fc.integer({ min: -5, max: 0 }), fc.integer({ min: 0, max: 5 })) }),
  fc.record({ op: fc.constantFrom('in' as const, 'not_in' as const), path, value: fc.array(prim, { minLength: 1, maxLength: 4 }) }),
  fc.record({ op: fc.constant('exists' as const), path }),
  fc.record({ op: fc.constant('matches' as const), path, value: fc.constantFrom('^x', 'y$', '[0-9]{4}-', 'a|b') }),
);
const condition: fc.Arbitrary<Condition> = fc.letrec<{ c: Condition }>((tie) => ({
  c: fc.oneof({ depthSize: 'small', maxDepth: 4 },
    leaf,
    fc.record({ all: fc.array(tie('c'), { minLength: 1, maxLength: 3 }) }),
    fc.record({ any: fc.array(tie('c'), { minLength: 1, maxLength: 3 }) }),
    fc.record({ not: tie('c') })),
})).c;
const data = fc.record({ a: fc.oneof(prim, fc.record({ b: prim })), b: prim, n: fc.integer({ min: -10, max: 10 }), s: fc.string({ maxLength: 8 }), list: fc.array(prim, { maxLength: 3 }) }, { requiredKeys: [] });

describe('rule evaluation (properties)', () => {
  test('every generated condition is valid and evaluates to a boolean on any data, never throwing', () => {
    fc.assert(fc.property(condition, fc.anything(), (c, d) => {
      expect(validateCondition(c)).toBeNull();
      expect(typeof evaluate(c, d)).toBe('boolean');
    }), { numRuns: 500 });
  });

  test('not inverts, all is the conjunction and any the disjunction of the parts (De Morgan holds)', () => {
    fc.assert(fc.property(fc.array(condition, { minLength: 1, maxLength: 4 }), data, (cs, d) => {
      const each = cs.map((c) => evaluate(c, d));
      expect(evaluate({ all: cs }, d)).toBe(each.every(Boolean));
      expect(evaluate({ any: cs }, d)).toBe(each.some(Boolean));
      expect(evaluate({ not: { all: cs } }, d)).toBe(evaluate({ any: cs.map((c) => ({ not: c })) }, d));
      expect(evaluate({ not: { not: cs[0]! } }, d)).toBe(each[0]);
    }), { numRuns: 300 });
  });

  test('between is gte low and lte high; ne is not eq; not_in is not in', () => {
    fc.assert(fc.property(fc.integer({ min: -20, max: 20 }), fc.integer({ min: -20, max: 0 }), fc.integer({ min: 0, max: 20 }), prim, fc.array(prim, { minLength: 1, maxLength: 5 }), (n, lo, hi, v, list) => {
      const d = { n, v };
      expect(evaluate({ op: 'between', path: 'n', value: [lo, hi] }, d)).toBe(evaluate({ all: [{ op: 'gte', path: 'n', value: lo }, { op: 'lte', path: 'n', value: hi }] }, d));
      expect(evaluate({ op: 'between', path: 'n', value: [lo, hi] }, d)).toBe(n >= lo && n <= hi);
      expect(evaluate({ op: 'ne', path: 'v', value: 1 }, d)).toBe(!evaluate({ op: 'eq', path: 'v', value: 1 }, d));
      expect(evaluate({ op: 'not_in', path: 'v', value: list }, d)).toBe(!evaluate({ op: 'in', path: 'v', value: list }, d));
    }), { numRuns: 300 });
  });

  test('a value of the wrong type never satisfies an ordering operator', () => {
    fc.assert(fc.property(fc.oneof(fc.boolean(), fc.constant(null), fc.array(fc.integer()), fc.object()), fc.integer(), (actual, bound) => {
      for (const op of ['gt', 'gte', 'lt', 'lte'] as const) expect(evaluate({ op, path: 'x', value: bound }, { x: actual })).toBe(false);
    }));
  });

  test('the validator never throws on arbitrary JSON and accepts only what the evaluator understands', () => {
    fc.assert(fc.property(fc.jsonValue({ maxDepth: 6 }), (v) => {
      const problem = validateCondition(v);
      if (problem) expect(problem.path.startsWith('$')).toBe(true);
      else expect(typeof evaluate(v as Condition, {})).toBe('boolean');
    }), { numRuns: 1_000 });
  });

  test('valueAt reads what was put at a path', () => {
    fc.assert(fc.property(fc.array(fc.stringMatching(/^[a-z_]{1,5}$/), { minLength: 1, maxLength: 5 }), fc.jsonValue(), (segments, v) => {
      const data = segments.reduceRight<unknown>((acc, s) => ({ [s]: acc }), v);
      expect(valueAt(data, segments.join('.'))).toEqual(v === null ? null : v);
    }));
  });
});

describe('rule validation (examples)', () => {
  test('the position of the first problem is its JSON path', () => {
    expect(validateCondition({ all: [{ op: 'eq', path: 'a', value: 1 }, { op: 'nope', path: 'a' }] })).toEqual({ path: '$.all[1].op', reason: 'UNKNOWN_OPERATOR' });
    expect(validateCondition({ any: [{ not: { op: 'between', path: 'a', value: [3, 1] } }] })).toEqual({ path: '$.any[0].not.value', reason: 'BAD_VALUE' });
    expect(validateCondition({ op: 'eq', path: 'a..b', value: 1 })).toEqual({ path: '$.path', reason: 'BAD_PATH' });
    expect(validateCondition({ all: [] })).toEqual({ path: '$.all', reason: 'EMPTY_LIST' });
    expect(validateCondition({ op: 'in', path: 'a', value: [1, { x: 1 }] })).toEqual({ path: '$.value[1]', reason: 'BAD_VALUE' });
    expect(validateCondition({ op: 'eq', path: 'a', value: 1, extra: true })).toEqual({ path: '$.extra', reason: 'UNKNOWN_KEY' });
    expect(validateCondition('eq')).toEqual({ path: '$', reason: 'NOT_AN_OBJECT' });
  });

  test('depth and size are bounded', () => {
    let deep: Condition = { op: 'exists', path: 'a' };
    for (let i = 0; i < RULE_LIMITS.maxDepth; i++) deep = { not: deep };
    expect(validateCondition(deep)?.reason).toBe('TOO_DEEP');
    const wide = { any: Array.from({ length: RULE_LIMITS.maxNodes }, () => ({ op: 'exists', path: 'a' })) };
    expect(validateCondition(wide)?.reason).toBe('TOO_MANY_NODES');
  });

  test('patterns that could backtrack without bound are refused; ordinary ones pass', () => {
    for (const bad of ['(a+)+$', '(a*)*', '(a|aa)+', '(x+x+)+y', '(?=a)b', '(a)\\1', '(?<!a)b', 'a{1000}', '(', 'x'.repeat(101)]) expect(safePattern(bad)).toBe(false);
    for (const ok of ['^[A-Z]{4}\\d{6}[HM]', '^\\+52\\d{10}$', 'sanction', '(ab)+c', '^(?:foo|bar)$', '[a-z]+@[a-z]+\\.com']) expect(safePattern(ok)).toBe(true);
    expect(validateCondition({ op: 'matches', path: 'a', value: '(a+)+' })).toEqual({ path: '$.value', reason: 'UNSAFE_PATTERN' });
  });

  test('matches tests bounded strings only', () => {
    expect(evaluate({ op: 'matches', path: 's', value: '^ab' }, { s: 'abc' })).toBe(true);
    expect(evaluate({ op: 'matches', path: 's', value: 'c$' }, { s: `${'a'.repeat(RULE_LIMITS.maxMatchedText)}c` })).toBe(false);
    expect(evaluate({ op: 'exists', path: 's', value: false }, {})).toBe(true);
  });
});
