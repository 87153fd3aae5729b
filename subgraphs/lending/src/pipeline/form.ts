/**
 * Server-side validation of a FORM step's answers against its fields (pure). Hidden fields
 * (`visibleWhen` not met) must be absent and are never required; every problem is a userError
 * naming `data.values.<key>` with a message in the request's language (src/i18n/messages.ts).
 */
import { unsafeDisplayText } from '@imagy/platform/graphql';
import { isEmail, isPhone } from '../common/contact';
import { isDate } from '../common/dates';
import { D } from '../common/money';
import { userError, type UserError } from '../common/user-errors';
import type { FormField } from './steps';

export type FormValue = string | number | boolean;

function visible(field: FormField, values: Record<string, unknown>): boolean {
  if (!field.visibleWhen) return true;
  return values[field.visibleWhen.field] === field.visibleWhen.equals;
}

export function validateForm(fields: readonly FormField[], raw: unknown): { values: Record<string, FormValue> | null; userErrors: UserError[] } {
  const errors: UserError[] = [];
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return { values: null, userErrors: [userError('INVALID_STEP_INPUT', { field: 'data.values' })] };
  const input = raw as Record<string, unknown>;
  const out: Record<string, FormValue> = {};
  const byKey = new Map(fields.map((f) => [f.key, f]));
  for (const key of Object.keys(input)) {
    const f = byKey.get(key);
    if (!f || !visible(f, input)) errors.push(userError('FIELD_UNKNOWN', { field: `data.values.${key}` }));
  }
  for (const f of fields) {
    if (!visible(f, input)) continue;
    const field = `data.values.${f.key}`;
    const v = input[f.key];
    if (v === undefined || v === null || v === '') {
      if (f.required) errors.push(userError('FIELD_REQUIRED', { field }));
      continue;
    }
    switch (f.type) {
      case 'BOOLEAN':
        if (typeof v !== 'boolean') { errors.push(userError('FIELD_TYPE', { field, params: { type: 'boolean' } })); continue; }
        out[f.key] = v;
        break;
      case 'NUMBER':
      case 'INTEGER': {
        const s = typeof v === 'number' && Number.isFinite(v) ? String(v) : typeof v === 'string' ? v.trim() : '';
        const ok = f.type === 'INTEGER' ? /^-?\d{1,15}$/.test(s) : /^-?\d{1,15}(\.\d{1,6})?$/.test(s);
        if (!ok) { errors.push(userError('FIELD_TYPE', { field, params: { type: f.type === 'INTEGER' ? 'integer' : 'number' } })); continue; }
        const n = new D(s);
        if ((f.min != null && n.lt(f.min)) || (f.max != null && n.gt(f.max))) { errors.push(userError('FIELD_RANGE', { field, params: { min: f.min ?? '-', max: f.max ?? '-' } })); continue; }
        out[f.key] = n.toString();
        break;
      }
      case 'DATE':
        if (!isDate(v)) { errors.push(userError('FIELD_TYPE', { field, params: { type: 'date (YYYY-MM-DD)' } })); continue; }
        if ((f.min != null && /^\d{4}-/.test(f.min) && v < f.min) || (f.max != null && /^\d{4}-/.test(f.max) && v > f.max)) { errors.push(userError('FIELD_RANGE', { field, params: { min: f.min ?? '-', max: f.max ?? '-' } })); continue; }
        out[f.key] = v;
        break;
      default: {
        if (typeof v !== 'string') { errors.push(userError('FIELD_TYPE', { field, params: { type: 'text' } })); continue; }
        const s = v.trim();
        if (unsafeDisplayText(s)) { errors.push(userError('INVALID_TEXT', { field })); continue; }
        const min = f.minLength ?? (f.required ? 1 : 0);
        const max = f.maxLength ?? 1000;
        if (s.length < min || s.length > max) { errors.push(userError('FIELD_LENGTH', { field, params: { min, max } })); continue; }
        if (f.type === 'EMAIL' && !isEmail(s)) { errors.push(userError('FIELD_PATTERN', { field })); continue; }
        if (f.type === 'PHONE' && !isPhone(s)) { errors.push(userError('FIELD_PATTERN', { field })); continue; }
        if (f.type === 'SELECT' && !(f.options ?? []).includes(s)) { errors.push(userError('FIELD_OPTION', { field, params: { options: (f.options ?? []).join(', ') } })); continue; }
        if (f.pattern && !new RegExp(`^(?:${f.pattern})$`, 'u').test(s)) { errors.push(userError('FIELD_PATTERN', { field })); continue; }
        out[f.key] = s;
      }
    }
  }
  return errors.length ? { values: null, userErrors: errors } : { values: out, userErrors: [] };
}
