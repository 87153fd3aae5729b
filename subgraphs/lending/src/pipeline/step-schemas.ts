/**
 * The JSON Schema (draft 2020-12) of each pipeline step type's configuration: the single source of
 * truth for both sides. `pipelineStepTypes` publishes these objects (the console renders its forms
 * from them) and steps.ts validates every configuration a maker saves with Ajv compiled from the
 * very same objects, so the form and the server cannot disagree.
 *
 * Rules plain JSON Schema cannot state are custom keywords (prefix `x-`, ignored by a generic form
 * renderer, enforced by Ajv here): `x-text` (no control / direction characters, platform's
 * unsafeDisplayText or the multi-line variant), `x-https` (an https URL that parses),
 * `x-placeholders` (the only `{{names}}` a contract template may use), `x-safe-regex` (a pattern
 * that compiles and cannot backtrack catastrophically), `x-range` (min not above max) and
 * `x-form-fields` (distinct field keys; visibleWhen names an earlier field). Titles and
 * descriptions are in both languages (`x-title-es`, `x-title-en`, `x-description-*`);
 * `localizedSchema` also sets the standard `title` / `description` in one of them.
 */
import { unsafeDisplayText } from '@imagy/platform/graphql';
import { unsafeMultilineText } from '../common/json';
import { D } from '../common/money';

export const STEP_TYPES = [
  'LANDING', 'USER_REGISTRATION', 'LEGAL_CONSENT', 'CONTACT_VERIFICATION', 'FORM',
  'COMPLIANCE_CHECK', 'MANUAL_REVIEW', 'IDENTITY_VALIDATION', 'DOCUMENT_SIGNATURE', 'DISBURSEMENT',
] as const;
export type StepType = (typeof STEP_TYPES)[number];

export const FIELD_TYPES = ['TEXT', 'NUMBER', 'INTEGER', 'DATE', 'EMAIL', 'PHONE', 'SELECT', 'BOOLEAN'] as const;

/** Placeholders a contract template may use (src/applications/contract.ts fills them). */
export const CONTRACT_PLACEHOLDERS = [
  'productName', 'productCode', 'borrowerName', 'amount', 'currency', 'term', 'frequency', 'installment', 'annualNominalRate',
  'cat', 'fees', 'netDisbursed', 'totalPayable', 'schedule', 'applicationId', 'date',
] as const;

/** A JSON Schema node as plain data (published through the JSON scalar as is). */
export type JsonSchema = { [key: string]: JsonSchemaValue };
type JsonSchemaValue = string | number | boolean | null | JsonSchemaValue[] | JsonSchema;

export const CODE_PATTERN = '^[A-Z0-9][A-Z0-9_-]{0,39}$';
const DECIMAL_PATTERN = '^\\d{1,13}(\\.\\d{1,4})?$';
const SIGNED_DECIMAL_PATTERN = '^-?\\d{1,13}(\\.\\d{1,6})?$';
/** A dot path into flow's summary: 1-8 segments of letters, digits and underscores. */
const SCORE_PATH_PATTERN = '^[A-Za-z0-9_]{1,40}(?:\\.[A-Za-z0-9_]{1,40}){0,7}$';
/** Not blank: the server always refused text that is only spaces. */
const NOT_BLANK = '\\S';

const t = (en: string, es: string, descEn?: string, descEs?: string): JsonSchema => ({
  'x-title-en': en, 'x-title-es': es, ...(descEn ? { 'x-description-en': descEn, 'x-description-es': descEs ?? descEn } : {}),
});
const line = (min: number, max: number): JsonSchema => ({ type: 'string', minLength: min, maxLength: max, ...(min > 0 ? { pattern: NOT_BLANK } : {}), 'x-text': 'line' });
const multiline = (max: number): JsonSchema => ({ type: 'string', minLength: 1, maxLength: max, pattern: NOT_BLANK, 'x-text': 'multiline' });
const object = (properties: Record<string, JsonSchema>, required: string[] = []): JsonSchema => ({ type: 'object', properties, required, additionalProperties: false });

const flowCheck = (en: string, es: string): JsonSchema => ({
  ...t(en, es),
  ...object({
    flowCode: { type: 'string', maxLength: 40, pattern: CODE_PATTERN, ...t('Flow code', 'Código del flujo', 'Code of the verification flow to run (upper-case letters, digits, - and _; up to 40).', 'Código del flujo de verificación a ejecutar (mayúsculas, dígitos, - y _; hasta 40).') },
    scorePath: { type: ['string', 'null'], maxLength: 340, pattern: SCORE_PATH_PATTERN, ...t('Score path', 'Ruta del puntaje', 'Where the score is in the flow summary (e.g. steps.bureau.output.score); empty: summary.score.', 'Dónde está el puntaje en el resumen del flujo (p. ej. steps.bureau.output.score); vacío: summary.score.') },
  }, ['flowCode']),
});

const formField: JsonSchema = {
  ...object({
    key: { type: 'string', pattern: '^[A-Za-z][A-Za-z0-9_]{0,39}$', ...t('Key', 'Clave') },
    type: { enum: [...FIELD_TYPES], ...t('Type', 'Tipo') },
    label: { ...object({ es: line(1, 200), en: line(1, 200) }, ['es', 'en']), ...t('Label', 'Etiqueta') },
    required: { type: 'boolean', ...t('Required', 'Obligatorio') },
    min: { type: ['string', 'null'], pattern: SIGNED_DECIMAL_PATTERN, ...t('Minimum', 'Mínimo') },
    max: { type: ['string', 'null'], pattern: SIGNED_DECIMAL_PATTERN, ...t('Maximum', 'Máximo') },
    minLength: { type: ['integer', 'null'], minimum: 0, maximum: 10000, ...t('Minimum length', 'Longitud mínima') },
    maxLength: { type: ['integer', 'null'], minimum: 0, maximum: 10000, ...t('Maximum length', 'Longitud máxima') },
    pattern: { type: ['string', 'null'], maxLength: 200, 'x-safe-regex': true, ...t('Pattern (regular expression)', 'Patrón (expresión regular)') },
    options: { type: ['array', 'null'], minItems: 1, maxItems: 100, uniqueItems: true, items: line(1, 100), ...t('Options', 'Opciones') },
    visibleWhen: {
      type: ['object', 'null'], properties: { field: { type: 'string' }, equals: { type: ['string', 'number', 'boolean'] } }, required: ['field', 'equals'], additionalProperties: false,
      ...t('Visible when', 'Visible cuando'),
    },
  }, ['key', 'type', 'label']),
  'x-range': true,
  // A SELECT needs its options; any other type has none.
  if: { properties: { type: { const: 'SELECT' } }, required: ['type'] },
  then: { properties: { options: { type: 'array' } }, required: ['options'] },
  else: { properties: { options: { type: 'null' } } },
};

const landingBlock: JsonSchema = {
  ...object({
    kind: { enum: ['TEXT', 'IMAGE'], ...t('Kind', 'Tipo') },
    text: { type: ['string', 'null'], ...t('Text', 'Texto') },
    url: { type: ['string', 'null'], ...t('Image URL (https)', 'URL de la imagen (https)') },
    alt: { type: ['string', 'null'], maxLength: 300, 'x-text': 'line', ...t('Alternative text', 'Texto alternativo') },
  }, ['kind']),
  allOf: [
    { if: { properties: { kind: { const: 'TEXT' } } }, then: { properties: { text: multiline(5000) }, required: ['text'] } },
    { if: { properties: { kind: { const: 'IMAGE' } } }, then: { properties: { url: { type: 'string', maxLength: 2000, pattern: '^https://', 'x-https': true } }, required: ['url'] } },
  ],
};

export interface StepTypeDefinition {
  type: StepType;
  label: { en: string; es: string };
  description: { en: string; es: string };
  /** At most one enabled step of the type (checkPipeline's order rules). */
  unique: boolean;
  /** FIRST / LAST among the enabled steps, when the order rules fix it. */
  placement: 'FIRST' | 'LAST' | null;
  /** Whether the step may carry a runWhen amount condition. */
  conditional: boolean;
  schema: JsonSchema;
}

const def = (type: StepType, en: string, es: string, descEn: string, descEs: string, schema: JsonSchema, extra: Partial<Pick<StepTypeDefinition, 'unique' | 'placement' | 'conditional'>> = {}): StepTypeDefinition => ({
  type, label: { en, es }, description: { en: descEn, es: descEs }, unique: false, placement: null, conditional: true, ...extra,
  schema: { $schema: 'https://json-schema.org/draft/2020-12/schema', ...t(en, es, descEn, descEs), ...schema },
});

export const STEP_DEFINITIONS: readonly StepTypeDefinition[] = [
  def('LANDING', 'Landing', 'Landing', 'The public page the journey starts on.', 'La página pública donde empieza el recorrido.', object({
    title: { ...line(1, 200), ...t('Title', 'Título') },
    blocks: { type: 'array', maxItems: 30, items: landingBlock, default: [], 'x-widget': 'landing-blocks', ...t('Content blocks', 'Bloques de contenido') },
    legalFooter: { ...multiline(5000), type: ['string', 'null'], ...t('Legal footer', 'Pie legal') },
  }, ['title']), { unique: true, placement: 'FIRST' }),
  def('USER_REGISTRATION', 'Registration', 'Registro', 'The applicant signs up or signs in.', 'El solicitante se registra o inicia sesión.', object({}), { conditional: false }),
  def('LEGAL_CONSENT', 'Legal consent', 'Consentimiento legal', 'The applicant accepts the current version of each legal document.', 'El solicitante acepta la versión vigente de cada documento legal.', object({
    documents: { type: 'array', minItems: 1, maxItems: 10, uniqueItems: true, items: { type: 'string', maxLength: 40, pattern: CODE_PATTERN }, default: ['TERMS'], ...t('Legal document codes', 'Códigos de documentos legales', 'Codes published with publishLegalDocument (e.g. TERMS, PRIVACY).', 'Códigos publicados con publishLegalDocument (p. ej. TERMS, PRIVACY).') },
  }, ['documents'])),
  def('CONTACT_VERIFICATION', 'Contact verification', 'Verificación de contacto', 'A one-time code sent to the applicant\'s phone or e-mail.', 'Un código de un solo uso enviado al teléfono o correo del solicitante.', object({
    channel: { enum: ['SMS', 'EMAIL', 'WHATSAPP'], default: 'SMS', ...t('Channel', 'Canal') },
    requireUnique: { type: 'boolean', default: true, ...t('Contact unique per borrower', 'Contacto único por solicitante') },
  }, ['channel'])),
  def('FORM', 'Form', 'Formulario', 'Questions the applicant answers, validated on the server.', 'Preguntas que responde el solicitante, validadas en el servidor.', object({
    fields: { type: 'array', minItems: 1, maxItems: 100, items: formField, 'x-form-fields': true, default: [], ...t('Fields', 'Campos', 'Each field: key, type, label { es, en }, required, limits, options (SELECT), visibleWhen.', 'Cada campo: key, type, label { es, en }, required, límites, options (SELECT), visibleWhen.') },
  }, ['fields'])),
  def('COMPLIANCE_CHECK', 'Compliance check', 'Cumplimiento', 'Runs a verification flow (lists, bureau) and records its score.', 'Ejecuta un flujo de verificación (listas, buró) y registra su puntaje.', flowCheck('Compliance check', 'Cumplimiento')),
  def('MANUAL_REVIEW', 'Manual review', 'Revisión manual', 'The application waits in the review queue unless auto-approved.', 'La solicitud espera en la cola de revisión salvo aprobación automática.', object({
    autoApproveMaxAmount: { type: ['string', 'null'], pattern: DECIMAL_PATTERN, ...t('Auto-approve up to amount', 'Aprobar automáticamente hasta el monto') },
    autoApproveMinScore: { type: ['number', 'null'], minimum: 0, maximum: 1000, ...t('Auto-approve from score', 'Aprobar automáticamente desde el puntaje') },
    makerCheckerAboveAmount: { type: ['string', 'null'], pattern: DECIMAL_PATTERN, ...t('Second reviewer above amount', 'Segundo revisor por encima del monto') },
  })),
  def('IDENTITY_VALIDATION', 'Identity validation', 'Validación de identidad', 'Runs an identity flow (documents, biometrics); only after a manual review.', 'Ejecuta un flujo de identidad (documentos, biometría); solo después de una revisión manual.', flowCheck('Identity validation', 'Validación de identidad')),
  def('DOCUMENT_SIGNATURE', 'Document signature', 'Firma de documentos', 'The contract, filled from the application, is signed electronically.', 'El contrato, llenado con la solicitud, se firma electrónicamente.', object({
    title: { ...line(1, 200), ...t('Contract title', 'Título del contrato') },
    template: { ...multiline(50000), 'x-placeholders': [...CONTRACT_PLACEHOLDERS], ...t('Contract template ({{placeholders}})', 'Plantilla del contrato ({{marcadores}})', `Placeholders: ${CONTRACT_PLACEHOLDERS.join(', ')}. Empty: the default contract.`, `Marcadores: ${CONTRACT_PLACEHOLDERS.join(', ')}. Vacía: el contrato por defecto.`) },
    signingOrder: { enum: ['SEQUENTIAL', 'PARALLEL'], default: 'SEQUENTIAL', ...t('Signing order', 'Orden de firma') },
  }, ['title'])),
  def('DISBURSEMENT', 'Disbursement', 'Desembolso', 'The credit is booked and the money sent; the last step.', 'Se registra el crédito y se envía el dinero; el último paso.', object({
    channel: { enum: ['BANK_TRANSFER', 'WALLET', 'CASH'], default: 'BANK_TRANSFER', ...t('Channel', 'Canal') },
  }, ['channel']), { unique: true, placement: 'LAST', conditional: false }),
];

export const STEP_DEFINITION: ReadonlyMap<StepType, StepTypeDefinition> = new Map(STEP_DEFINITIONS.map((d) => [d.type, d]));

/** A copy of `schema` whose every node also has the standard `title` / `description` in `locale`. */
export function localizedSchema(schema: JsonSchemaValue, locale: 'es' | 'en'): JsonSchemaValue {
  if (Array.isArray(schema)) return schema.map((s) => localizedSchema(s, locale));
  if (!schema || typeof schema !== 'object') return schema;
  const out: JsonSchema = {};
  for (const [k, v] of Object.entries(schema)) out[k] = localizedSchema(v, locale);
  const title = schema[`x-title-${locale}`];
  const description = schema[`x-description-${locale}`];
  if (typeof title === 'string') out.title = title;
  if (typeof description === 'string') out.description = description;
  return out;
}

// ---- the custom keywords' checks (steps.ts registers them with Ajv) ----------------------------

/** `x-text`: 'line' refuses control and direction characters; 'multiline' allows line breaks and tabs. */
export const safeText = (mode: unknown, v: string): boolean => (mode === 'multiline' ? !unsafeMultilineText(v) : !unsafeDisplayText(v));

export const httpsUrl = (v: string): boolean => { try { return new URL(v).protocol === 'https:'; } catch { return false; } };

export const knownPlaceholders = (allowed: readonly string[], template: string): boolean => {
  for (const m of template.matchAll(/\{\{\s*([^}]*)\s*\}\}/g)) if (!allowed.includes(m[1]!.trim())) return false;
  return true;
};

/** Patterns run on untrusted input: refuse nested quantifiers and back-references (catastrophic backtracking). */
export const safeRegex = (pattern: string): boolean => {
  if (/(\([^)]*[+*][^)]*\)[+*{])|\\\d/.test(pattern)) return false;
  try { new RegExp(pattern, 'u'); return true; } catch { return false; }
};

/** `x-range`: a form field's decimal min is not above its max. */
export const rangeHolds = (f: Record<string, unknown>): boolean =>
  !(typeof f.min === 'string' && typeof f.max === 'string' && new RegExp(SIGNED_DECIMAL_PATTERN).test(f.min) && new RegExp(SIGNED_DECIMAL_PATTERN).test(f.max) && new D(f.min).gt(f.max));

/** `x-form-fields`: the indexes (and sub-field) of fields whose key repeats or whose visibleWhen names no earlier field. */
export function formFieldProblems(fields: unknown[]): { index: number; at: 'key' | 'visibleWhen' }[] {
  const out: { index: number; at: 'key' | 'visibleWhen' }[] = [];
  const seen = new Set<string>();
  fields.forEach((f, index) => {
    if (!f || typeof f !== 'object' || Array.isArray(f)) return;
    const { key, visibleWhen } = f as { key?: unknown; visibleWhen?: unknown };
    if (visibleWhen && typeof visibleWhen === 'object' && !Array.isArray(visibleWhen)) {
      const ref = (visibleWhen as { field?: unknown }).field;
      if (typeof ref !== 'string' || !seen.has(ref) || ref === key) out.push({ index, at: 'visibleWhen' });
    }
    if (typeof key === 'string') {
      if (seen.has(key)) out.push({ index, at: 'key' });
      else seen.add(key);
    }
  });
  return out;
}
