import { isSafeText, unsafeTextProblem } from './text';

describe('unsafe text in names and e-mails', () => {
  test.each([
    ['NUL', 'Ana\u0000'],
    ['a lone high surrogate', 'Ana\uD800'],
    ['a lone low surrogate', '\uDC00Ana'],
    ['a right-to-left override', 'Ana\u202Egnp.exe'],
    ['a left-to-right embedding', '\u202AAna'],
    ['a first-strong isolate', 'Ana\u2068x\u2069'],
    ['a right-to-left mark', 'Ana\u200F'],
    ['a terminal escape sequence', 'Ana\u001B[31mred'],
    ['a C1 control sequence introducer', 'Ana\u009B31m'],
    ['a line break', 'Ana\nAdmin'],
    ['a tab', 'Ana\tLópez'],
    ['DEL', 'Ana\u007F'],
    ['a zero-width space', 'Ad\u200Bmin'],
    ['a line separator', 'Ana\u2028'],
    ['a byte order mark', '\uFEFFAna'],
  ])('refuses %s', (_what, text) => {
    expect(isSafeText(text)).toBe(false);
    expect(unsafeTextProblem(text)).toEqual(expect.any(String));
  });

  test.each([
    ["Ana O'Brien López"],
    ['محمد علی'],
    ['می\u200Cخواهم'],
    ['👩\u200D💻 Dev'],
    ['李小龍'],
    ['Zoë-Åsa Ñúñez'],
  ])('accepts %s', (text) => {
    expect(unsafeTextProblem(text)).toBeNull();
  });
});
