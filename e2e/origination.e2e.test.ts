/**
 * Origination through the gateway (seed 3.34): the public landing of a product, a borrower who
 * registers (identity creates the account over lending's internal call), signs in, applies, consents, verifies an OTP delivered by notifications' local provider, fills the form;
 * compliance answered by a flow.execution.completed event on the bus (until flow consumes
 * lending.verification.requested), staff approve from the review queue, identity validation after
 * approval, the contract to sign (sign.signature.completed on the bus), disbursement: the credit
 * and its schedule exist and `me { applications }` shows it. A subscriber through the gateway sees
 * every step as it happens; another tenant's staff get NOT_FOUND.
 */
import WebSocket from 'ws';
import { createClient, type Client } from 'graphql-ws';
import { publishEvent, waitFor } from '@imagy/platform/testing';
import { CREATE_TENANT, CREATE_USER, DEV_PASSWORD, startPlatform, type Platform } from './harness';

const TERMS = { minAmount: '1000', maxAmount: '50000', minTerm: 3, maxTerm: 24, frequency: 'MONTHLY', interestMethod: 'DECLINING_EQUAL_INSTALLMENTS', annualNominalRate: '24' };
const PIPELINE = [
  { key: 'landing', type: 'LANDING', enabled: true, config: { title: 'Crédito Presto', blocks: [{ kind: 'TEXT', text: 'Hasta 50,000 MXN' }], legalFooter: 'Presto S.A.' } },
  { key: 'registration', type: 'USER_REGISTRATION', enabled: true, config: {} },
  { key: 'consent', type: 'LEGAL_CONSENT', enabled: true, config: { documents: ['TERMS'] } },
  { key: 'contact', type: 'CONTACT_VERIFICATION', enabled: true, config: { channel: 'EMAIL', requireUnique: true } },
  { key: 'form', type: 'FORM', enabled: true, config: { fields: [{ key: 'fullName', type: 'TEXT', label: { es: 'Nombre', en: 'Name' }, required: true, minLength: 3 }] } },
  { key: 'compliance', type: 'COMPLIANCE_CHECK', enabled: true, config: { flowCode: 'BUREAU' } },
  { key: 'review', type: 'MANUAL_REVIEW', enabled: true, config: {} },
  { key: 'identity', type: 'IDENTITY_VALIDATION', enabled: true, config: { flowCode: 'KYC' } },
  { key: 'signature', type: 'DOCUMENT_SIGNATURE', enabled: true, config: { title: 'Contrato Presto' } },
  { key: 'disbursement', type: 'DISBURSEMENT', enabled: true, config: { channel: 'BANK_TRANSFER' } },
];
const PROGRESS = `subscription($id: ID!) { applicationProgress(applicationId: $id) { stepKey stepState application { id status currentStep } } }`;
const SUBMIT = `mutation($input: SubmitApplicationStepInput!) { submitApplicationStep(input: $input) { application { id status currentStep } userErrors { code message field } } }`;

describe('origination, end to end through the gateway', () => {
  let p: Platform;
  const clients: Client[] = [];
  beforeAll(async () => { p = await startPlatform({ label: 'e2eorig' }); });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.dispose()));
    await p?.stop();
  });

  const watch = (token: string, id: string) => {
    const client = createClient({ url: p.gatewayWsUrl, webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${token}` }, retryAttempts: 0, lazy: false, onNonLazyError: () => undefined });
    clients.push(client);
    const w = { received: [] as any[], errors: [] as any[] };
    client.subscribe({ query: PROGRESS, variables: { id } }, { next: (v) => { if (v.errors) w.errors.push(...v.errors); else w.received.push(v.data); }, error: (e) => w.errors.push(e), complete: () => undefined });
    return w;
  };

  test('landing to disbursement with a live subscriber', async () => {
    const admin = await p.login('platform', 'admin@platform.localhost', DEV_PASSWORD);
    const t = await p.call(CREATE_TENANT, { input: { slug: 'presto', name: 'Presto', hostnames: ['presto.example.test'], currency: 'MXN' } }, admin.accessToken);
    const tenantId = t.data.createTenant.tenant.id;
    await p.call(CREATE_USER, { input: { tenantId, email: 'maker@presto.test', displayName: 'Maker', roles: ['tenant_admin'], password: 'maker-password-1' } }, admin.accessToken);
    const maker = (await p.login('presto', 'maker@presto.test', 'maker-password-1')).accessToken;
    for (const [email, roles] of [['checker@presto.test', ['tenant_admin']], ['staff@presto.test', ['staff']]] as const) {
      const r = await p.call(CREATE_USER, { input: { email, displayName: email.split('@')[0], roles, password: 'user-password-1' } }, maker);
      expect(r.data.createUser.userErrors).toEqual([]);
    }
    const checker = (await p.login('presto', 'checker@presto.test', 'user-password-1')).accessToken;
    const staff = (await p.login('presto', 'staff@presto.test', 'user-password-1')).accessToken;

    // The product, its pipeline and its legal document; maker-checker publication.
    const created = await p.call(`mutation($input: CreateCreditProductInput!) { createCreditProduct(input: $input) { product { id } version { id } userErrors { code } } }`, { input: { code: 'PRESTO', name: 'Presto', currency: 'MXN', terms: TERMS } }, maker);
    const { product, version } = created.data.createCreditProduct;
    const piped = await p.call(`mutation($input: UpdateDraftPipelineInput!) { updateDraftPipeline(input: $input) { userErrors { code field } } }`, { input: { versionId: version.id, steps: PIPELINE } }, maker);
    expect(piped.data.updateDraftPipeline.userErrors).toEqual([]);
    const doc = await p.call(`mutation($input: PublishLegalDocumentInput!) { publishLegalDocument(input: $input) { document { version } userErrors { code } } }`, { input: { code: 'TERMS', locale: 'es', title: 'Términos', body: 'Términos y condiciones.' } }, maker);
    expect(doc.data.publishLegalDocument.document.version).toBe(1);
    const cr = await p.call(`mutation($input: RequestPublicationInput!) { requestPublication(input: $input) { changeRequest { id } } }`, { input: { versionId: version.id } }, maker);
    await p.call(`mutation($input: ApproveChangeRequestInput!) { approveChangeRequest(input: $input) { userErrors { code } } }`, { input: { id: cr.data.requestPublication.changeRequest.id } }, checker);

    // Anonymous landing.
    const landing = await waitFor(async () => (await p.call(`{ originationLanding(productCode: "PRESTO", host: "presto.example.test") { title legalFooter legalDocuments { code version } } }`)).data?.originationLanding, 20_000, 200);
    expect(landing).toEqual({ title: 'Crédito Presto', legalFooter: 'Presto S.A.', legalDocuments: [{ code: 'TERMS', version: 1 }] });

    // The applicant registers from the portal (anonymous; identity creates the account over lending's
    // internal call) and signs in with the credentials they chose.
    const REGISTER = `mutation($input: RegisterApplicantInput!) { registerApplicant(input: $input) { userId email userErrors { code field } } }`;
    const registered = await p.call(REGISTER, { input: { host: 'presto.example.test', email: 'Ana@Presto.test', displayName: 'Ana Pérez', password: 'ana-password-1', phone: '+525598765432' } });
    expect(registered.errors).toBeUndefined();
    expect(registered.data.registerApplicant).toMatchObject({ email: 'ana@presto.test', userErrors: [] });
    const again = await p.call(REGISTER, { input: { host: 'presto.example.test', email: 'ana@presto.test', displayName: 'Ana', password: 'ana-password-2' } });
    expect(again.data.registerApplicant.userErrors).toEqual([{ code: 'APPLICANT_EMAIL_TAKEN', field: 'email' }]);
    const ana = await p.login('presto', 'ana@presto.test', 'ana-password-1');
    expect(ana.user.id).toBe(registered.data.registerApplicant.userId);

    // Apply (lending learns the borrower from identity's event: retry with the same key until it has).
    const started = await waitFor(async () => {
      const r = await p.call(`mutation($input: StartApplicationInput!) { startApplication(input: $input) { application { id status currentStep } userErrors { code } } }`, { input: { productId: product.id, amount: '12000', term: 12, idempotencyKey: 'e2e-apply-1' } }, ana.accessToken);
      return r.data?.startApplication.userErrors[0]?.code === 'BORROWER_NOT_FOUND' ? null : r.data.startApplication;
    }, 20_000, 200);
    expect(started).toMatchObject({ userErrors: [], application: { status: 'IN_PROGRESS', currentStep: 'consent' } });
    const id = started.application.id;

    // Subscribers through the gateway: the borrower sees every step; a foreign tenant's admin gets NOT_FOUND.
    const before = p.lending.hub!.subscriberCount('lending.application.progressed');
    const live = watch(ana.accessToken, id);
    await waitFor(async () => p.lending.hub!.subscriberCount('lending.application.progressed') > before, 20_000);
    const foreign = watch(admin.accessToken, id);
    await waitFor(async () => foreign.errors.length > 0, 20_000);
    expect(foreign.errors.map((e: any) => e.extensions?.code)).toEqual(['NOT_FOUND']);

    const submit = async (stepKey: string, data: unknown) => {
      const r = await p.call(SUBMIT, { input: { applicationId: id, stepKey, data, idempotencyKey: `${stepKey}-${JSON.stringify(data)}` } }, ana.accessToken);
      expect(r.errors).toBeUndefined();
      expect(r.data.submitApplicationStep.userErrors).toEqual([]);
      return r.data.submitApplicationStep.application;
    };
    await submit('consent', { accepted: [{ code: 'TERMS', version: 1 }] });
    await submit('contact', { destination: 'ana.perez@presto.test' });
    const mail = await waitFor(async () => (await p.call(`{ localMailbox(first: 1, recipient: "ana.perez@presto.test") { edges { node { body } } } }`, {}, staff)).data?.localMailbox.edges[0]?.node.body as string | undefined, 20_000);
    await submit('contact', { code: /(\d{6})/.exec(mail)![1] });
    expect(await submit('form', { values: { fullName: 'Ana Pérez' } })).toMatchObject({ currentStep: 'compliance' });

    // Flow's answer to lending.verification.requested (published by the test until flow's consumer is merged).
    const answer = (stepKey: string, flowCode: string) => publishEvent(p.bus, 'flow.execution.completed', { requestId: `req-${stepKey}`, flowId: id, flowCode, versionId: id, subjectRef: `user:${ana.user.id}`, outcome: 'APPROVED', summary: { score: 710 }, externalRef: `application:${id}:${stepKey}` }, { tenantId });
    await answer('compliance', 'BUREAU');
    const queue = await waitFor(async () => {
      const r = await p.call(`{ creditApplications(filter: { currentStepState: WAITING_REVIEW }) { edges { node { id currentStep borrower { id displayName } } } } }`, {}, staff);
      return r.data?.creditApplications.edges.find((e: any) => e.node.id === id)?.node;
    }, 20_000);
    expect(queue).toEqual({ id, currentStep: 'review', borrower: { id: ana.user.id, displayName: 'Ana Pérez' } });
    const approved = await p.call(`mutation($input: ReviewApplicationInput!) { reviewApplication(input: $input) { application { status currentStep } userErrors { code } } }`, { input: { applicationId: id, decision: 'APPROVE', reason: 'Perfil adecuado' } }, staff);
    expect(approved.data.reviewApplication).toEqual({ application: { status: 'APPROVED', currentStep: 'identity' }, userErrors: [] });
    await answer('identity', 'KYC');
    const contract = await waitFor(async () => (await p.sql(`select envelope->'data' as data from lending.outbox where subject = 'lending.contract.issued' and envelope->'data'->>'applicationId' = $1`, [id]))[0]?.data, 20_000);
    expect(contract.body).toContain('12000.00 MXN');
    await publishEvent(p.bus, 'sign.signature.completed', { signatureRequestId: id, externalRef: contract.externalRef, documentSha256: 'b'.repeat(64), completedAt: new Date().toISOString() }, { tenantId });

    // The credit exists; the portal reads it all with one `me` query.
    const me = await waitFor(async () => {
      const r = await p.call(`{ me { applications { id status currentStep steps { key state } credit { id status principal schedule { number } } } credits { id } } }`, {}, ana.accessToken);
      return r.data?.me.applications[0]?.status === 'DISBURSED' ? r.data.me : null;
    }, 20_000);
    expect(me.applications[0].credit).toMatchObject({ status: 'ACTIVE', principal: '12000.00' });
    expect(me.applications[0].credit.schedule).toHaveLength(12);
    expect(me.credits.map((c: any) => c.id)).toEqual([me.applications[0].credit.id]);

    // The subscriber saw every step change, ending with the disbursement.
    await waitFor(async () => live.received.some((d) => d.applicationProgress.application.status === 'DISBURSED'), 20_000);
    expect(live.errors).toEqual([]);
    const seen = live.received.map((d) => `${d.applicationProgress.stepKey}:${d.applicationProgress.stepState}`);
    expect(seen).toEqual([
      'consent:COMPLETED', 'contact:WAITING_INPUT', 'contact:WAITING_INPUT', 'contact:COMPLETED', 'form:WAITING_INPUT', 'form:COMPLETED', 'compliance:WAITING_EVENT',
      'compliance:COMPLETED', 'review:WAITING_REVIEW', 'review:COMPLETED', 'null:null', 'identity:WAITING_EVENT', 'identity:COMPLETED', 'signature:WAITING_EVENT',
      'signature:COMPLETED', 'disbursement:COMPLETED', 'null:null',
    ]);
    // Another tenant's id: NOT_FOUND / null everywhere.
    expect((await p.call(`query($id: ID!) { creditApplication(id: $id) { id } }`, { id }, admin.accessToken)).data?.creditApplication ?? null).toBeNull();
  });
});
