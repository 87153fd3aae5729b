import { validateForm } from './form';
import type { FormField } from './steps';

const F = (f: Partial<FormField> & Pick<FormField, 'key' | 'type'>): FormField => ({ label: { es: f.key, en: f.key }, required: false, ...f });
const fields: FormField[] = [
  F({ key: 'name', type: 'TEXT', required: true, minLength: 2, maxLength: 5 }),
  F({ key: 'age', type: 'INTEGER', required: true, min: '18', max: '99' }),
  F({ key: 'mail', type: 'EMAIL' }),
  F({ key: 'kind', type: 'SELECT', options: ['A', 'B'], required: true }),
  F({ key: 'detail', type: 'TEXT', required: true, visibleWhen: { field: 'kind', equals: 'B' } }),
  F({ key: 'born', type: 'DATE', min: '1900-01-01', max: '2010-12-31' }),
  F({ key: 'ok', type: 'BOOLEAN' }),
];
const codes = (raw: unknown) => validateForm(fields, raw).userErrors.map((e) => [e.code, e.field]);

describe('form validation on the server', () => {
  test('valid answers are normalised; hidden fields are neither required nor accepted', () => {
    expect(validateForm(fields, { name: ' Ana ', age: 30, kind: 'A', ok: true })).toEqual({ values: { name: 'Ana', age: '30', kind: 'A', ok: true }, userErrors: [] });
    expect(codes({ name: 'Ana', age: '30', kind: 'A', detail: 'x' })).toEqual([['FIELD_UNKNOWN', 'data.values.detail']]);
    expect(codes({ name: 'Ana', age: '30', kind: 'B' })).toEqual([['FIELD_REQUIRED', 'data.values.detail']]);
  });

  test('each rule names its field: required, length, type, range, option, pattern, date', () => {
    expect(codes({ name: 'A', age: '17', mail: 'nope', kind: 'C', born: '2026-02-30', ok: 'yes' })).toEqual([
      ['FIELD_LENGTH', 'data.values.name'], ['FIELD_RANGE', 'data.values.age'], ['FIELD_PATTERN', 'data.values.mail'],
      ['FIELD_OPTION', 'data.values.kind'], ['FIELD_TYPE', 'data.values.born'], ['FIELD_TYPE', 'data.values.ok'],
    ]);
    expect(codes({ age: 1.5, kind: 'A' })).toEqual([['FIELD_REQUIRED', 'data.values.name'], ['FIELD_TYPE', 'data.values.age']]);
    expect(codes({ name: 'a\u0007b', age: '20', kind: 'A' })).toEqual([['INVALID_TEXT', 'data.values.name']]);
    expect(codes(['not', 'an', 'object'])).toEqual([['INVALID_STEP_INPUT', 'data.values']]);
  });
});
