/**
 * Demo data for the borrower portal, written by `npm start` once the gateway answers: for each of
 * identity's seeded lending tenants (`demo` on demo.localhost, `andes` on andes.localhost) a
 * published credit product whose origination pipeline runs end to end on the built-in providers:
 * landing, registration, legal consent, contact verification (OTP through notifications' local
 * mailbox), a form, compliance and identity flows on flow's `mock` provider (no account needed;
 * document numbers ending in 9001/9002/9003 play the thin-file, sanctioned and fraud personas),
 * review (auto-approved for a clean applicant), contract signing in sign, and disbursement.
 *
 * Everything goes through the public GraphQL API at the gateway, signed in as the tenant's seeded
 * admin, so the data obeys every rule a person at the console would meet (maker-checker included:
 * a second seeded user, `checker@<slug>.localhost` with role product_checker, approves). It is
 * idempotent: what exists already (user, flow, legal document, product, its publication) is left
 * as it is, so a second `npm start` changes nothing.
 */

export interface DemoProductSpec {
  tenantSlug: string;
  code: string;
  name: string;
  currency: string;
  terms: Record<string, unknown>;
  landing: { title: string; blocks: { kind: 'TEXT'; text: string }[]; legalFooter: string };
  contractTitle: string;
}

export const DEMO_PRODUCTS: DemoProductSpec[] = [
  {
    tenantSlug: 'demo', code: 'PERSONAL', name: 'Crédito Personal', currency: 'MXN',
    terms: { minAmount: '1000', maxAmount: '50000', minTerm: 3, maxTerm: 24, frequency: 'MONTHLY', interestMethod: 'DECLINING_EQUAL_INSTALLMENTS', annualNominalRate: '36' },
    landing: {
      title: 'Crédito Personal Demo',
      blocks: [{ kind: 'TEXT', text: 'De 1,000 a 50,000 MXN, a pagar en 3 a 24 meses. Solicítelo en línea en minutos.' }],
      legalFooter: 'Demo Financiera, S.A. de C.V., SOFOM, E.N.R. Producto de demostración.',
    },
    contractTitle: 'Contrato de Crédito Personal',
  },
  {
    tenantSlug: 'andes', code: 'PYME', name: 'Crédito Pyme', currency: 'PEN',
    terms: { minAmount: '5000', maxAmount: '100000', minTerm: 6, maxTerm: 36, frequency: 'MONTHLY', interestMethod: 'DECLINING_EQUAL_INSTALLMENTS', annualNominalRate: '28' },
    landing: {
      title: 'Crédito Pyme Andes',
      blocks: [{ kind: 'TEXT', text: 'Capital de trabajo de 5,000 a 100,000 PEN para su negocio, de 6 a 36 meses.' }],
      legalFooter: 'Andes Crédito S.A.C. Producto de demostración.',
    },
    contractTitle: 'Contrato de Crédito Pyme',
  },
];

/** The applicant's form (the flows read fullName, documentNumber and phone from it). */
const FORM_STEP = { key: 'form', type: 'FORM', enabled: true, config: { fields: [
  { key: 'fullName', type: 'TEXT', label: { es: 'Nombre completo', en: 'Full name' }, required: true, minLength: 3, maxLength: 200 },
  { key: 'documentNumber', type: 'TEXT', label: { es: 'Número de documento (8 dígitos)', en: 'Document number (8 digits)' }, required: true, pattern: '[0-9]{8}' },
  { key: 'phone', type: 'PHONE', label: { es: 'Teléfono', en: 'Phone' }, required: true },
  { key: 'monthlyIncome', type: 'NUMBER', label: { es: 'Ingreso mensual', en: 'Monthly income' }, required: true, min: '0', max: '100000000' },
] } };

/** The flows the pipeline names: automatic steps on flow's built-in `mock` provider. */
const FLOWS: { code: string; name: string; steps: Record<string, unknown>[] }[] = [
  { code: 'DEMO_COMPLIANCE', name: 'Buró, PLD y teléfono', steps: [
    { key: 'bureau', name: 'Buró', type: 'PROVIDER', capability: 'CREDIT_BUREAU', inputMapping: { documentNumber: 'context.form.documentNumber' } },
    { key: 'aml', name: 'PLD', type: 'PROVIDER', capability: 'AML_SCREENING', inputMapping: { name: 'context.form.fullName', documentNumber: 'context.form.documentNumber' } },
    { key: 'phone', name: 'Teléfono', type: 'PROVIDER', capability: 'PHONE_LOOKUP', inputMapping: { phone: 'context.form.phone' } },
  ] },
  { code: 'DEMO_KYC', name: 'Documento y prueba de vida', steps: [
    { key: 'document', name: 'Documento', type: 'PROVIDER', capability: 'IDENTITY_DOCUMENT', inputMapping: { documentNumber: 'context.form.documentNumber' } },
    { key: 'liveness', name: 'Prueba de vida', type: 'PROVIDER', capability: 'LIVENESS', inputMapping: { documentNumber: 'context.form.documentNumber' } },
  ] },
];

const LEGAL_DOCUMENTS = [
  { code: 'TERMS', title: 'Términos y condiciones', body: 'Términos y condiciones del crédito (documento de demostración).\nCláusula 1. El solicitante declara que la información proporcionada es verídica.' },
  { code: 'PRIVACY', title: 'Aviso de privacidad', body: 'Aviso de privacidad (documento de demostración).\nSus datos se usan solo para evaluar y administrar su crédito.' },
];

function pipelineOf(spec: DemoProductSpec) {
  return [
    { key: 'landing', type: 'LANDING', enabled: true, config: spec.landing },
    { key: 'registration', type: 'USER_REGISTRATION', enabled: true, config: {} },
    { key: 'consent', type: 'LEGAL_CONSENT', enabled: true, config: { documents: LEGAL_DOCUMENTS.map((d) => d.code) } },
    { key: 'contact', type: 'CONTACT_VERIFICATION', enabled: true, config: { channel: 'EMAIL', requireUnique: true } },
    FORM_STEP,
    { key: 'compliance', type: 'COMPLIANCE_CHECK', enabled: true, config: { flowCode: 'DEMO_COMPLIANCE', scorePath: 'steps.bureau.output.score' } },
    // A clean applicant (mock score 720) is approved without staff; others wait in the review queue.
    { key: 'review', type: 'MANUAL_REVIEW', enabled: true, config: { autoApproveMinScore: 700 } },
    { key: 'identity', type: 'IDENTITY_VALIDATION', enabled: true, config: { flowCode: 'DEMO_KYC' } },
    { key: 'signature', type: 'DOCUMENT_SIGNATURE', enabled: true, config: { title: spec.contractTitle } },
    { key: 'disbursement', type: 'DISBURSEMENT', enabled: true, config: { channel: 'BANK_TRANSFER' } },
  ];
}

const LOGIN = `mutation($input: LoginInput!) { login(input: $input) { accessToken userErrors { code } } }`;
const CREATE_USER = `mutation($input: CreateUserInput!) { createUser(input: $input) { user { id } userErrors { code field } } }`;
const FLOW_BY_CODE = `query($code: String!) { flowByCode(code: $code) { id publishedVersion { id } draftVersion { id steps { key } } } }`;
const CREATE_FLOW = `mutation($input: CreateFlowInput!) { createFlow(input: $input) { flow { id draftVersion { id } } userErrors { code field } } }`;
const ADD_STEP = `mutation($input: AddFlowStepInput!) { addFlowStep(input: $input) { step { id } userErrors { code field } } }`;
const PUBLISH_FLOW = `mutation($input: FlowVersionRefInput!) { publishFlowVersion(input: $input) { version { status } userErrors { code field } } }`;
const LEGAL_DOCS = `query($code: String) { legalDocuments(code: $code) { code version } }`;
const PUBLISH_DOC = `mutation($input: PublishLegalDocumentInput!) { publishLegalDocument(input: $input) { document { version } userErrors { code field } } }`;
const PRODUCTS = `query($after: String) { creditProducts(first: 50, after: $after) { edges { node { id code publishedVersion { id } versions { id status } pendingChangeRequests { id } } } pageInfo { hasNextPage endCursor } } }`;
const CREATE_PRODUCT = `mutation($input: CreateCreditProductInput!) { createCreditProduct(input: $input) { product { id } version { id } userErrors { code field } } }`;
const UPDATE_PIPELINE = `mutation($input: UpdateDraftPipelineInput!) { updateDraftPipeline(input: $input) { userErrors { code field } } }`;
const REQUEST_PUBLICATION = `mutation($input: RequestPublicationInput!) { requestPublication(input: $input) { changeRequest { id } userErrors { code field } } }`;
const APPROVE = `mutation($input: ApproveChangeRequestInput!) { approveChangeRequest(input: $input) { changeRequest { status } userErrors { code field } } }`;

type Call = (query: string, variables: Record<string, unknown>, token?: string) => Promise<any>;

/** A GraphQL call at `gatewayUrl` that throws on errors (the seed must not half-succeed silently). */
function caller(gatewayUrl: string): Call {
  return async (query, variables, token) => {
    const res = await fetch(gatewayUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'apollo-require-preflight': 'true', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await res.json()) as { data?: any; errors?: { message: string; extensions?: { code?: string } }[] };
    if (body.errors?.length) throw new Error(`${query.slice(0, 60)}...: ${body.errors.map((e) => e.extensions?.code ?? e.message).join(', ')}`);
    return body.data;
  };
}

/** Throws unless a mutation's userErrors are empty or hold only the `allowed` codes. */
function expectOk(what: string, payload: { userErrors: { code: string; field?: string | null }[] }, allowed: string[] = []) {
  const bad = payload.userErrors.filter((e) => !allowed.includes(e.code));
  if (bad.length) throw new Error(`${what}: ${bad.map((e) => `${e.code}${e.field ? ` (${e.field})` : ''}`).join(', ')}`);
}

export interface DemoPortalOptions {
  gatewayUrl: string;
  /** Password of the seeded tenant admins (DEMO_ADMIN_PASSWORD, else the development default); also the checkers'. */
  password: string;
  log?: (line: string) => void;
  products?: DemoProductSpec[];
}

/** Writes what is missing of the portal demo; returns what it created (empty on a second run). */
export async function seedPortalDemo(options: DemoPortalOptions): Promise<string[]> {
  const call = caller(options.gatewayUrl);
  const created: string[] = [];
  for (const spec of options.products ?? DEMO_PRODUCTS) {
    const login = async (email: string) => {
      const r = (await call(LOGIN, { input: { tenantSlug: spec.tenantSlug, email, password: options.password } })).login;
      expectOk(`sign-in of ${email}`, r);
      return r.accessToken as string;
    };
    const admin = await login(`admin@${spec.tenantSlug}.localhost`);
    const checkerEmail = `checker@${spec.tenantSlug}.localhost`;
    const user = (await call(CREATE_USER, { input: { email: checkerEmail, displayName: 'Product Checker', roles: ['product_checker'], password: options.password } }, admin)).createUser;
    expectOk(`user ${checkerEmail}`, user, ['EMAIL_TAKEN']);
    if (user.user) created.push(`${spec.tenantSlug}: user ${checkerEmail}`);

    for (const flow of FLOWS) {
      const existing = (await call(FLOW_BY_CODE, { code: flow.code }, admin)).flowByCode;
      if (existing?.publishedVersion) continue;
      let versionId: string;
      let present = new Set<string>();
      if (existing?.draftVersion) {
        versionId = existing.draftVersion.id;
        present = new Set(existing.draftVersion.steps.map((s: { key: string }) => s.key));
      } else {
        const r = (await call(CREATE_FLOW, { input: { code: flow.code, name: flow.name } }, admin)).createFlow;
        expectOk(`flow ${flow.code}`, r);
        versionId = r.flow.draftVersion.id;
      }
      for (const step of flow.steps.filter((s) => !present.has(String(s.key)))) expectOk(`flow ${flow.code} step ${step.key}`, (await call(ADD_STEP, { input: { versionId, ...step } }, admin)).addFlowStep);
      expectOk(`flow ${flow.code} publication`, (await call(PUBLISH_FLOW, { input: { versionId } }, admin)).publishFlowVersion);
      created.push(`${spec.tenantSlug}: flow ${flow.code}`);
    }

    for (const doc of LEGAL_DOCUMENTS) {
      if ((await call(LEGAL_DOCS, { code: doc.code }, admin)).legalDocuments.length) continue;
      expectOk(`legal document ${doc.code}`, (await call(PUBLISH_DOC, { input: { ...doc, locale: 'es' } }, admin)).publishLegalDocument);
      created.push(`${spec.tenantSlug}: legal document ${doc.code}`);
    }

    let product = await findProduct(call, admin, spec.code);
    if (!product) {
      const r = (await call(CREATE_PRODUCT, { input: { code: spec.code, name: spec.name, currency: spec.currency, terms: spec.terms } }, admin)).createCreditProduct;
      expectOk(`product ${spec.code}`, r);
      expectOk(`pipeline of ${spec.code}`, (await call(UPDATE_PIPELINE, { input: { versionId: r.version.id, steps: pipelineOf(spec) } }, admin)).updateDraftPipeline);
      created.push(`${spec.tenantSlug}: product ${spec.code}`);
      product = await findProduct(call, admin, spec.code);
    }
    if (product && !product.publishedVersion) {
      let requestId: string | undefined = product.pendingChangeRequests[0]?.id;
      if (!requestId) {
        const draft = product.versions.find((v: { status: string }) => v.status === 'DRAFT');
        if (!draft) throw new Error(`product ${spec.code} has neither a published nor a draft version`);
        const r = (await call(REQUEST_PUBLICATION, { input: { versionId: draft.id } }, admin)).requestPublication;
        expectOk(`publication of ${spec.code}`, r);
        requestId = r.changeRequest.id as string;
      }
      const checker = await login(checkerEmail);
      expectOk(`approval of ${spec.code}`, (await call(APPROVE, { input: { id: requestId } }, checker)).approveChangeRequest);
      created.push(`${spec.tenantSlug}: ${spec.code} published`);
    }
  }
  for (const line of created) options.log?.(`portal demo: ${line}`);
  return created;
}

async function findProduct(call: Call, token: string, code: string): Promise<any | null> {
  let after: string | null = null;
  for (;;) {
    const page: any = (await call(PRODUCTS, { after }, token)).creditProducts;
    const hit = page.edges.find((e: { node: { code: string } }) => e.node.code === code);
    if (hit) return hit.node;
    if (!page.pageInfo.hasNextPage) return null;
    after = page.pageInfo.endCursor;
  }
}
