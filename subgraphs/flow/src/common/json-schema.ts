/**
 * JSON Schemas of FORM/DOCUMENT steps (ajv, draft-07): compiled when a step is saved (an invalid
 * schema is refused then) and when data is submitted. Remote `$ref`s are never fetched.
 */
import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { safePattern } from '../rules/rules';

const ajv = new Ajv({ allErrors: false, strict: true, validateFormats: true });
addFormats(ajv);
const cache = new Map<string, ValidateFunction>();

/** The compiled validator, or the reason the schema is not one. */
export function compileSchema(schema: unknown): { validate: ValidateFunction } | { problem: string } {
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) return { problem: 'a schema is a JSON object' };
  const unsafe = unsafePatternIn(schema, '#');
  if (unsafe) return { problem: `pattern at ${unsafe} could backtrack without bound (see the rule engine's safe subset)` };
  const text = JSON.stringify(schema);
  const hit = cache.get(text);
  if (hit) return { validate: hit };
  try {
    const validate = ajv.compile(schema);
    if (cache.size > 500) cache.clear();
    cache.set(text, validate);
    return { validate };
  } catch (e) {
    return { problem: String((e as Error).message).slice(0, 200) };
  }
}

/** Validates data; null when it matches, else the first problem as `<instancePath> <message>`. */
export function schemaProblem(schema: Record<string, unknown>, data: unknown): { path: string; message: string } | null {
  const compiled = compileSchema(schema);
  if ('problem' in compiled) return { path: '', message: compiled.problem };
  if (compiled.validate(data)) return null;
  const e = compiled.validate.errors?.[0];
  return { path: e?.instancePath ?? '', message: `${e?.instancePath || '/'} ${e?.message ?? 'is invalid'}`.slice(0, 200) };
}

/** Where a `pattern` (or a `patternProperties` key) outside the rule engine's safe subset sits, or null. */
function unsafePatternIn(node: unknown, at: string): string | null {
  if (Array.isArray(node)) {
    for (let i = 0; i < node.length; i++) { const p = unsafePatternIn(node[i], `${at}/${i}`); if (p) return p; }
    return null;
  }
  if (typeof node !== 'object' || node === null) return null;
  for (const [k, v] of Object.entries(node)) {
    if (k === 'pattern' && typeof v === 'string' && !safePattern(v)) return `${at}/pattern`;
    if (k === 'patternProperties' && v && typeof v === 'object') for (const key of Object.keys(v)) if (!safePattern(key)) return `${at}/patternProperties`;
    const p = unsafePatternIn(v, `${at}/${k}`);
    if (p) return p;
  }
  return null;
}
