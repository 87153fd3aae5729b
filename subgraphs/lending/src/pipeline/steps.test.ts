import { checkPipeline, checkStepConfig, conditionHolds, defaultPipeline } from './steps';

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
