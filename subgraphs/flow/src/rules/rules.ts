/**
 * Flow's rule engine: a small expression language of our own over JSON data. No eval, no
 * new Function, no regular expression that can backtrack without bound.
 *
 *   condition := { all: condition[] } | { any: condition[] } | { not: condition }
 *              | { op: OP, path: "steps.aml.score", value?: JSON }
 *   OP        := eq ne gt gte lt lte in not_in between exists matches
 *
 * - `path` is dot-separated segments ([A-Za-z0-9_]{1,64}, at most 12) into the data the engine
 *   evaluates against (`{ subject, context, steps: { <stepKey>: output } }`); a numeric segment
 *   indexes an array.
 * - eq/ne: JSON equality of primitives (objects and arrays are never equal to a literal).
 *   gt/gte/lt/lte: both numbers, or both strings (compared by code unit, so ISO dates order right);
 *   anything else is false. between: value is [low, high], inclusive. in/not_in: value is an array of
 *   at most 100 primitives. exists: the path has a value other than null (value, if given, a boolean:
 *   `false` asks for absence). matches: value is a pattern of at most 100 characters in the safe
 *   subset below, tested against strings of at most 1,000 characters (longer strings do not match).
 * - Bounds (checked when a rule is saved, with the JSON path of the first problem): depth 8, 200
 *   nodes per condition. Evaluation visits each node once, so its time is bounded by the node count.
 *
 * Safe patterns: no backreferences, no lookaround, no nested quantifiers (a quantified group that
 * itself contains a quantifier, e.g. `(a+)+`), no quantified group containing an alternation
 * (`(a|aa)*`), repetition counts at most 100. What remains runs in time polynomial in the
 * (bounded) input without catastrophic backtracking.
 */

export const OPERATORS = ['eq', 'ne', 'gt', 'gte', 'lt', 'lte', 'in', 'not_in', 'between', 'exists', 'matches'] as const;
export type Operator = (typeof OPERATORS)[number];
export type Primitive = string | number | boolean | null;
export type Json = Primitive | Json[] | { [k: string]: Json };

export type Condition =
  | { all: Condition[] }
  | { any: Condition[] }
  | { not: Condition }
  | { op: Operator; path: string; value?: Json };

export const RULE_LIMITS = { maxDepth: 8, maxNodes: 200, maxPathSegments: 12, maxListValues: 100, maxPattern: 100, maxMatchedText: 1_000, maxRepeat: 100 } as const;

/** A problem with a condition: where (JSON path from the condition's root, e.g. `$.all[1].op`) and what. */
export interface RuleProblem { path: string; reason: RuleProblemReason }
export type RuleProblemReason =
  | 'NOT_AN_OBJECT' | 'UNKNOWN_SHAPE' | 'TOO_DEEP' | 'TOO_MANY_NODES' | 'EMPTY_LIST' | 'NOT_A_LIST'
  | 'UNKNOWN_OPERATOR' | 'BAD_PATH' | 'VALUE_REQUIRED' | 'VALUE_NOT_ALLOWED' | 'BAD_VALUE' | 'UNSAFE_PATTERN' | 'UNKNOWN_KEY';

const SEGMENT = /^[A-Za-z0-9_]{1,64}$/;
const isPrimitive = (v: unknown): v is Primitive => v === null || typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v));
const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Validates an untrusted JSON value as a condition; null when it is one (then it is safe to evaluate). */
export function validateCondition(input: unknown): RuleProblem | null {
  let nodes = 0;
  const visit = (node: unknown, at: string, depth: number): RuleProblem | null => {
    nodes += 1;
    if (nodes > RULE_LIMITS.maxNodes) return { path: at, reason: 'TOO_MANY_NODES' };
    if (depth > RULE_LIMITS.maxDepth) return { path: at, reason: 'TOO_DEEP' };
    if (!isPlainObject(node)) return { path: at, reason: 'NOT_AN_OBJECT' };
    const keys = Object.keys(node);
    for (const combinator of ['all', 'any'] as const) {
      if (combinator in node) {
        if (keys.length !== 1) return { path: at, reason: 'UNKNOWN_SHAPE' };
        const list = node[combinator];
        if (!Array.isArray(list)) return { path: `${at}.${combinator}`, reason: 'NOT_A_LIST' };
        if (list.length === 0) return { path: `${at}.${combinator}`, reason: 'EMPTY_LIST' };
        for (let i = 0; i < list.length; i++) {
          const p = visit(list[i], `${at}.${combinator}[${i}]`, depth + 1);
          if (p) return p;
        }
        return null;
      }
    }
    if ('not' in node) {
      if (keys.length !== 1) return { path: at, reason: 'UNKNOWN_SHAPE' };
      return visit(node.not, `${at}.not`, depth + 1);
    }
    if (!('op' in node)) return { path: at, reason: 'UNKNOWN_SHAPE' };
    for (const k of keys) if (k !== 'op' && k !== 'path' && k !== 'value') return { path: `${at}.${k}`, reason: 'UNKNOWN_KEY' };
    const op = node.op;
    if (typeof op !== 'string' || !(OPERATORS as readonly string[]).includes(op)) return { path: `${at}.op`, reason: 'UNKNOWN_OPERATOR' };
    const path = node.path;
    if (typeof path !== 'string' || !validPath(path)) return { path: `${at}.path`, reason: 'BAD_PATH' };
    return checkValue(op as Operator, node, `${at}.value`);
  };
  return visit(input, '$', 1);
}

function validPath(path: string): boolean {
  const segments = path.split('.');
  return segments.length <= RULE_LIMITS.maxPathSegments && segments.every((s) => SEGMENT.test(s));
}

function checkValue(op: Operator, node: Record<string, unknown>, at: string): RuleProblem | null {
  const has = 'value' in node;
  const value = node.value;
  switch (op) {
    case 'exists':
      if (has && typeof value !== 'boolean') return { path: at, reason: 'BAD_VALUE' };
      return null;
    case 'eq': case 'ne':
      if (!has) return { path: at, reason: 'VALUE_REQUIRED' };
      return isPrimitive(value) ? null : { path: at, reason: 'BAD_VALUE' };
    case 'gt': case 'gte': case 'lt': case 'lte':
      if (!has) return { path: at, reason: 'VALUE_REQUIRED' };
      return (typeof value === 'number' && Number.isFinite(value)) || typeof value === 'string' ? null : { path: at, reason: 'BAD_VALUE' };
    case 'between': {
      if (!has) return { path: at, reason: 'VALUE_REQUIRED' };
      if (!Array.isArray(value) || value.length !== 2) return { path: at, reason: 'BAD_VALUE' };
      const [lo, hi] = value;
      const bothNumbers = typeof lo === 'number' && typeof hi === 'number' && Number.isFinite(lo) && Number.isFinite(hi);
      const bothStrings = typeof lo === 'string' && typeof hi === 'string';
      if (!bothNumbers && !bothStrings) return { path: at, reason: 'BAD_VALUE' };
      return (lo as number | string) <= (hi as number | string) ? null : { path: at, reason: 'BAD_VALUE' };
    }
    case 'in': case 'not_in':
      if (!has) return { path: at, reason: 'VALUE_REQUIRED' };
      if (!Array.isArray(value) || value.length === 0 || value.length > RULE_LIMITS.maxListValues) return { path: at, reason: 'BAD_VALUE' };
      for (let i = 0; i < value.length; i++) if (!isPrimitive(value[i])) return { path: `${at}[${i}]`, reason: 'BAD_VALUE' };
      return null;
    case 'matches':
      if (!has) return { path: at, reason: 'VALUE_REQUIRED' };
      if (typeof value !== 'string' || value.length === 0 || value.length > RULE_LIMITS.maxPattern) return { path: at, reason: 'BAD_VALUE' };
      return safePattern(value) ? null : { path: at, reason: 'UNSAFE_PATTERN' };
  }
}

/**
 * True when `pattern` is a valid JavaScript regular expression in the safe subset (module comment).
 * A small scanner over the pattern: it tracks groups and whether each contains a quantifier or an
 * alternation, and refuses a quantifier applied to such a group.
 */
export function safePattern(pattern: string): boolean {
  if (pattern.length > RULE_LIMITS.maxPattern) return false;
  try { new RegExp(pattern, 'u'); } catch { return false; }
  // Stack of open groups: does the group (so far) contain a quantifier or an alternation?
  const stack: { risky: boolean }[] = [];
  let lastAtomRisky = false; // the atom just closed is a group that is risky
  let lastWasAtom = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '\\') {
      const n = pattern[i + 1];
      if (n === undefined) return false;
      if (/[1-9k]/.test(n)) return false; // backreferences
      i += 1;
      if ((n === 'u' || n === 'x' || n === 'p' || n === 'P') && pattern[i + 1] === '{') {
        const close = pattern.indexOf('}', i);
        if (close < 0) return false;
        i = close;
      }
      lastWasAtom = true; lastAtomRisky = false;
      continue;
    }
    if (c === '[') {
      // character class: skip to its end (escapes inside included)
      let j = i + 1;
      if (pattern[j] === '^') j++;
      if (pattern[j] === ']') j++;
      while (j < pattern.length && pattern[j] !== ']') j += pattern[j] === '\\' ? 2 : 1;
      i = j;
      lastWasAtom = true; lastAtomRisky = false;
      continue;
    }
    if (c === '(') {
      if (pattern[i + 1] === '?') {
        const kind = pattern.slice(i + 2, i + 4);
        if (kind.startsWith('=') || kind.startsWith('!') || kind === '<=' || kind === '<!') return false; // lookaround
        if (kind.startsWith(':')) i += 2;
        else if (kind.startsWith('<')) { const close = pattern.indexOf('>', i); if (close < 0) return false; i = close; }
        else return false;
      }
      stack.push({ risky: false });
      lastWasAtom = false;
      continue;
    }
    if (c === ')') {
      const group = stack.pop();
      if (!group) return false;
      lastWasAtom = true; lastAtomRisky = group.risky;
      if (stack.length && group.risky) stack[stack.length - 1]!.risky = true;
      continue;
    }
    if (c === '|') {
      if (stack.length) stack[stack.length - 1]!.risky = true;
      lastWasAtom = false;
      continue;
    }
    const quantifier = c === '*' || c === '+' || c === '?' || (c === '{' && /^\{\d+(,\d*)?\}/.test(pattern.slice(i)));
    if (quantifier) {
      if (!lastWasAtom) return false;
      if (c === '{') {
        const m = /^\{(\d+)(?:,(\d*))?\}/.exec(pattern.slice(i))!;
        if (Number(m[1]) > RULE_LIMITS.maxRepeat || (m[2] && Number(m[2]) > RULE_LIMITS.maxRepeat)) return false;
        i += m[0].length - 1;
      }
      if (pattern[i + 1] === '?') i += 1; // lazy
      if (lastAtomRisky) return false; // quantified group with a quantifier or alternation inside
      for (const g of stack) g.risky = true;
      lastWasAtom = false; lastAtomRisky = false;
      continue;
    }
    lastWasAtom = true; lastAtomRisky = false;
  }
  return stack.length === 0;
}

/** The value at a dot path in JSON data; undefined when any segment is missing. */
export function valueAt(data: unknown, path: string): unknown {
  let cur: unknown = data;
  for (const segment of path.split('.')) {
    if (Array.isArray(cur)) {
      if (!/^\d+$/.test(segment)) return undefined;
      cur = cur[Number(segment)];
    } else if (isPlainObject(cur)) {
      cur = Object.prototype.hasOwnProperty.call(cur, segment) ? cur[segment] : undefined;
    } else {
      return undefined;
    }
    if (cur === undefined) return undefined;
  }
  return cur;
}

const patternCache = new Map<string, RegExp>();
function compiled(pattern: string): RegExp {
  let re = patternCache.get(pattern);
  if (!re) {
    re = new RegExp(pattern, 'u');
    if (patternCache.size > 1_000) patternCache.clear();
    patternCache.set(pattern, re);
  }
  return re;
}

function ordered(a: unknown, b: unknown): [number, number] | [string, string] | null {
  if (typeof a === 'number' && typeof b === 'number' && Number.isFinite(a)) return [a, b];
  if (typeof a === 'string' && typeof b === 'string') return [a, b];
  return null;
}

/**
 * Evaluates a condition that validateCondition accepted. Total: never throws, whatever the data
 * (missing paths, wrong types); conditions that did not pass validation evaluate to false.
 */
export function evaluate(condition: Condition, data: unknown, depth = 1): boolean {
  if (depth > RULE_LIMITS.maxDepth) return false;
  if ('all' in condition) return condition.all.every((c) => evaluate(c, data, depth + 1));
  if ('any' in condition) return condition.any.some((c) => evaluate(c, data, depth + 1));
  if ('not' in condition) return !evaluate(condition.not, data, depth + 1);
  const actual = valueAt(data, condition.path);
  const expected = condition.value;
  switch (condition.op) {
    case 'exists': return (actual !== undefined && actual !== null) === (expected === undefined ? true : expected === true);
    case 'eq': return isPrimitive(actual) && actual === expected;
    case 'ne': return !(isPrimitive(actual) && actual === expected);
    case 'gt': case 'gte': case 'lt': case 'lte': {
      const pair = ordered(actual, expected);
      if (!pair) return false;
      const [a, b] = pair;
      return condition.op === 'gt' ? a > b : condition.op === 'gte' ? a >= b : condition.op === 'lt' ? a < b : a <= b;
    }
    case 'between': {
      if (!Array.isArray(expected)) return false;
      const lo = ordered(actual, expected[0]);
      const hi = ordered(actual, expected[1]);
      return !!lo && !!hi && lo[0] >= lo[1] && hi[0] <= hi[1];
    }
    case 'in': return Array.isArray(expected) && isPrimitive(actual) && expected.includes(actual);
    case 'not_in': return Array.isArray(expected) && !(isPrimitive(actual) && expected.includes(actual));
    case 'matches':
      if (typeof actual !== 'string' || typeof expected !== 'string' || actual.length > RULE_LIMITS.maxMatchedText) return false;
      return compiled(expected).test(actual);
  }
}
