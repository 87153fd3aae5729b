import { iso, isUniqueViolation, jsonParam, likeEscape, sqlState, TEXT_ARRAY_PARAM, ymd } from './sql';

describe('SQL helpers', () => {
  test('likeEscape makes %, _ and backslash match literally', () => {
    expect(likeEscape('50%_off\\now')).toBe('50\\%\\_off\\\\now');
    expect(likeEscape('plain')).toBe('plain');
  });

  test('isUniqueViolation recognises SQLSTATE 23505 and is safe on anything thrown', () => {
    expect(isUniqueViolation(Object.assign(new Error('dup'), { code: '23505' }))).toBe(true);
    expect(isUniqueViolation(Object.assign(new Error('fk'), { code: '23503' }))).toBe(false);
    for (const e of [null, undefined, 'text', 42, {}, { code: 23505 }]) expect(isUniqueViolation(e)).toBe(false);
    expect(sqlState({ code: 'ECONNREFUSED' })).toBeNull();
  });

  test('array parameters travel as one JSON text; timestamps and dates come back as ISO text', () => {
    expect(jsonParam(['a', "it's"])).toBe('["a","it\'s"]');
    expect(TEXT_ARRAY_PARAM).toBe('array(select jsonb_array_elements_text(?::jsonb))');
    expect(iso('u.created_at')).toBe(`to_char(u.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`);
    expect(ymd('c.disbursed_at')).toBe(`to_char(c.disbursed_at, 'YYYY-MM-DD')`);
  });
});
