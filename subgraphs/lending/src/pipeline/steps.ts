/**
 * The step types of an origination pipeline, their configurations and the default pipeline (pure:
 * no I/O). `checkPipeline` validates a whole pipeline as a maker submits it; every problem is a
 * userError naming the field (`steps.3.config.fields.0.pattern`). Each configuration is checked
 * against its type's JSON Schema (step-schemas.ts, published as `pipelineStepTypes`) by Ajv: the
 * console renders its forms from the same objects. The engine (src/applications/engine.ts) runs
 * each type.
 */
import { Ajv2020, type ErrorObject } from 'ajv/dist/2020';
import type { SchemaValidateFunction } from 'ajv/dist/types';
import { D } from '../common/money';
import { userError, type UserError } from '../common/user-errors';
import {
  FIELD_TYPES, STEP_DEFINITIONS, STEP_TYPES, formFieldProblems, httpsUrl, knownPlaceholders, rangeHolds, safeRegex, safeText, type StepType,
} from './step-schemas';

export { CONTRACT_PLACEHOLDERS, FIELD_TYPES, STEP_TYPES, type StepType } from './step-schemas';
export type FieldType = (typeof FIELD_TYPES)[number];

export interface LocalText { es: string; en: string }
export interface FormField {
  key: string; type: FieldType; label: LocalText; required: boolean;
  min?: string | null; max?: string | null; minLength?: number | null; maxLength?: number | null;
  pattern?: string | null; options?: string[] | null; visibleWhen?: { field: string; equals: string | number | boolean } | null;
}
export type LandingBlock = { kind: 'TEXT' | 'IMAGE'; text: string | null; url: string | null; alt: string | null };

export interface StepConfigs {
  LANDING: { title: string; blocks: LandingBlock[]; legalFooter: string | null };
  USER_REGISTRATION: Record<string, never>;
  LEGAL_CONSENT: { documents: string[] };
  CONTACT_VERIFICATION: { channel: 'SMS' | 'EMAIL' | 'WHATSAPP'; requireUnique: boolean };
  FORM: { fields: FormField[] };
  /** `scorePath`: where the score is in flow's summary (e.g. `steps.bureau.output.score`), when it is not `summary.score`. */
  COMPLIANCE_CHECK: { flowCode: string; scorePath?: string };
  MANUAL_REVIEW: { autoApproveMaxAmount: string | null; autoApproveMinScore: number | null; makerCheckerAboveAmount: string | null };
  IDENTITY_VALIDATION: { flowCode: string; scorePath?: string };
  DOCUMENT_SIGNATURE: { title: string; template: string; signingOrder: 'SEQUENTIAL' | 'PARALLEL' };
  DISBURSEMENT: { channel: 'BANK_TRANSFER' | 'WALLET' | 'CASH' };
}

/** Run the step only when the application's amount is within [minAmount, maxAmount]; otherwise it is SKIPPED. */
export interface StepCondition { minAmount: string | null; maxAmount: string | null }

export interface PipelineStep<T extends StepType = StepType> {
  key: string;
  type: T;
  enabled: boolean;
  config: StepConfigs[T];
  runWhen: StepCondition | null;
}

export const MAX_STEPS = 30;
const KEY = /^[a-z][a-z0-9_]{0,39}$/;
const DECIMAL = /^\d{1,13}(\.\d{1,4})?$/;

export const DEFAULT_CONTRACT_TEMPLATE = [
  'CONTRATO DE CRÉDITO / CREDIT AGREEMENT',
  'Producto / Product: {{productName}} ({{productCode}})',
  'Acreditado / Borrower: {{borrowerName}}',
  'Monto / Amount: {{amount}} {{currency}}',
  'Plazo / Term: {{term}} cuotas / installments ({{frequency}})',
  'Cuota / Installment: {{installment}} {{currency}}',
  'Tasa anual / Annual rate: {{annualNominalRate}} %',
  'CAT: {{cat}} %',
  'Comisiones / Fees: {{fees}}',
  'Monto neto a recibir / Net disbursed: {{netDisbursed}} {{currency}}',
  'Total a pagar / Total payable: {{totalPayable}} {{currency}}',
  'Calendario / Schedule:',
  '{{schedule}}',
].join('\n');

/** The pipeline a version has until a maker configures one: the whole journey of seed 3.11-3.21. */
export function defaultPipeline(): PipelineStep[] {
  const step = <T extends StepType>(key: string, type: T, config: StepConfigs[T], runWhen: StepCondition | null = null): PipelineStep => ({ key, type, enabled: true, config, runWhen } as PipelineStep);
  return [
    step('landing', 'LANDING', { title: 'Solicite su crédito', blocks: [{ kind: 'TEXT', text: 'Complete su solicitud en minutos.', url: null, alt: null }], legalFooter: null }),
    step('registration', 'USER_REGISTRATION', {}),
    step('consent', 'LEGAL_CONSENT', { documents: ['TERMS', 'PRIVACY'] }),
    step('contact', 'CONTACT_VERIFICATION', { channel: 'SMS', requireUnique: true }),
    step('form', 'FORM', { fields: [
      { key: 'fullName', type: 'TEXT', label: { es: 'Nombre completo', en: 'Full name' }, required: true, minLength: 3, maxLength: 200 },
      { key: 'monthlyIncome', type: 'NUMBER', label: { es: 'Ingreso mensual', en: 'Monthly income' }, required: true, min: '0', max: '100000000' },
    ] }),
    step('compliance', 'COMPLIANCE_CHECK', { flowCode: 'ORIGINATION_COMPLIANCE' }),
    step('review', 'MANUAL_REVIEW', { autoApproveMaxAmount: null, autoApproveMinScore: null, makerCheckerAboveAmount: null }),
    step('identity', 'IDENTITY_VALIDATION', { flowCode: 'ORIGINATION_IDENTITY' }),
    step('signature', 'DOCUMENT_SIGNATURE', { title: 'Contrato de crédito', template: DEFAULT_CONTRACT_TEMPLATE, signingOrder: 'SEQUENTIAL' }),
    step('disbursement', 'DISBURSEMENT', { channel: 'BANK_TRANSFER' }),
  ];
}

// ---- validation ------------------------------------------------------------------------------

type Json = unknown;
const isObj = (v: Json): v is Record<string, Json> => !!v && typeof v === 'object' && !Array.isArray(v);
const optDecimal = (v: Json): boolean => v === null || v === undefined || (typeof v === 'string' && DECIMAL.test(v));

/**
 * Ajv over the published schemas (step-schemas.ts): every error, in draft 2020-12, with the custom
 * keywords the schemas use. Compiled once per step type at start-up.
 */
const ajv = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true });
ajv.addVocabulary(['x-title-es', 'x-title-en', 'x-description-es', 'x-description-en', 'x-widget']);
ajv.addKeyword({ keyword: 'x-text', type: 'string', schemaType: 'string', errors: false, validate: (mode: string, v: string) => safeText(mode, v) });
ajv.addKeyword({ keyword: 'x-https', type: 'string', schemaType: 'boolean', errors: false, validate: (_on: boolean, v: string) => httpsUrl(v) });
ajv.addKeyword({ keyword: 'x-placeholders', type: 'string', schemaType: 'array', errors: false, validate: (allowed: string[], v: string) => knownPlaceholders(allowed, v) });
ajv.addKeyword({ keyword: 'x-safe-regex', type: 'string', schemaType: 'boolean', errors: false, validate: (_on: boolean, v: string) => safeRegex(v) });
// The range error names `max`, as a maker reads "the maximum is below the minimum".
const range: SchemaValidateFunction = (_on, f, _parent, cxt) => {
  if (rangeHolds(f as Record<string, unknown>)) return true;
  range.errors = [{ keyword: 'x-range', instancePath: `${cxt?.instancePath ?? ''}/max`, schemaPath: '', params: {} }];
  return false;
};
ajv.addKeyword({ keyword: 'x-range', type: 'object', schemaType: 'boolean', errors: true, validate: range });
const formFields: SchemaValidateFunction = (_on, fields, _parent, cxt) => {
  const found = formFieldProblems(fields as unknown[]);
  if (!found.length) return true;
  formFields.errors = found.map((p) => ({ keyword: 'x-form-fields', instancePath: `${cxt?.instancePath ?? ''}/${p.index}/${p.at}`, schemaPath: '', params: {} }));
  return false;
};
ajv.addKeyword({ keyword: 'x-form-fields', type: 'array', schemaType: 'boolean', errors: true, validate: formFields });

const validators = new Map(STEP_DEFINITIONS.map((d) => [d.type, ajv.compile(d.schema)]));

/** An Ajv error as the field path the maker's form shows it at (`.blocks.0.url`), or null for a branch marker. */
function errorPath(e: ErrorObject): string | null {
  if (e.keyword === 'if') return null;
  let path = e.instancePath;
  if (e.keyword === 'required') path += `/${(e.params as { missingProperty: string }).missingProperty}`;
  if (e.keyword === 'additionalProperties') path += `/${(e.params as { additionalProperty: string }).additionalProperty}`;
  return path.split('/').slice(1).map((s) => `.${s.replace(/~1/g, '/').replace(/~0/g, '~')}`).join('');
}

class Problems {
  readonly list: UserError[] = [];
  config(field: string): void { this.list.push(userError('INVALID_STEP_CONFIG', { field })); }
}

/** The normalised configuration of a valid one (the schema's defaults filled in). */
function normalise(type: StepType, c: Record<string, Json>): StepConfigs[StepType] {
  switch (type) {
    case 'LANDING':
      return { title: c.title as string, blocks: ((c.blocks ?? []) as LandingBlock[]).map((b) => ({ kind: b.kind, text: b.text ?? null, url: b.url ?? null, alt: b.alt ?? null })), legalFooter: (c.legalFooter as string | undefined) ?? null };
    case 'USER_REGISTRATION':
      return {};
    case 'LEGAL_CONSENT':
      return { documents: c.documents as string[] };
    case 'CONTACT_VERIFICATION':
      return { channel: c.channel as 'SMS', requireUnique: c.requireUnique !== false };
    case 'FORM':
      return { fields: (c.fields as Record<string, Json>[]).map((f): FormField => ({
        key: f.key as string, type: f.type as FieldType, label: { es: (f.label as LocalText).es, en: (f.label as LocalText).en }, required: f.required === true,
        min: (f.min as string | undefined) ?? null, max: (f.max as string | undefined) ?? null, minLength: (f.minLength as number | undefined) ?? null,
        maxLength: (f.maxLength as number | undefined) ?? null, pattern: (f.pattern as string | undefined) ?? null, options: (f.options as string[] | undefined) ?? null,
        visibleWhen: (f.visibleWhen as FormField['visibleWhen']) ?? null,
      })) };
    case 'COMPLIANCE_CHECK':
    case 'IDENTITY_VALIDATION':
      return typeof c.scorePath === 'string' ? { flowCode: c.flowCode as string, scorePath: c.scorePath } : { flowCode: c.flowCode as string };
    case 'MANUAL_REVIEW':
      return { autoApproveMaxAmount: (c.autoApproveMaxAmount as string | undefined) ?? null, autoApproveMinScore: (c.autoApproveMinScore as number | undefined) ?? null, makerCheckerAboveAmount: (c.makerCheckerAboveAmount as string | undefined) ?? null };
    case 'DOCUMENT_SIGNATURE':
      return { title: c.title as string, template: (c.template as string | undefined) ?? DEFAULT_CONTRACT_TEMPLATE, signingOrder: (c.signingOrder as 'SEQUENTIAL' | undefined) ?? 'SEQUENTIAL' };
    case 'DISBURSEMENT':
      return { channel: c.channel as 'CASH' };
  }
}

/**
 * The normalised configuration of one step, or null after recording its problems under `base`:
 * one INVALID_STEP_CONFIG per field the type's schema refuses (step-schemas.ts, the schema the
 * console renders), in the order Ajv reports them.
 */
export function checkStepConfig(type: StepType, raw: Json, base: string, p = new Problems()): { config: StepConfigs[StepType] | null; problems: UserError[] } {
  const c = raw === null || raw === undefined ? {} : raw;
  const validate = validators.get(type)!;
  if (validate(c) && isObj(c)) return { config: normalise(type, c), problems: p.list };
  const seen = new Set<string>();
  for (const e of validate.errors ?? []) {
    const path = errorPath(e);
    if (path === null || seen.has(path)) continue;
    seen.add(path);
    p.config(`${base}${path}`);
  }
  if (!seen.size) p.config(base);
  return { config: null, problems: p.list };
}

export interface StepInput { key: string; type: string; enabled: boolean; config?: Json; runWhen?: { minAmount?: string | null; maxAmount?: string | null } | null }

/**
 * A maker's pipeline, checked: keys, types, each step's configuration, conditions, and the order
 * rules (disbursement is the last enabled step; identity validation runs only after a manual
 * review, seed 3.19: provider costs are spent only on approved applications).
 */
export function checkPipeline(steps: readonly StepInput[]): { steps: PipelineStep[] | null; userErrors: UserError[] } {
  const p = new Problems();
  if (!Array.isArray(steps) || steps.length < 1 || steps.length > MAX_STEPS) return { steps: null, userErrors: [userError('INVALID_PIPELINE', { field: 'steps', params: { max: MAX_STEPS } })] };
  const out: PipelineStep[] = [];
  const keys = new Set<string>();
  steps.forEach((s, i) => {
    const base = `steps.${i}`;
    if (typeof s.key !== 'string' || !KEY.test(s.key) || keys.has(s.key)) { p.list.push(userError('INVALID_PIPELINE', { field: `${base}.key`, params: { max: MAX_STEPS } })); return; }
    keys.add(s.key);
    if (!(STEP_TYPES as readonly string[]).includes(s.type)) { p.config(`${base}.type`); return; }
    const type = s.type as StepType;
    const { config } = checkStepConfig(type, s.config, `${base}.config`, p);
    let runWhen: StepCondition | null = null;
    if (s.runWhen) {
      const min: string | null = s.runWhen.minAmount ?? null;
      const max: string | null = s.runWhen.maxAmount ?? null;
      if (!optDecimal(min)) p.config(`${base}.runWhen.minAmount`);
      else if (!optDecimal(max) || (min !== null && max !== null && new D(min).gt(max))) p.config(`${base}.runWhen.maxAmount`);
      else if (min !== null || max !== null) runWhen = { minAmount: min, maxAmount: max };
      if (runWhen && (type === 'DISBURSEMENT' || type === 'USER_REGISTRATION')) p.config(`${base}.runWhen`);
    }
    if (config) out.push({ key: s.key, type, enabled: s.enabled !== false, config, runWhen } as PipelineStep);
  });
  if (p.list.length) return { steps: null, userErrors: p.list };
  const enabled = out.filter((s) => s.enabled);
  if (!enabled.length) return { steps: null, userErrors: [userError('INVALID_PIPELINE', { field: 'steps', params: { max: MAX_STEPS } })] };
  const order = (code: 'PIPELINE_DISBURSEMENT_LAST' | 'PIPELINE_IDENTITY_AFTER_REVIEW' | 'PIPELINE_LANDING_FIRST', key: string) =>
    userError(code, { field: `steps.${out.findIndex((s) => s.key === key)}`, params: { key } });
  const disb = enabled.filter((s) => s.type === 'DISBURSEMENT');
  if (disb.length > 1) p.list.push(order('PIPELINE_DISBURSEMENT_LAST', disb[1]!.key));
  else if (disb.length === 1 && enabled[enabled.length - 1]!.type !== 'DISBURSEMENT') p.list.push(order('PIPELINE_DISBURSEMENT_LAST', disb[0]!.key));
  const firstReview = enabled.findIndex((s) => s.type === 'MANUAL_REVIEW');
  enabled.forEach((s, i) => {
    if (s.type === 'IDENTITY_VALIDATION' && (firstReview < 0 || i < firstReview)) p.list.push(order('PIPELINE_IDENTITY_AFTER_REVIEW', s.key));
    if (s.type === 'LANDING' && i !== 0) p.list.push(order('PIPELINE_LANDING_FIRST', s.key));
  });
  return p.list.length ? { steps: null, userErrors: p.list } : { steps: out, userErrors: [] };
}

/** Whether a step runs for `amount` (its condition holds); a step without condition always runs. */
export function conditionHolds(runWhen: StepCondition | null, amount: string): boolean {
  if (!runWhen) return true;
  const a = new D(amount);
  if (runWhen.minAmount !== null && a.lt(runWhen.minAmount)) return false;
  if (runWhen.maxAmount !== null && a.gt(runWhen.maxAmount)) return false;
  return true;
}
