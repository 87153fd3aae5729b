/**
 * The origination fixtures shared by e2e/origination.e2e.test.ts and bench/origination-bench.ts: the
 * pipeline's FORM step the flows read, the two flows staff publish in flow (automatic steps on the
 * mock providers) and the flow mutations that publish them through the gateway.
 */
export const FORM_STEP = { key: 'form', type: 'FORM', enabled: true, config: { fields: [
  { key: 'fullName', type: 'TEXT', label: { es: 'Nombre', en: 'Name' }, required: true, minLength: 3 },
  { key: 'documentNumber', type: 'TEXT', label: { es: 'Documento', en: 'Document' }, required: true, pattern: '[0-9]{8}' },
  { key: 'phone', type: 'PHONE', label: { es: 'Teléfono', en: 'Phone' }, required: true },
] } };
// The flows staff publish in flow: three automatic steps on the mock providers for compliance, two for identity.
export const BUREAU_STEPS = [
  { key: 'bureau', name: 'Buró', type: 'PROVIDER', capability: 'CREDIT_BUREAU', inputMapping: { documentNumber: 'context.form.documentNumber' } },
  { key: 'aml', name: 'PLD', type: 'PROVIDER', capability: 'AML_SCREENING', inputMapping: { name: 'context.form.fullName', documentNumber: 'context.form.documentNumber' } },
  { key: 'phone', name: 'Teléfono', type: 'PROVIDER', capability: 'PHONE_LOOKUP', inputMapping: { phone: 'context.form.phone' } },
];
export const KYC_STEPS = [
  { key: 'document', name: 'Documento', type: 'PROVIDER', capability: 'IDENTITY_DOCUMENT', inputMapping: { documentNumber: 'context.form.documentNumber' } },
  { key: 'liveness', name: 'Prueba de vida', type: 'PROVIDER', capability: 'LIVENESS', inputMapping: { documentNumber: 'context.form.documentNumber' } },
];
export const CREATE_FLOW = `mutation($input: CreateFlowInput!) { createFlow(input: $input) { flow { id draftVersion { id } } userErrors { code } } }`;
export const ADD_STEP = `mutation($input: AddFlowStepInput!) { addFlowStep(input: $input) { step { id key } userErrors { code field } } }`;
export const PUBLISH_FLOW = `mutation($input: FlowVersionRefInput!) { publishFlowVersion(input: $input) { version { status } userErrors { code } } }`;
