/**
 * A form generated from a JSON Schema (draft 2020-12 subset): lending publishes each pipeline step
 * type's configuration schema (`pipelineStepTypes.configSchema`), the very object it validates
 * `updateDraftPipeline` with, so no step type is described here. Rendered: string (text, or a text
 * area for long / multi-line text), integer and number (with minimum / maximum), boolean
 * (checkbox), enum (select), array of strings (comma separated), nested object (a fieldset), the
 * `x-widget: landing-blocks` hint (the landing's block builder) and, for anything else (arrays of
 * objects such as a form step's fields), the value as JSON. Labels and hints are the schema's
 * `x-title-<locale>` / `x-description-<locale>` (else `title` / `description`); `x-` rules are the
 * server's. Server errors (`config.<path>`) are shown next to the field whose path they name.
 */
import { useState } from 'react';
import { defineMessages, useLocale, useT } from '@imagy/web-kit/i18n';
import { Select, TextArea, TextInput } from '../../ui/common';
import { LandingBlocks } from './LandingBuilder';

const m = defineMessages({
  en: { invalidJson: 'Not valid JSON.', none: '(none)', commaHint: 'Separated by commas.', range: 'From {min} to {max}.', upTo: 'Up to {max} characters.' },
  es: { invalidJson: 'No es JSON válido.', none: '(ninguno)', commaHint: 'Separados por comas.', range: 'De {min} a {max}.', upTo: 'Hasta {max} caracteres.' },
});

export type Schema = { [key: string]: unknown };
/** Server errors of one step's config by path relative to it (`flowCode`, `blocks.0.url`; '' for the config itself). */
export type ConfigErrors = Record<string, string>;

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const asSchema = (v: unknown): Schema => (isRecord(v) ? v : {});
const types = (s: Schema): string[] => (Array.isArray(s.type) ? s.type.filter((x): x is string => typeof x === 'string') : typeof s.type === 'string' ? [s.type] : []);
const mainType = (s: Schema) => types(s).find((x) => x !== 'null');

/** The schema's properties in their order. */
export const propertiesOf = (s: Schema): [string, Schema][] => Object.entries(asSchema(s.properties)).map(([k, v]) => [k, asSchema(v)]);

/** A new value for the schema: its `default`, else an empty value for what is required. */
export function initialValue(s: Schema): unknown {
  if (s.default !== undefined) return structuredClone(s.default);
  const type = mainType(s);
  if (type === 'object') {
    const required = Array.isArray(s.required) ? s.required : [];
    const out: Record<string, unknown> = {};
    for (const [k, p] of propertiesOf(s)) {
      if (p.default !== undefined || required.includes(k)) out[k] = initialValue(p);
    }
    return out;
  }
  if (type === 'array') return [];
  if (type === 'string') return '';
  return undefined;
}

/** The errors of `path` and of everything under it, joined. */
function errorAt(errors: ConfigErrors, path: string, deep: boolean): string | undefined {
  const found = Object.entries(errors).filter(([p]) => p === path || (deep && (path === '' || p.startsWith(`${path}.`)))).map(([, msg]) => msg);
  return found.length ? [...new Set(found)].join(' ') : undefined;
}

interface NodeProps {
  schema: Schema;
  name: string;
  path: string;
  required: boolean;
  value: unknown;
  errors: ConfigErrors;
  onChange(v: unknown): void;
  /** Marks the node's text as not parseable (JSON) or parseable again: saving waits until none is. */
  onInvalid(path: string, invalid: boolean): void;
}

/** The fields of an object schema (the step's config itself, or a nested object without its fieldset). */
export function SchemaFields({ schema, value, errors, onChange, onInvalid, path = '' }: { schema: Schema; value: unknown; errors: ConfigErrors; onChange(v: Record<string, unknown>): void; onInvalid(path: string, invalid: boolean): void; path?: string }) {
  const obj = isRecord(value) ? value : {};
  const required = Array.isArray(schema.required) ? schema.required : [];
  return (
    <>
      {propertiesOf(schema).map(([key, prop]) => (
        <SchemaNode key={key} schema={prop} name={key} path={path ? `${path}.${key}` : key} required={required.includes(key)} value={obj[key]} errors={errors} onInvalid={onInvalid}
          onChange={(v) => {
            const next = { ...obj };
            if (v === undefined) delete next[key]; else next[key] = v;
            onChange(next);
          }} />
      ))}
    </>
  );
}

function SchemaNode(props: NodeProps) {
  const { schema, name, path, required, value, errors, onChange } = props;
  const { locale } = useLocale();
  const t = useT(m);
  const label = String(schema[`x-title-${locale}`] ?? schema.title ?? name);
  const description = (schema[`x-description-${locale}`] ?? schema.description) as string | undefined;
  const type = mainType(schema);
  const error = errorAt(errors, path, type !== 'object');

  if (Array.isArray(schema.enum)) {
    const options = schema.enum.map((o) => ({ value: String(o), label: String(o) }));
    return <Select label={label} value={value === undefined || value === null ? '' : String(value)} onChange={(e) => onChange(e.target.value === '' ? undefined : e.target.value)}
      options={required && value !== undefined ? options : [{ value: '', label: t('none') }, ...options]} />;
  }
  switch (type) {
    case 'boolean': {
      const checked = typeof value === 'boolean' ? value : schema.default === true;
      return <label className="checkbox"><input type="checkbox" checked={checked} onChange={(e) => onChange(e.target.checked)} /> {label}</label>;
    }
    case 'integer':
    case 'number': {
      const min = typeof schema.minimum === 'number' ? schema.minimum : undefined;
      const max = typeof schema.maximum === 'number' ? schema.maximum : undefined;
      const hint = [description, min !== undefined && max !== undefined ? t('range', { min, max }) : null].filter(Boolean).join(' ') || undefined;
      return <TextInput label={label} hint={hint} error={error} type="number" min={min} max={max} step={type === 'integer' ? 1 : 'any'}
        value={typeof value === 'number' || typeof value === 'string' ? String(value) : ''}
        onChange={(e) => { const raw = e.target.value.trim(); onChange(raw === '' ? undefined : /^-?\d+(\.\d+)?$/.test(raw) ? Number(raw) : raw); }} />;
    }
    case 'string': {
      const maxLength = typeof schema.maxLength === 'number' ? schema.maxLength : undefined;
      const multiline = schema['x-text'] === 'multiline' || (maxLength ?? 0) > 1000;
      const text = typeof value === 'string' ? value : '';
      // An optional empty text is left out: the server applies its default.
      const set = (v: string) => onChange(v === '' && !required ? undefined : v);
      const hint = description ?? (maxLength && !multiline ? t('upTo', { max: maxLength }) : undefined);
      return multiline
        ? <TextArea label={label} hint={hint} error={error} value={text} maxLength={maxLength} rows={8} spellCheck={false} onChange={(e) => set(e.target.value)} />
        : <TextInput label={label} hint={hint} error={error} value={text} maxLength={maxLength} onChange={(e) => set(e.target.value)} />;
    }
    case 'object':
      if (!isRecord(schema.properties)) break;
      return (
        <fieldset className="schema-object">
          <legend>{label}</legend>
          {description && <small>{description}</small>}
          {error && <p className="field-error" role="alert">{error}</p>}
          <SchemaFields schema={schema} value={value} errors={errors} path={path} onInvalid={props.onInvalid} onChange={(v) => onChange(v)} />
        </fieldset>
      );
    case 'array': {
      const items = asSchema(schema.items);
      if (schema['x-widget'] === 'landing-blocks') return <JsonText {...props} label={label} render="blocks" />;
      if (mainType(items) === 'string' && !Array.isArray(items.enum)) return <StringList {...props} label={label} hint={[description, t('commaHint')].filter(Boolean).join(' ')} error={error} />;
      break;
    }
  }
  return <JsonText {...props} label={label} hint={description} render="json" />;
}

/** An array of strings edited as "A, B, C" (the text kept as typed while it is edited). */
function StringList({ value, onChange, label, hint, error }: NodeProps & { label: string; hint?: string; error?: string }) {
  const [text, setText] = useState(() => (Array.isArray(value) ? value.join(', ') : ''));
  return <TextInput label={label} hint={hint} error={error} value={text} onChange={(e) => { setText(e.target.value); onChange(e.target.value.split(',').map((s) => s.trim()).filter(Boolean)); }} />;
}

/** A value edited as JSON text (or through the landing block builder, which edits the same text). */
function JsonText({ value, path, errors, onChange, onInvalid, label, hint, render }: NodeProps & { label: string; hint?: string; render: 'json' | 'blocks' }) {
  const t = useT(m);
  const [text, setText] = useState(() => JSON.stringify(value ?? [], null, 2));
  const [invalid, setInvalid] = useState(false);
  const set = (raw: string) => {
    setText(raw);
    try { onChange(JSON.parse(raw)); setInvalid(false); onInvalid(path, false); } catch { setInvalid(true); onInvalid(path, true); }
  };
  const error = invalid ? t('invalidJson') : errorAt(errors, path, true);
  return render === 'blocks'
    ? <LandingBlocks label={label} value={text} error={error} onChange={set} />
    : <TextArea label={label} hint={hint} error={error} value={text} rows={6} spellCheck={false} onChange={(e) => set(e.target.value)} />;
}
