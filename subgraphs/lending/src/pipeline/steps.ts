/**
 * The step types of an origination pipeline and their configuration schemas (pure: no I/O).
 * `checkPipeline` validates a whole pipeline as a maker submits it; every problem is a userError
 * naming the field (`steps.3.config.fields.0.pattern`). The engine (src/applications/engine.ts) runs
 * each type; this module only says what a valid configuration is and what the default pipeline is.
 */
import { unsafeDisplayText } from '@imagy/platform/graphql';
import { unsafeMultilineText } from '../common/json';
import { D } from '../common/money';
import { userError, type UserError } from '../common/user-errors';

export const STEP_TYPES = [
  'LANDING', 'USER_REGISTRATION', 'LEGAL_CONSENT', 'CONTACT_VERIFICATION', 'FORM',
  'COMPLIANCE_CHECK', 'MANUAL_REVIEW', 'IDENTITY_VALIDATION', 'DOCUMENT_SIGNATURE', 'DISBURSEMENT',
] as const;
export type StepType = (typeof STEP_TYPES)[number];

export const FIELD_TYPES = ['TEXT', 'NUMBER', 'INTEGER', 'DATE', 'EMAIL', 'PHONE', 'SELECT', 'BOOLEAN'] as const;
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
const CODE = /^[A-Z0-9][A-Z0-9_-]{0,39}$/;
/** A dot path into flow's summary: 1-8 segments of letters, digits and underscores. */
const SCORE_PATH = /^[A-Za-z0-9_]{1,40}(?:\.[A-Za-z0-9_]{1,40}){0,7}$/;
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
const isStr = (v: Json, min: number, max: number): v is string => typeof v === 'string' && v.trim().length >= min && v.length <= max;
const isSafeStr = (v: Json, min: number, max: number, multiline = false): v is string =>
  isStr(v, min, max) && (multiline ? !unsafeMultilineText(v) : !unsafeDisplayText(v));
const optDecimal = (v: Json): boolean => v === null || v === undefined || (typeof v === 'string' && DECIMAL.test(v));
const httpsUrl = (v: Json): v is string => {
  if (typeof v !== 'string' || v.length > 2000) return false;
  try { return new URL(v).protocol === 'https:'; } catch { return false; }
};

class Problems {
  readonly list: UserError[] = [];
  config(field: string): void { this.list.push(userError('INVALID_STEP_CONFIG', { field })); }
}

function onlyKeys(p: Problems, base: string, obj: Record<string, Json>, allowed: string[]): void {
  for (const k of Object.keys(obj)) if (!allowed.includes(k)) p.config(`${base}.${k}`);
}

function checkField(p: Problems, base: string, f: Json, seen: Set<string>): FormField | null {
  if (!isObj(f)) { p.config(base); return null; }
  onlyKeys(p, base, f, ['key', 'type', 'label', 'required', 'min', 'max', 'minLength', 'maxLength', 'pattern', 'options', 'visibleWhen']);
  const before = p.list.length;
  if (typeof f.key !== 'string' || !/^[A-Za-z][A-Za-z0-9_]{0,39}$/.test(f.key) || seen.has(f.key)) p.config(`${base}.key`);
  else seen.add(f.key);
  if (typeof f.type !== 'string' || !(FIELD_TYPES as readonly string[]).includes(f.type)) p.config(`${base}.type`);
  if (!isObj(f.label) || !isSafeStr(f.label.es, 1, 200) || !isSafeStr(f.label.en, 1, 200) || Object.keys(f.label).length !== 2) p.config(`${base}.label`);
  if (f.required !== undefined && typeof f.required !== 'boolean') p.config(`${base}.required`);
  for (const k of ['min', 'max'] as const) if (!(f[k] === null || f[k] === undefined || (typeof f[k] === 'string' && /^-?\d{1,13}(\.\d{1,6})?$/.test(f[k] as string)))) p.config(`${base}.${k}`);
  if (typeof f.min === 'string' && typeof f.max === 'string' && /^-?\d/.test(f.min) && /^-?\d/.test(f.max) && new D(f.min).gt(f.max)) p.config(`${base}.max`);
  for (const k of ['minLength', 'maxLength'] as const) if (!(f[k] === null || f[k] === undefined || (Number.isInteger(f[k]) && (f[k] as number) >= 0 && (f[k] as number) <= 10000))) p.config(`${base}.${k}`);
  if (f.pattern !== null && f.pattern !== undefined) {
    let ok = typeof f.pattern === 'string' && f.pattern.length <= 200;
    // Patterns run on untrusted input: refuse nested quantifiers and back-references (catastrophic backtracking).
    if (ok && /(\([^)]*[+*][^)]*\)[+*{])|\\\d/.test(f.pattern as string)) ok = false;
    if (ok) { try { new RegExp(f.pattern as string, 'u'); } catch { ok = false; } }
    if (!ok) p.config(`${base}.pattern`);
  }
  if (f.type === 'SELECT') {
    if (!Array.isArray(f.options) || f.options.length < 1 || f.options.length > 100 || !f.options.every((o) => isSafeStr(o, 1, 100)) || new Set(f.options).size !== f.options.length) p.config(`${base}.options`);
  } else if (f.options !== null && f.options !== undefined) p.config(`${base}.options`);
  if (f.visibleWhen !== null && f.visibleWhen !== undefined) {
    const w = f.visibleWhen;
    if (!isObj(w) || typeof w.field !== 'string' || !seen.has(w.field) || w.field === f.key || !['string', 'number', 'boolean'].includes(typeof w.equals) || Object.keys(w).length !== 2) p.config(`${base}.visibleWhen`);
  }
  if (p.list.length > before) return null;
  return {
    key: f.key as string, type: f.type as FieldType, label: { es: (f.label as LocalText).es, en: (f.label as LocalText).en }, required: f.required === true,
    min: (f.min as string | undefined) ?? null, max: (f.max as string | undefined) ?? null, minLength: (f.minLength as number | undefined) ?? null,
    maxLength: (f.maxLength as number | undefined) ?? null, pattern: (f.pattern as string | undefined) ?? null, options: (f.options as string[] | undefined) ?? null,
    visibleWhen: (f.visibleWhen as FormField['visibleWhen']) ?? null,
  };
}

/** The normalised configuration of one step, or null after recording its problems under `base`. */
export function checkStepConfig(type: StepType, raw: Json, base: string, p = new Problems()): { config: StepConfigs[StepType] | null; problems: UserError[] } {
  const before = p.list.length;
  const c = raw === null || raw === undefined ? {} : raw;
  if (!isObj(c)) { p.config(base); return { config: null, problems: p.list }; }
  let config: StepConfigs[StepType] | null = null;
  switch (type) {
    case 'LANDING': {
      onlyKeys(p, base, c, ['title', 'blocks', 'legalFooter']);
      if (!isSafeStr(c.title, 1, 200)) p.config(`${base}.title`);
      const blocks = c.blocks ?? [];
      if (!Array.isArray(blocks) || blocks.length > 30) p.config(`${base}.blocks`);
      else blocks.forEach((b, i) => {
        const at = `${base}.blocks.${i}`;
        if (!isObj(b) || (b.kind !== 'TEXT' && b.kind !== 'IMAGE')) { p.config(at); return; }
        onlyKeys(p, at, b, ['kind', 'text', 'url', 'alt']);
        if (b.kind === 'TEXT' && !isSafeStr(b.text, 1, 5000, true)) p.config(`${at}.text`);
        if (b.kind === 'IMAGE' && !httpsUrl(b.url)) p.config(`${at}.url`);
        if (b.alt !== null && b.alt !== undefined && !isSafeStr(b.alt, 0, 300)) p.config(`${at}.alt`);
      });
      if (c.legalFooter !== null && c.legalFooter !== undefined && !isSafeStr(c.legalFooter, 1, 5000, true)) p.config(`${base}.legalFooter`);
      config = { title: c.title as string, blocks: ((c.blocks ?? []) as LandingBlock[]).map((b) => ({ kind: b.kind, text: b.text ?? null, url: b.url ?? null, alt: b.alt ?? null })), legalFooter: (c.legalFooter as string | undefined) ?? null };
      break;
    }
    case 'USER_REGISTRATION':
      onlyKeys(p, base, c, []);
      config = {};
      break;
    case 'LEGAL_CONSENT': {
      onlyKeys(p, base, c, ['documents']);
      const docs = c.documents;
      if (!Array.isArray(docs) || docs.length < 1 || docs.length > 10 || !docs.every((d) => typeof d === 'string' && CODE.test(d)) || new Set(docs).size !== docs.length) p.config(`${base}.documents`);
      config = { documents: docs as string[] };
      break;
    }
    case 'CONTACT_VERIFICATION':
      onlyKeys(p, base, c, ['channel', 'requireUnique']);
      if (!['SMS', 'EMAIL', 'WHATSAPP'].includes(c.channel as string)) p.config(`${base}.channel`);
      if (c.requireUnique !== undefined && typeof c.requireUnique !== 'boolean') p.config(`${base}.requireUnique`);
      config = { channel: c.channel as 'SMS', requireUnique: c.requireUnique !== false };
      break;
    case 'FORM': {
      onlyKeys(p, base, c, ['fields']);
      const seen = new Set<string>();
      const fields: FormField[] = [];
      if (!Array.isArray(c.fields) || c.fields.length < 1 || c.fields.length > 100) p.config(`${base}.fields`);
      else c.fields.forEach((f, i) => { const ok = checkField(p, `${base}.fields.${i}`, f, seen); if (ok) fields.push(ok); });
      config = { fields };
      break;
    }
    case 'COMPLIANCE_CHECK':
    case 'IDENTITY_VALIDATION':
      onlyKeys(p, base, c, ['flowCode', 'scorePath']);
      if (typeof c.flowCode !== 'string' || !CODE.test(c.flowCode)) p.config(`${base}.flowCode`);
      if (c.scorePath !== undefined && c.scorePath !== null && (typeof c.scorePath !== 'string' || !SCORE_PATH.test(c.scorePath))) p.config(`${base}.scorePath`);
      config = typeof c.scorePath === 'string' ? { flowCode: c.flowCode as string, scorePath: c.scorePath } : { flowCode: c.flowCode as string };
      break;
    case 'MANUAL_REVIEW':
      onlyKeys(p, base, c, ['autoApproveMaxAmount', 'autoApproveMinScore', 'makerCheckerAboveAmount']);
      if (!optDecimal(c.autoApproveMaxAmount)) p.config(`${base}.autoApproveMaxAmount`);
      if (!optDecimal(c.makerCheckerAboveAmount)) p.config(`${base}.makerCheckerAboveAmount`);
      if (!(c.autoApproveMinScore === null || c.autoApproveMinScore === undefined || (typeof c.autoApproveMinScore === 'number' && Number.isFinite(c.autoApproveMinScore) && c.autoApproveMinScore >= 0 && c.autoApproveMinScore <= 1000))) p.config(`${base}.autoApproveMinScore`);
      config = { autoApproveMaxAmount: (c.autoApproveMaxAmount as string | undefined) ?? null, autoApproveMinScore: (c.autoApproveMinScore as number | undefined) ?? null, makerCheckerAboveAmount: (c.makerCheckerAboveAmount as string | undefined) ?? null };
      break;
    case 'DOCUMENT_SIGNATURE':
      onlyKeys(p, base, c, ['title', 'template', 'signingOrder']);
      if (!isSafeStr(c.title, 1, 200)) p.config(`${base}.title`);
      if (c.template !== undefined && !isSafeStr(c.template, 1, 50000, true)) p.config(`${base}.template`);
      else if (typeof c.template === 'string') {
        for (const m of c.template.matchAll(/\{\{\s*([^}]*)\s*\}\}/g)) if (!(CONTRACT_PLACEHOLDERS as readonly string[]).includes(m[1]!.trim())) { p.config(`${base}.template`); break; }
      }
      if (c.signingOrder !== undefined && c.signingOrder !== 'SEQUENTIAL' && c.signingOrder !== 'PARALLEL') p.config(`${base}.signingOrder`);
      config = { title: c.title as string, template: (c.template as string | undefined) ?? DEFAULT_CONTRACT_TEMPLATE, signingOrder: (c.signingOrder as 'SEQUENTIAL' | undefined) ?? 'SEQUENTIAL' };
      break;
    case 'DISBURSEMENT':
      onlyKeys(p, base, c, ['channel']);
      if (!['BANK_TRANSFER', 'WALLET', 'CASH'].includes(c.channel as string)) p.config(`${base}.channel`);
      config = { channel: c.channel as 'CASH' };
      break;
  }
  return { config: p.list.length > before ? null : config, problems: p.list };
}

/** Placeholders a contract template may use (src/applications/contract.ts fills them). */
export const CONTRACT_PLACEHOLDERS = [
  'productName', 'productCode', 'borrowerName', 'amount', 'currency', 'term', 'frequency', 'installment', 'annualNominalRate',
  'cat', 'fees', 'netDisbursed', 'totalPayable', 'schedule', 'applicationId', 'date',
] as const;

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
