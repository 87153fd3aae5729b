import { checkPipeline, checkStepConfig, conditionHolds, defaultPipeline, STEP_TYPES } from './steps';
import { localizedSchema, STEP_DEFINITIONS } from './step-schemas';

describe('pipeline step configuration schemas', () => {
  test('the default pipeline passes its own checks and runs the whole journey in order', () => {
    const steps = defaultPipeline();
    expect(checkPipeline(steps).userErrors).toEqual([]);
    expect(steps.map((s) => s.type)).toEqual(['LANDING', 'USER_REGISTRATION', 'LEGAL_CONSENT', 'CONTACT_VERIFICATION', 'FORM', 'COMPLIANCE_CHECK', 'MANUAL_REVIEW', 'IDENTITY_VALIDATION', 'DOCUMENT_SIGNATURE', 'DISBURSEMENT']);
  });

  test('unknown keys, wrong types and unsafe values are refused naming the field', () => {
    const fields = (r: { problems: { field?: string | null }[] }) => r.problems.map((p) => p.field);
    expect(fields(checkStepConfig('DISBURSEMENT', { channel: 'PIGEON' }, 'c'))).toEqual(['c.channel']);
    expect(fields(checkStepConfig('CONTACT_VERIFICATION', { channel: 'SMS', extra: 1 }, 'c'))).toEqual(['c.extra']);
    expect(fields(checkStepConfig('LEGAL_CONSENT', { documents: ['TERMS', 'TERMS'] }, 'c'))).toEqual(['c.documents']);
    expect(fields(checkStepConfig('LANDING', { title: 'a\u202Eb', blocks: [{ kind: 'IMAGE', url: 'javascript:alert(1)' }] }, 'c'))).toEqual(['c.title', 'c.blocks.0.url']);
    expect(fields(checkStepConfig('DOCUMENT_SIGNATURE', { title: 'T', template: 'Hola {{password}}' }, 'c'))).toEqual(['c.template']);
    expect(fields(checkStepConfig('MANUAL_REVIEW', { autoApproveMinScore: -1 }, 'c'))).toEqual(['c.autoApproveMinScore']);
    expect(fields(checkStepConfig('COMPLIANCE_CHECK', { flowCode: 'BUREAU', scorePath: 'steps..score' }, 'c'))).toEqual(['c.scorePath']);
    expect(fields(checkStepConfig('COMPLIANCE_CHECK', { flowCode: 'BUREAU', scorePath: 7 }, 'c'))).toEqual(['c.scorePath']);
    expect(checkStepConfig('COMPLIANCE_CHECK', { flowCode: 'BUREAU', scorePath: 'steps.bureau.output.score' }, 'c')).toMatchObject({ problems: [], config: { flowCode: 'BUREAU', scorePath: 'steps.bureau.output.score' } });
    expect(fields(checkStepConfig('FORM', { fields: [
      { key: 'a', type: 'TEXT', label: { es: 'A', en: 'A' }, pattern: '(x+)+' },
      { key: 'b', type: 'SELECT', label: { es: 'B', en: 'B' } },
      { key: 'c', type: 'NUMBER', label: { es: 'C', en: 'C' }, min: '10', max: '1' },
      { key: 'd', type: 'TEXT', label: { es: 'D', en: 'D' }, visibleWhen: { field: 'zzz', equals: 1 } },
    ] }, 'c'))).toEqual(['c.fields.0.pattern', 'c.fields.1.options', 'c.fields.2.max', 'c.fields.3.visibleWhen']);
  });

  test('order rules: one disbursement, last; identity validation after a manual review; landing first', () => {
    const codes = (steps: Parameters<typeof checkPipeline>[0]) => checkPipeline(steps).userErrors.map((e) => [e.code, e.field]);
    expect(codes([{ key: 'a', type: 'DISBURSEMENT', enabled: true, config: { channel: 'CASH' } }, { key: 'b', type: 'FORM', enabled: true, config: { fields: [{ key: 'x', type: 'TEXT', label: { es: 'x', en: 'x' } }] } }])).toEqual([['PIPELINE_DISBURSEMENT_LAST', 'steps.0']]);
    expect(codes([{ key: 'a', type: 'IDENTITY_VALIDATION', enabled: true, config: { flowCode: 'KYC' } }])).toEqual([['PIPELINE_IDENTITY_AFTER_REVIEW', 'steps.0']]);
    // A disabled review does not count.
    expect(codes([{ key: 'r', type: 'MANUAL_REVIEW', enabled: false, config: {} }, { key: 'a', type: 'IDENTITY_VALIDATION', enabled: true, config: { flowCode: 'KYC' } }])).toEqual([['PIPELINE_IDENTITY_AFTER_REVIEW', 'steps.1']]);
    expect(codes([{ key: 'r', type: 'MANUAL_REVIEW', enabled: true, config: {} }, { key: 'l', type: 'LANDING', enabled: true, config: { title: 'x' } }])).toEqual([['PIPELINE_LANDING_FIRST', 'steps.1']]);
    expect(codes([])).toEqual([['INVALID_PIPELINE', 'steps']]);
    expect(codes([{ key: 'Bad Key', type: 'FORM', enabled: true }])).toEqual([['INVALID_PIPELINE', 'steps.0.key']]);
  });

  test('a condition holds within its amount bounds, inclusive', () => {
    expect(conditionHolds(null, '1')).toBe(true);
    expect(conditionHolds({ minAmount: '5000', maxAmount: null }, '4999.99')).toBe(false);
    expect(conditionHolds({ minAmount: '5000', maxAmount: '10000' }, '5000')).toBe(true);
    expect(conditionHolds({ minAmount: null, maxAmount: '10000' }, '10000.01')).toBe(false);
  });
});

/** The parts of a published step schema these tests read. */
interface SchemaNode { title?: string; description?: string; maxLength?: number; default?: unknown; properties: Record<string, SchemaNode>; [keyword: string]: unknown }

describe('the published step schemas are the validator', () => {
  const definitionOf = (type: string) => STEP_DEFINITIONS.find((d) => d.type === type)!.schema;
  const schemaOf = (type: string) => definitionOf(type) as SchemaNode;

  test('every step type has a schema with titles in both languages on every property', () => {
    expect(STEP_DEFINITIONS.map((d) => d.type)).toEqual([...STEP_TYPES]);
    for (const d of STEP_DEFINITIONS) {
      expect(d.schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
      for (const [key, prop] of Object.entries((d.schema.properties ?? {}) as Record<string, Record<string, unknown>>)) {
        expect([d.type, key, typeof prop['x-title-es'], typeof prop['x-title-en']]).toEqual([d.type, key, 'string', 'string']);
      }
    }
  });

  test('a limit changed in the published schema changes what the server accepts (same object)', () => {
    const flowCode = schemaOf('COMPLIANCE_CHECK').properties.flowCode;
    expect(flowCode.maxLength).toBe(40);
    const ok = 'A'.repeat(40);
    expect(checkStepConfig('COMPLIANCE_CHECK', { flowCode: ok }, 'c').problems).toEqual([]);
    expect(checkStepConfig('COMPLIANCE_CHECK', { flowCode: `${ok}B` }, 'c').problems.map((p) => p.field)).toEqual(['c.flowCode']);
    expect(checkStepConfig('COMPLIANCE_CHECK', {}, 'c').problems.map((p) => p.field)).toEqual(['c.flowCode']);
    expect(checkStepConfig('COMPLIANCE_CHECK', 'BUREAU', 'c').problems.map((p) => p.field)).toEqual(['c']);
  });

  test('each default in a schema passes the server, and a new step built from the defaults needs only its required texts', () => {
    expect(checkStepConfig('LEGAL_CONSENT', { documents: schemaOf('LEGAL_CONSENT').properties.documents.default }, 'c').problems).toEqual([]);
    expect(checkStepConfig('CONTACT_VERIFICATION', { channel: schemaOf('CONTACT_VERIFICATION').properties.channel.default, requireUnique: schemaOf('CONTACT_VERIFICATION').properties.requireUnique.default }, 'c').problems).toEqual([]);
    expect(checkStepConfig('DISBURSEMENT', { channel: schemaOf('DISBURSEMENT').properties.channel.default }, 'c').problems).toEqual([]);
    expect(checkStepConfig('DOCUMENT_SIGNATURE', { title: 'Contrato', signingOrder: schemaOf('DOCUMENT_SIGNATURE').properties.signingOrder.default }, 'c').problems).toEqual([]);
  });

  test('localizedSchema sets title and description in the asked language, keeps both, and leaves the original untouched', () => {
    const es = localizedSchema(definitionOf('COMPLIANCE_CHECK'), 'es') as SchemaNode;
    expect(es.properties.flowCode).toMatchObject({ title: 'Código del flujo', 'x-title-en': 'Flow code', maxLength: 40 });
    expect(es.properties.flowCode.description).toMatch(/^Código del flujo de verificación/);
    expect((localizedSchema(definitionOf('COMPLIANCE_CHECK'), 'en') as SchemaNode).title).toBe('Compliance check');
    expect(schemaOf('COMPLIANCE_CHECK').properties.flowCode.title).toBeUndefined();
  });

  test('the order rules the definitions announce hold: unique LANDING first, unique DISBURSEMENT last and unconditional', () => {
    const by = new Map(STEP_DEFINITIONS.map((d) => [d.type, d]));
    expect(by.get('LANDING')).toMatchObject({ unique: true, placement: 'FIRST' });
    expect(by.get('DISBURSEMENT')).toMatchObject({ unique: true, placement: 'LAST', conditional: false });
    expect(by.get('USER_REGISTRATION')!.conditional).toBe(false);
    const codes = (steps: Parameters<typeof checkPipeline>[0]) => checkPipeline(steps).userErrors.map((e) => [e.code, e.field]);
    expect(codes([{ key: 'a', type: 'DISBURSEMENT', enabled: true, config: { channel: 'CASH' } }, { key: 'b', type: 'DISBURSEMENT', enabled: true, config: { channel: 'CASH' } }])).toEqual([['PIPELINE_DISBURSEMENT_LAST', 'steps.1']]);
    expect(codes([{ key: 'a', type: 'DISBURSEMENT', enabled: true, config: { channel: 'CASH' }, runWhen: { minAmount: '10' } }])).toEqual([['INVALID_STEP_CONFIG', 'steps.0.runWhen']]);
  });
});
