import fc from 'fast-check';
import { parse } from 'graphql';
import { localizeScalarError } from '../i18n';
import { checkDocumentText, checkVariablesText } from './input-text';

describe('unstorable text in any input', () => {
  test('a NUL or lone surrogate anywhere in the variables is refused, naming the variable and the path', () => {
    const nul = checkVariablesText({ input: { name: 'ok', tags: ['a', 'b\u0000'] } });
    expect(nul?.message).toBe('Variable "$input" at "input.tags[1]" contains a NUL character (U+0000)');
    expect(nul?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'INVALID_TEXT', messageCode: 'TEXT_NUL', field: 'input.tags.1' });
    expect(checkVariablesText({ email: 'a\uD800@b.c' })?.message).toBe('Variable "$email" contains a lone UTF-16 surrogate (not valid Unicode)');
    expect(checkVariablesText({ data: { ['k\u0000']: 1 } })?.message).toBe('A key of variable "$data" contains a NUL character (U+0000)');
    expect(localizeScalarError(nul!, 'es')).toBe('La variable "$input" en "input.tags[1]" contiene un carácter NUL (U+0000)');
  });

  test('clean variables, emoji (valid surrogate pairs) and controls other than NUL pass', () => {
    expect(checkVariablesText({ input: { name: 'Ana 🙂', note: 'line\nbreak\ttab', n: 1, ok: true, none: null } })).toBeNull();
    expect(checkVariablesText(undefined)).toBeNull();
  });

  test('deeply nested variables are walked without recursion', () => {
    let deep: unknown = 'x\u0000';
    for (let i = 0; i < 20_000; i++) deep = [deep];
    expect(checkVariablesText({ v: deep })?.extensions?.messageCode).toBe('TEXT_NUL');
  });

  test('string literals of the document are checked too, with their location', () => {
    const e = checkDocumentText(parse('mutation { createUser(input: { displayName: "a\\u0000b" }) { user { id } } }'));
    expect(e?.message).toBe('A string in the query contains a NUL character (U+0000)');
    expect(e?.locations).toEqual([{ line: 1, column: 45 }]);
    expect(checkDocumentText(parse('{ a(b: "fine", c: """block""") }'))).toBeNull();
  });

  test('any variables give null or the typed refusal, never a throw', () => {
    fc.assert(fc.property(fc.dictionary(fc.string(), fc.anything({ maxDepth: 5 })), (variables) => {
      const e = checkVariablesText(variables);
      return e === null || e.extensions.code === 'BAD_USER_INPUT';
    }), { numRuns: 300 });
  });
});
