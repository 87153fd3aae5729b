import { gql } from '@imagy/platform/testing';
import { CREATE_PRODUCT, startHarness, TERMS, type Harness } from './harness';

const TYPES = `query($locale: String) { pipelineStepTypes(locale: $locale) { type label description configSchema unique placement conditional } }`;
const SAVE = `mutation($input: UpdateDraftPipelineInput!) { updateDraftPipeline(input: $input) { version { id } userErrors { code field message } } }`;

describe('lending: pipelineStepTypes publishes the schemas updateDraftPipeline validates with', () => {
  let h: Harness;
  let tenant: string;
  let maker: string;
  let versionId: string;

  beforeAll(async () => {
    h = await startHarness('lendsteps');
    tenant = await h.tenant('steps-a');
    maker = await h.token(tenant, ['product_manager']);
    const created = await h.call(CREATE_PRODUCT, { input: { code: 'STEPS', name: 'Steps', currency: 'MXN', terms: TERMS } }, maker);
    versionId = created.data.createCreditProduct.version.id;
  });
  afterAll(async () => { await h?.close(); });

  test('staff read every step type with its schema, in the asked language or the request\'s', async () => {
    const en = (await h.call(TYPES, {}, maker)).data.pipelineStepTypes;
    expect(en.map((d: { type: string }) => d.type)).toEqual(['LANDING', 'USER_REGISTRATION', 'LEGAL_CONSENT', 'CONTACT_VERIFICATION', 'FORM', 'COMPLIANCE_CHECK', 'MANUAL_REVIEW', 'IDENTITY_VALIDATION', 'DOCUMENT_SIGNATURE', 'DISBURSEMENT']);
    const review = en.find((d: { type: string }) => d.type === 'MANUAL_REVIEW');
    expect(review).toMatchObject({ label: 'Manual review', unique: false, placement: null, conditional: true });
    expect(review.configSchema.properties.makerCheckerAboveAmount).toMatchObject({ title: 'Second reviewer above amount', 'x-title-es': 'Segundo revisor por encima del monto', type: ['string', 'null'] });
    expect(en.find((d: { type: string }) => d.type === 'DISBURSEMENT')).toMatchObject({ unique: true, placement: 'LAST', conditional: false });
    const es = (await h.call(TYPES, { locale: 'es' }, maker)).data.pipelineStepTypes;
    expect(es.find((d: { type: string }) => d.type === 'MANUAL_REVIEW')).toMatchObject({ label: 'Revisión manual', configSchema: { properties: { makerCheckerAboveAmount: { title: 'Segundo revisor por encima del monto' } } } });
    const byHeader = await gql(h.url, TYPES, {}, { token: maker, headers: { 'accept-language': 'es-MX,es;q=0.9' } });
    expect(byHeader.data.pipelineStepTypes[0].label).toBe('Landing');
    expect(byHeader.data.pipelineStepTypes[1].label).toBe('Registro');
  });

  test('a borrower is refused, an unknown locale is a bad input naming it', async () => {
    const borrower = await h.call(TYPES, {}, await h.token(tenant, ['borrower']));
    expect(borrower.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const fr = await h.call(TYPES, { locale: 'fr' }, maker);
    expect(fr.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'locale' });
  });

  test('a config breaking a published limit is refused naming the field, in the caller\'s language, and nothing is saved', async () => {
    const schema = (await h.call(TYPES, {}, maker)).data.pipelineStepTypes.find((d: { type: string }) => d.type === 'COMPLIANCE_CHECK').configSchema;
    const tooLong = 'A'.repeat(schema.properties.flowCode.maxLength + 1);
    const steps: { key: string; type: string; enabled: boolean; config: Record<string, unknown> }[] = [
      { key: 'check', type: 'COMPLIANCE_CHECK', enabled: true, config: { flowCode: tooLong, extra: true } },
      { key: 'pay', type: 'DISBURSEMENT', enabled: true, config: { channel: 'CASH' } },
    ];
    const r = await gql(h.url, SAVE, { input: { versionId, steps } }, { token: maker, headers: { 'accept-language': 'es' } });
    expect(r.data.updateDraftPipeline.userErrors.map((e: { code: string; field: string }) => `${e.code}:${e.field}`)).toEqual(['INVALID_STEP_CONFIG:steps.0.config.extra', 'INVALID_STEP_CONFIG:steps.0.config.flowCode']);
    expect(r.data.updateDraftPipeline.userErrors[0].message).toMatch(/^La configuración del paso no es válida/);
    expect(await h.adminSql('select count(*)::int as n from lending.pipeline_configs')).toEqual([{ n: 0 }]);
    steps[0]!.config = { flowCode: 'A'.repeat(schema.properties.flowCode.maxLength) };
    expect((await h.call(SAVE, { input: { versionId, steps } }, maker)).data.updateDraftPipeline.userErrors).toEqual([]);
  });
});
