/**
 * Origination through the gateway (seed 3.34), nothing played by the test: staff publish two flows
 * in flow (automatic steps on the mock providers) through the gateway and name them in the product's
 * pipeline; a borrower opens the public landing, registers (identity creates the account over
 * lending's internal call), signs in, applies, consents, verifies an OTP delivered by notifications'
 * local provider, fills the form; flow really runs the compliance flow on lending.verification.requested
 * and answers with its externalRef; staff approve from the review queue; identity validation runs
 * after approval (flow again); lending issues the contract, sign creates the request and invites the
 * borrower (the link read from notifications' local mailbox), the borrower signs with an OTP from
 * the mailbox through sign's public API; sign.signature.completed advances lending, disbursement
 * creates the credit and its schedule, and the tenant's notifications rule on lending.credit.disbursed
 * writes to the borrower's verified e-mail. A subscriber through the gateway sees every step as it
 * happens; another tenant's staff get NOT_FOUND. A second test: a verification for a flow code flow
 * does not know is refused by flow (flow.execution.refused) and lending puts the step in the review
 * queue at once with flow's code.
 */
import crypto from 'node:crypto';
import WebSocket from 'ws';
import { createClient, type Client } from 'graphql-ws';
import { waitFor } from '@imagy/platform/testing';
import { CREATE_TENANT, CREATE_USER, DEV_PASSWORD, startPlatform, type Platform } from './harness';
import { ADD_STEP, BUREAU_STEPS, CREATE_FLOW, FORM_STEP, KYC_STEPS, PUBLISH_FLOW } from './origination-fixtures';

const TERMS = { minAmount: '1000', maxAmount: '50000', minTerm: 3, maxTerm: 24, frequency: 'MONTHLY', interestMethod: 'DECLINING_EQUAL_INSTALLMENTS', annualNominalRate: '24' };
const PIPELINE = [
  { key: 'landing', type: 'LANDING', enabled: true, config: { title: 'Crédito Presto', blocks: [{ kind: 'TEXT', text: 'Hasta 50,000 MXN' }], legalFooter: 'Presto S.A.' } },
  { key: 'registration', type: 'USER_REGISTRATION', enabled: true, config: {} },
  { key: 'consent', type: 'LEGAL_CONSENT', enabled: true, config: { documents: ['TERMS'] } },
  { key: 'contact', type: 'CONTACT_VERIFICATION', enabled: true, config: { channel: 'EMAIL', requireUnique: true } },
  FORM_STEP,
  { key: 'compliance', type: 'COMPLIANCE_CHECK', enabled: true, config: { flowCode: 'BUREAU', scorePath: 'steps.bureau.output.score' } },
  { key: 'review', type: 'MANUAL_REVIEW', enabled: true, config: {} },
  { key: 'identity', type: 'IDENTITY_VALIDATION', enabled: true, config: { flowCode: 'KYC' } },
  { key: 'signature', type: 'DOCUMENT_SIGNATURE', enabled: true, config: { title: 'Contrato Presto' } },
  { key: 'disbursement', type: 'DISBURSEMENT', enabled: true, config: { channel: 'BANK_TRANSFER' } },
];
const MAILBOX = `query($recipient: String) { localMailbox(first: 20, recipient: $recipient) { edges { node { subject body } } } }`;
const SIGNING_CODE = `mutation($token: String!) { requestSigningCode(input: { token: $token }) { destinationMasked userErrors { code field } } }`;
const SIGN = `mutation($input: SignDocumentInput!) { signDocument(input: $input) { session { requestStatus signerStatus } userErrors { code field } } }`;
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

  let admin: { accessToken: string };
  let maker: string;
  let checker: string;
  let staff: string;
  let tenantId: string;

  test('landing to disbursement with a live subscriber: flow, sign and notifications really answer', async () => {
    admin = await p.login('platform', 'admin@platform.localhost', DEV_PASSWORD);
    const t = await p.call(CREATE_TENANT, { input: { slug: 'presto', name: 'Presto', hostnames: ['presto.example.test'], currency: 'MXN' } }, admin.accessToken);
    tenantId = t.data.createTenant.tenant.id;
    await p.call(CREATE_USER, { input: { tenantId, email: 'maker@presto.test', displayName: 'Maker', roles: ['tenant_admin'], password: 'maker-password-1' } }, admin.accessToken);
    maker = (await p.login('presto', 'maker@presto.test', 'maker-password-1')).accessToken;
    for (const [email, roles] of [['checker@presto.test', ['tenant_admin']], ['staff@presto.test', ['staff']]] as const) {
      const r = await p.call(CREATE_USER, { input: { email, displayName: email.split('@')[0], roles, password: 'user-password-1' } }, maker);
      expect(r.data.createUser.userErrors).toEqual([]);
    }
    checker = (await p.login('presto', 'checker@presto.test', 'user-password-1')).accessToken;
    staff = (await p.login('presto', 'staff@presto.test', 'user-password-1')).accessToken;

    // Staff publish the two flows in flow, through the gateway (mock providers: persona "clean").
    for (const [code, steps] of [['BUREAU', BUREAU_STEPS], ['KYC', KYC_STEPS]] as const) {
      const f = await p.call(CREATE_FLOW, { input: { code, name: code } }, maker);
      expect(f.data.createFlow.userErrors).toEqual([]);
      const versionId = f.data.createFlow.flow.draftVersion.id;
      for (const step of steps) expect((await p.call(ADD_STEP, { input: { versionId, ...step } }, maker)).data.addFlowStep.userErrors).toEqual([]);
      expect((await p.call(PUBLISH_FLOW, { input: { versionId } }, maker)).data.publishFlowVersion).toEqual({ version: { status: 'PUBLISHED' }, userErrors: [] });
    }
    // Seed 3.32: the tenant's notifications rule tells the borrower about the disbursement (the event carries the verified contact).
    const template = await p.call(`mutation($input: CreateNotificationTemplateInput!) { createNotificationTemplate(input: $input) { userErrors { code field } } }`, { input: {
      key: 'lending.credit_disbursed', channel: 'EMAIL', variables: ['principal', 'currency'],
      bodies: [{ locale: 'es', subject: 'Crédito desembolsado', body: 'Depositamos {{principal}} {{currency}}.' }, { locale: 'en', subject: 'Credit disbursed', body: 'We paid out {{principal}} {{currency}}.' }],
    } }, maker);
    expect(template.data.createNotificationTemplate.userErrors).toEqual([]);
    const rule = await p.call(`mutation($input: CreateNotificationRuleInput!) { createNotificationRule(input: $input) { userErrors { code field } } }`,
      { input: { subject: 'lending.credit.disbursed', templateKey: 'lending.credit_disbursed', channel: 'EMAIL', recipientPath: 'contactEmail', locale: 'es' } }, maker);
    expect(rule.data.createNotificationRule.userErrors).toEqual([]);

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
    expect(await submit('form', { values: { fullName: 'Ana Pérez', documentNumber: '12345678', phone: '+525512345678' } })).toMatchObject({ currentStep: 'compliance' });

    // Flow runs BUREAU on lending.verification.requested (three mock provider calls) and answers with
    // the externalRef; the application moves on to the review queue.
    const queue = await waitFor(async () => {
      const r = await p.call(`{ creditApplications(filter: { currentStepState: WAITING_REVIEW }) { edges { node { id currentStep borrower { id displayName } } } } }`, {}, staff);
      return r.data?.creditApplications.edges.find((e: any) => e.node.id === id)?.node;
    }, 20_000);
    expect(queue).toEqual({ id, currentStep: 'review', borrower: { id: ana.user.id, displayName: 'Ana Pérez' } });
    const stepOutput = async (key: string) => (await p.call(`query($id: ID!) { creditApplication(id: $id) { steps { key state output } } }`, { id }, staff)).data.creditApplication.steps.find((x: any) => x.key === key);
    const compliance = await stepOutput('compliance');
    expect(compliance).toMatchObject({ state: 'COMPLETED', output: { outcome: 'APPROVED', score: 720, externalRef: `application:${id}:compliance` } });
    const flowRun = await p.call(`query($id: ID!) { flowRequest(id: $id) { status outcome externalRef providerCalls { capability provider outcome } } }`, { id: compliance.output.flowRequestId }, staff);
    expect(flowRun.data.flowRequest).toMatchObject({ status: 'COMPLETED', outcome: 'APPROVED', externalRef: `application:${id}:compliance` });
    expect(flowRun.data.flowRequest.providerCalls.map((c: any) => `${c.capability}:${c.provider}:${c.outcome}`).sort()).toEqual(['AML_SCREENING:mock:SUCCESS', 'CREDIT_BUREAU:mock:SUCCESS', 'PHONE_LOOKUP:mock:SUCCESS']);
    // Identity validation is not asked before the approval (seed 3.19: provider costs only for approved applications).
    expect(await p.sql(`select count(*)::int as n from flow.flow_requests where external_ref = $1`, [`application:${id}:identity`])).toEqual([{ n: 0 }]);
    const approved = await p.call(`mutation($input: ReviewApplicationInput!) { reviewApplication(input: $input) { application { status currentStep } userErrors { code } } }`, { input: { applicationId: id, decision: 'APPROVE', reason: 'Perfil adecuado' } }, staff);
    expect(approved.data.reviewApplication).toEqual({ application: { status: 'APPROVED', currentStep: 'identity' }, userErrors: [] });
    // Flow runs KYC after the approval; then lending issues the contract and sign invites the borrower.
    const contract = await waitFor(async () => (await p.sql(`select envelope->'data' as data from lending.outbox where subject = 'lending.contract.issued' and envelope->'data'->>'applicationId' = $1`, [id]))[0]?.data, 30_000);
    expect(contract.body).toContain('12000.00 MXN');
    expect(contract.signers).toEqual([{ name: 'Ana Pérez', email: 'ana.perez@presto.test', phone: null, userId: ana.user.id }]);
    expect(await stepOutput('identity')).toMatchObject({ state: 'COMPLETED', output: { outcome: 'APPROVED' } });
    const bodies = async () => ((await p.call(MAILBOX, { recipient: 'ana.perez@presto.test' }, staff)).data.localMailbox.edges as { node: { body: string } }[]).map((e) => e.node.body);
    const invitation = await waitFor(async () => (await bodies()).find((b) => b.includes('/sign/')), 30_000);
    const signingToken = /\/sign\/(sgn_[A-Za-z0-9_-]+)/.exec(invitation)![1]!;
    const session = await p.call(`query($token: String!) { signingSession(token: $token) { session { title requestStatus signerName canSign } userErrors { code } } }`, { token: signingToken });
    expect(session.data.signingSession).toEqual({ session: { title: 'Contrato Presto', requestStatus: 'SENT', signerName: 'Ana Pérez', canSign: true }, userErrors: [] });
    // The borrower signs with a code delivered to the verified e-mail, through sign's public API. The
    // contact's OTP went to the same address moments ago: the resend cooldown is per purpose, so no wait.
    const mailsBefore = (await bodies()).length;
    const asked = await p.call(SIGNING_CODE, { token: signingToken });
    expect(asked.data.requestSigningCode.userErrors).toEqual([]);
    const codeMail = await waitFor(async () => { const all = await bodies(); return all.length > mailsBefore ? all[0] : null; }, 20_000);
    const signed = await p.call(SIGN, { input: { token: signingToken, code: /(\d{6})/.exec(codeMail!)![1], accept: true } });
    expect(signed.data.signDocument).toEqual({ session: { requestStatus: 'COMPLETED', signerStatus: 'SIGNED' }, userErrors: [] });

    // The credit exists; the portal reads it all with one `me` query.
    const me = await waitFor(async () => {
      const r = await p.call(`{ me { applications { id status currentStep steps { key state } credit { id status principal schedule { number } } } credits { id } } }`, {}, ana.accessToken);
      return r.data?.me.applications[0]?.status === 'DISBURSED' ? r.data.me : null;
    }, 20_000);
    expect(me.applications[0].credit).toMatchObject({ status: 'ACTIVE', principal: '12000.00' });
    expect(me.applications[0].credit.schedule).toHaveLength(12);
    expect(me.credits.map((c: any) => c.id)).toEqual([me.applications[0].credit.id]);
    // The signature step records sign's request; the sealed document is sign's.
    const signature = await stepOutput('signature');
    expect(signature).toMatchObject({ state: 'COMPLETED', output: { signatureRequestId: expect.any(String), signedDocumentSha256: expect.stringMatching(/^[0-9a-f]{64}$/) } });
    const request = await p.call(`query($id: ID!) { signatureRequest(id: $id) { status externalRef } }`, { id: signature.output.signatureRequestId }, staff);
    expect(request.data.signatureRequest).toEqual({ status: 'COMPLETED', externalRef: contract.externalRef });
    // `me { documents }` (seed 3.31): the consent with its evidence and the signed contract with sign's request, as lending recorded them.
    const docs = (await p.call(`{ me { documents { kind applicationId stepKey title version sha256 issuedAt contractStatus signatureRequestId signedDocumentSha256 decidedAt } } }`, {}, ana.accessToken)).data.me.documents;
    const termsSha = (await p.sql(`select sha256 from lending.legal_documents where code = 'TERMS'`))[0].sha256;
    expect(docs).toEqual([
      { kind: 'LEGAL_CONSENT', applicationId: id, stepKey: 'consent', title: 'TERMS', version: 1, sha256: termsSha, issuedAt: expect.any(String), contractStatus: null, signatureRequestId: null, signedDocumentSha256: null, decidedAt: null },
      { kind: 'CONTRACT', applicationId: id, stepKey: 'signature', title: 'Contrato Presto', version: null, sha256: crypto.createHash('sha256').update(contract.body, 'utf8').digest('hex'), issuedAt: expect.any(String), contractStatus: 'SIGNED', signatureRequestId: signature.output.signatureRequestId, signedDocumentSha256: signature.output.signedDocumentSha256, decidedAt: expect.any(String) },
    ]);
    // The tenant's rule on lending.credit.disbursed reached the borrower's verified e-mail.
    const paidOut = await waitFor(async () => (await bodies()).find((b) => b.startsWith('Depositamos')), 20_000);
    expect(paidOut).toBe('Depositamos 12000.00 MXN.');

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

  test('a verification for a flow flow does not know: flow refuses it (flow.execution.refused) and the step goes to the review queue at once', async () => {
    // A second product whose compliance names a flow code nobody published.
    const created = await p.call(`mutation($input: CreateCreditProductInput!) { createCreditProduct(input: $input) { product { id } version { id } userErrors { code } } }`, { input: { code: 'TYPO', name: 'Typo', currency: 'MXN', terms: TERMS } }, maker);
    const { product, version } = created.data.createCreditProduct;
    const steps = [PIPELINE[0], { key: 'compliance', type: 'COMPLIANCE_CHECK', enabled: true, config: { flowCode: 'BUREAUX' } }, PIPELINE[6], PIPELINE[9]];
    expect((await p.call(`mutation($input: UpdateDraftPipelineInput!) { updateDraftPipeline(input: $input) { userErrors { code field } } }`, { input: { versionId: version.id, steps } }, maker)).data.updateDraftPipeline.userErrors).toEqual([]);
    const cr = await p.call(`mutation($input: RequestPublicationInput!) { requestPublication(input: $input) { changeRequest { id } } }`, { input: { versionId: version.id } }, maker);
    await p.call(`mutation($input: ApproveChangeRequestInput!) { approveChangeRequest(input: $input) { userErrors { code } } }`, { input: { id: cr.data.requestPublication.changeRequest.id } }, checker);
    const ana = await p.login('presto', 'ana@presto.test', 'ana-password-1');
    const started = await p.call(`mutation($input: StartApplicationInput!) { startApplication(input: $input) { application { id currentStep } userErrors { code } } }`, { input: { productId: product.id, amount: '2000', term: 6, idempotencyKey: 'e2e-typo-1' } }, ana.accessToken);
    expect(started.data.startApplication).toMatchObject({ userErrors: [], application: { currentStep: 'compliance' } });
    const id = started.data.startApplication.application.id;
    // Flow answers the request it cannot start; lending moves the step to the review queue with flow's code
    // (well before EXTERNAL_STEP_TIMEOUT_HOURS).
    const step = await waitFor(async () => {
      const r = await p.call(`query($id: ID!) { creditApplication(id: $id) { currentStep steps { key state output } } }`, { id }, staff);
      const s = r.data?.creditApplication.steps.find((x: any) => x.key === 'compliance');
      return s?.state === 'WAITING_REVIEW' ? s : null;
    }, 20_000);
    expect(step.output).toMatchObject({ flowCode: 'BUREAUX', refused: { code: 'FLOW_NOT_FOUND', flowCode: 'BUREAUX' } });
    expect(step.output.timedOut).toBeUndefined();
    const refused = await p.sql(`select envelope->'data' as data from flow.outbox where subject = 'flow.execution.refused' and envelope->'data'->>'externalRef' = $1`, [`application:${id}:compliance`]);
    expect(refused.map((r: any) => r.data.code)).toEqual(['FLOW_NOT_FOUND']);
    // Staff decide from the queue (here: reject with a reason).
    const rejected = await p.call(`mutation($input: ReviewApplicationInput!) { reviewApplication(input: $input) { application { status } userErrors { code } } }`, { input: { applicationId: id, decision: 'REJECT', reason: 'Flujo mal configurado' } }, staff);
    expect(rejected.data.reviewApplication).toEqual({ application: { status: 'REJECTED' }, userErrors: [] });
  });

  test('a flow with a public step: the borrower opens it through lending (openApplicationFlow) and fills it through flow\'s public token API', async () => {
    // The flow: a form the borrower fills, then the bureau on what they typed.
    const f = await p.call(CREATE_FLOW, { input: { code: 'SELF_KYC', name: 'Self KYC' } }, maker);
    const flowVersionId = f.data.createFlow.flow.draftVersion.id;
    for (const step of [
      { key: 'applicant', name: 'Solicitante', type: 'FORM', inputSchema: { type: 'object', required: ['documentNumber'], properties: { documentNumber: { type: 'string', pattern: '^[0-9]{8}$' } } } },
      { key: 'bureau', name: 'Buró', type: 'PROVIDER', capability: 'CREDIT_BUREAU', inputMapping: { documentNumber: 'steps.applicant.documentNumber' } },
    ]) expect((await p.call(ADD_STEP, { input: { versionId: flowVersionId, ...step } }, maker)).data.addFlowStep.userErrors).toEqual([]);
    expect((await p.call(PUBLISH_FLOW, { input: { versionId: flowVersionId } }, maker)).data.publishFlowVersion.userErrors).toEqual([]);
    const created = await p.call(`mutation($input: CreateCreditProductInput!) { createCreditProduct(input: $input) { product { id } version { id } userErrors { code } } }`, { input: { code: 'SELFKYC', name: 'Self', currency: 'MXN', terms: TERMS } }, maker);
    const { product, version } = created.data.createCreditProduct;
    const steps = [PIPELINE[0], { key: 'kyc', type: 'COMPLIANCE_CHECK', enabled: true, config: { flowCode: 'SELF_KYC', scorePath: 'steps.bureau.output.score' } }, PIPELINE[6], PIPELINE[9]];
    expect((await p.call(`mutation($input: UpdateDraftPipelineInput!) { updateDraftPipeline(input: $input) { userErrors { code field } } }`, { input: { versionId: version.id, steps } }, maker)).data.updateDraftPipeline.userErrors).toEqual([]);
    const cr = await p.call(`mutation($input: RequestPublicationInput!) { requestPublication(input: $input) { changeRequest { id } } }`, { input: { versionId: version.id } }, maker);
    await p.call(`mutation($input: ApproveChangeRequestInput!) { approveChangeRequest(input: $input) { userErrors { code } } }`, { input: { id: cr.data.requestPublication.changeRequest.id } }, checker);
    const ana = await p.login('presto', 'ana@presto.test', 'ana-password-1');
    const started = await p.call(`mutation($input: StartApplicationInput!) { startApplication(input: $input) { application { id currentStep } userErrors { code } } }`, { input: { productId: product.id, amount: '3000', term: 6, idempotencyKey: 'e2e-self-1' } }, ana.accessToken);
    const id = started.data.startApplication.application.id;

    const OPEN = `mutation($input: OpenApplicationFlowInput!) { openApplicationFlow(input: $input) { access { accessToken flowRequestId currentStepKey expiresAt } userErrors { code field } } }`;
    // Staff of the tenant are not the borrower: NOT_FOUND (the token is the borrower's alone); a step that does not wait on a flow is refused.
    expect((await p.call(OPEN, { input: { applicationId: id, stepKey: 'kyc' } }, staff)).errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect((await p.call(OPEN, { input: { applicationId: id, stepKey: 'review' } }, ana.accessToken)).data.openApplicationFlow.userErrors).toEqual([{ code: 'STEP_NOT_WAITING', field: 'stepKey' }]);
    // The borrower opens it once flow started the run (FLOW_NOT_STARTED until then).
    const access = await waitFor(async () => {
      const r = (await p.call(OPEN, { input: { applicationId: id, stepKey: 'kyc' } }, ana.accessToken)).data.openApplicationFlow;
      return r.userErrors[0]?.code === 'FLOW_NOT_STARTED' ? null : r;
    }, 20_000);
    expect(access).toMatchObject({ userErrors: [], access: { accessToken: expect.stringMatching(/^flw_/), currentStepKey: 'applicant' } });
    const token = access.access.accessToken;
    const session = await p.call(`query($t: String!) { flowSession(accessToken: $t) { session { status currentStep { key type } } userErrors { code } } }`, { t: token });
    expect(session.data.flowSession).toEqual({ session: { status: 'IN_PROGRESS', currentStep: { key: 'applicant', type: 'FORM' } }, userErrors: [] });
    const submitted = await p.call(`mutation($input: SubmitFlowStepInput!) { submitFlowStep(input: $input) { session { status outcome } userErrors { code field } } }`, { input: { accessToken: token, stepKey: 'applicant', data: { documentNumber: '87654321' }, idempotencyKey: 'self-1' } });
    expect(submitted.data.submitFlowStep).toEqual({ session: { status: 'COMPLETED', outcome: 'APPROVED' }, userErrors: [] });
    // Flow's answer completes lending's step with the bureau's score; the application waits for review.
    const done = await waitFor(async () => {
      const r = await p.call(`query($id: ID!) { creditApplication(id: $id) { currentStep steps { key state output } } }`, { id }, staff);
      return r.data?.creditApplication.currentStep === 'review' ? r.data.creditApplication : null;
    }, 20_000);
    expect(done.steps.find((x: any) => x.key === 'kyc')).toMatchObject({ state: 'COMPLETED', output: { outcome: 'APPROVED', score: 720, flowRequestId: access.access.flowRequestId } });
    // Once the flow ended, there is nothing to open.
    expect((await p.call(OPEN, { input: { applicationId: id, stepKey: 'kyc' } }, ana.accessToken)).data.openApplicationFlow.userErrors).toEqual([{ code: 'STEP_NOT_WAITING', field: 'stepKey' }]);
  });
});
