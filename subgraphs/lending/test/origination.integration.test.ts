/**
 * The origination pipeline through lending's GraphQL on the real database and bus: pipeline
 * configuration on drafts (immutable once published), the whole journey (consent with evidence,
 * OTP through notifications' internal call, server-validated form, compliance and identity through
 * flow's events, review queue with maker-checker, contract issued to sign and its completion,
 * disbursement creating the credit and its schedule), idempotent submissions, and tenant isolation.
 */
import { inTenantTx } from '@imagy/platform/db';
import { gql, waitFor } from '@imagy/platform/testing';
import * as store from '../src/applications/applications.store';
import { uuid } from './harness';
import {
  FULL_PIPELINE, legalDocuments, productWithPipeline, REVIEW, START, startOrigination, SUBMIT, UPDATE_PIPELINE, WITHDRAW, CANCEL, type Origination,
} from './origination';

describe('lending: origination pipeline', () => {
  let o: Origination;
  let tenantA: string;
  let tenantB: string;
  let productId: string;
  let versionId: string;
  let staff: string;
  let analyst: string;
  let docs: Record<string, number>;

  beforeAll(async () => {
    o = await startOrigination('lendorig');
    tenantA = await o.tenant('orig-a');
    tenantB = await o.tenant('orig-b');
    docs = await legalDocuments(o, tenantA);
    ({ productId, versionId } = await productWithPipeline(o, tenantA, 'PERSONAL', FULL_PIPELINE));
    staff = await o.token(tenantA, ['staff']);
    analyst = await o.token(tenantA, ['credit_analyst']);
    // Seed 3.32: the tenant's notification rule on lending.application.decided (notifications' own API).
    const admin = await o.token(tenantA, ['tenant_admin']);
    const template = await gql(o.notifications.url, `mutation($input: CreateNotificationTemplateInput!) { createNotificationTemplate(input: $input) { userErrors { code } } }`, { input: {
      key: 'lending.application_decided', channel: 'SMS', variables: ['decision', 'amount', 'currency'],
      bodies: [{ locale: 'es', subject: null, body: 'Su solicitud por {{amount}} {{currency}}: {{decision}}' }, { locale: 'en', subject: null, body: 'Your application for {{amount}} {{currency}}: {{decision}}' }],
    } }, { token: admin });
    expect(template.data.createNotificationTemplate.userErrors).toEqual([]);
    const rule = await gql(o.notifications.url, `mutation($input: CreateNotificationRuleInput!) { createNotificationRule(input: $input) { userErrors { code } } }`,
      { input: { subject: 'lending.application.decided', templateKey: 'lending.application_decided', channel: 'SMS', recipientPath: 'contactPhone', locale: 'es' } }, { token: admin });
    expect(rule.data.createNotificationRule.userErrors).toEqual([]);
  });
  afterAll(async () => { await o?.close(); });

  const borrower = async (tenantId = tenantA) => {
    const id = await o.user(tenantId);
    return { id, token: await o.token(tenantId, ['borrower'], id) };
  };
  const start = async (token: string, input: Record<string, unknown> = {}) => {
    const r = await o.call(START, { input: { productId, amount: '20000.00', term: 12, idempotencyKey: uuid(), ...input } }, token);
    if (r.errors) throw new Error(JSON.stringify(r.errors));
    return r.data.startApplication;
  };
  const submit = async (token: string, applicationId: string, stepKey: string, data: unknown, extra: Record<string, unknown> = {}) => {
    const r = await o.call(SUBMIT, { input: { applicationId, stepKey, data, idempotencyKey: uuid(), ...extra } }, token);
    if (r.errors) throw new Error(JSON.stringify(r.errors));
    return r.data.submitApplicationStep;
  };
  /** Consent, OTP and form: the borrower's part up to compliance. */
  const throughForm = async (b: { token: string }, applicationId: string, phone: string) => {
    expect((await submit(b.token, applicationId, 'consent', { accepted: [{ code: 'TERMS', version: docs.TERMS }, { code: 'PRIVACY', version: docs.PRIVACY }] }, { deviceFingerprint: 'fp-1' })).userErrors).toEqual([]);
    expect((await submit(b.token, applicationId, 'contact', { destination: phone })).userErrors).toEqual([]);
    const code = await o.otpCode(tenantA, phone);
    expect((await submit(b.token, applicationId, 'contact', { code })).userErrors).toEqual([]);
    const form = await submit(b.token, applicationId, 'form', { values: { fullName: 'Ana Pérez', income: '25000', employment: 'SELF_EMPLOYED' } });
    expect(form.userErrors).toEqual([]);
    return form.application;
  };

  test('a draft has the default pipeline; a maker replaces it, bad steps are userErrors naming the field, and a published pipeline cannot change', async () => {
    const maker = await o.token(tenantA, ['product_manager']);
    const draft = await o.call(`mutation($input: CreateDraftVersionInput!) { createDraftVersion(input: $input) { version { id pipeline { isDefault steps { key type } } } userErrors { code } } }`, { input: { productId } }, maker);
    const draftId = draft.data.createDraftVersion.version.id;
    // The new draft inherits the published version's pipeline.
    expect(draft.data.createDraftVersion.version.pipeline).toEqual({ isDefault: false, steps: FULL_PIPELINE.map((s) => ({ key: s.key, type: s.type })) });

    const bad = await o.call(UPDATE_PIPELINE, { input: { versionId: draftId, steps: [
      { key: 'landing', type: 'LANDING', enabled: true, config: { title: 'x', blocks: [{ kind: 'IMAGE', url: 'http://insecure.test/x.png' }] } },
      { key: 'form', type: 'FORM', enabled: true, config: { fields: [{ key: 'a', type: 'TEXT', label: { es: 'A', en: 'A' }, pattern: '(a+)+' }] } },
      { key: 'review', type: 'MANUAL_REVIEW', enabled: true, config: { autoApproveMaxAmount: 'lots' } },
      { key: 'review', type: 'DISBURSEMENT', enabled: true, config: { channel: 'CASH' } },
    ] } }, maker);
    expect(bad.data.updateDraftPipeline.userErrors).toEqual([
      expect.objectContaining({ code: 'INVALID_STEP_CONFIG', field: 'steps.0.config.blocks.0.url' }),
      expect.objectContaining({ code: 'INVALID_STEP_CONFIG', field: 'steps.1.config.fields.0.pattern' }),
      expect.objectContaining({ code: 'INVALID_STEP_CONFIG', field: 'steps.2.config.autoApproveMaxAmount' }),
      expect.objectContaining({ code: 'INVALID_PIPELINE', field: 'steps.3.key' }),
    ]);
    const order = await o.call(UPDATE_PIPELINE, { input: { versionId: draftId, steps: [
      { key: 'identity', type: 'IDENTITY_VALIDATION', enabled: true, config: { flowCode: 'KYC' } },
      { key: 'pay', type: 'DISBURSEMENT', enabled: true, config: { channel: 'CASH' } },
      { key: 'review', type: 'MANUAL_REVIEW', enabled: true, config: {} },
    ] } }, maker);
    expect(order.data.updateDraftPipeline.userErrors.map((e: any) => [e.code, e.field])).toEqual([['PIPELINE_DISBURSEMENT_LAST', 'steps.1'], ['PIPELINE_IDENTITY_AFTER_REVIEW', 'steps.0']]);

    const ok = await o.call(UPDATE_PIPELINE, { input: { versionId: draftId, steps: [
      { key: 'review', type: 'MANUAL_REVIEW', enabled: true, config: { autoApproveMaxAmount: '5000' }, runWhen: { minAmount: '1000' } },
      { key: 'pay', type: 'DISBURSEMENT', enabled: true, config: { channel: 'WALLET' } },
    ] } }, maker);
    expect(ok.data.updateDraftPipeline).toMatchObject({ userErrors: [], version: { pipeline: { isDefault: false, steps: [
      { key: 'review', type: 'MANUAL_REVIEW', runWhen: { minAmount: '1000', maxAmount: null }, config: { autoApproveMaxAmount: '5000', autoApproveMinScore: null, makerCheckerAboveAmount: null } },
      { key: 'pay', type: 'DISBURSEMENT', config: { channel: 'WALLET' } },
    ] } } });

    // Published: the mutation refuses, and so does the database whoever writes.
    const published = await o.call(UPDATE_PIPELINE, { input: { versionId, steps: [{ key: 'pay', type: 'DISBURSEMENT', enabled: true, config: { channel: 'CASH' } }] } }, maker);
    expect(published.data.updateDraftPipeline.userErrors).toEqual([expect.objectContaining({ code: 'VERSION_NOT_DRAFT', field: 'versionId' })]);
    await expect(o.adminSql(`update lending.pipeline_configs set steps = '[]' where version_id = $1`, [versionId])).rejects.toThrow(/immutable/);
    // Staff of another tenant cannot touch tenant A's draft.
    const foreign = await o.call(UPDATE_PIPELINE, { input: { versionId: draftId, steps: [{ key: 'pay', type: 'DISBURSEMENT', enabled: true, config: { channel: 'CASH' } }] } }, await o.token(tenantB, ['tenant_admin']));
    expect(foreign.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    await o.call(`mutation($input: DiscardDraftVersionInput!) { discardDraftVersion(input: $input) { userErrors { code } } }`, { input: { versionId: draftId } }, maker);
  });

  test('the public landing shows the published pipeline\'s landing and the current legal documents', async () => {
    const r = await o.call(`query { originationLanding(productCode: "personal", tenantSlug: "orig-a") { productId productCode currency minAmount maxAmount title blocks legalFooter legalDocuments { code version sha256 } } }`);
    // The product's id: what the portal's startApplication takes.
    expect(r.data.originationLanding.productId).toEqual(expect.stringMatching(/^[0-9a-f-]{36}$/));
    expect(r.data.originationLanding).toMatchObject({ productCode: 'PERSONAL', currency: 'MXN', minAmount: '1000.00', maxAmount: '100000.00', title: 'Crédito personal', legalFooter: 'Imagy Financiera S.A.' });
    expect(r.data.originationLanding.blocks).toHaveLength(2);
    expect(r.data.originationLanding.legalDocuments.map((d: any) => d.code).sort()).toEqual(['PRIVACY', 'TERMS']);
    expect((await o.call(`query { originationLanding(productCode: "PERSONAL", tenantSlug: "orig-b") { title } }`)).data.originationLanding).toBeNull();
  });

  test('landing to disbursement: consent evidence, OTP, form, compliance, review with a second reviewer, identity, signature, credit and schedule; every step announced', async () => {
    const b = await borrower();
    const started = await start(b.token, { amount: '60000.00', term: 12 });
    expect(started.userErrors).toEqual([]);
    const id = started.application.id;
    expect(started.application).toMatchObject({ status: 'IN_PROGRESS', currentStep: 'consent', amount: '60000.00', currency: 'MXN', term: 12 });
    expect(started.application.steps.slice(0, 3).map((s: any) => [s.key, s.state])).toEqual([['landing', 'COMPLETED'], ['registration', 'COMPLETED'], ['consent', 'WAITING_INPUT']]);
    expect(started.application.steps[1].output).toEqual({ userId: b.id, mode: 'CALLER_ACCOUNT' });

    // Consent: a stale version is refused; the current ones are recorded with their evidence.
    const stale = await submit(b.token, id, 'consent', { accepted: [{ code: 'TERMS', version: docs.TERMS + 1 }, { code: 'PRIVACY', version: docs.PRIVACY }] });
    expect(stale.userErrors).toEqual([expect.objectContaining({ code: 'CONSENT_MISMATCH', field: 'data.accepted' })]);
    const consent = await submit(b.token, id, 'consent', { accepted: [{ code: 'TERMS', version: docs.TERMS }, { code: 'PRIVACY', version: docs.PRIVACY }] }, { deviceFingerprint: 'fp-device-1' });
    expect(consent.userErrors).toEqual([]);
    expect(consent.application.consents).toEqual([
      expect.objectContaining({ stepKey: 'consent', documentCode: 'PRIVACY', documentVersion: docs.PRIVACY, sha256: expect.stringMatching(/^[0-9a-f]{64}$/), ip: expect.any(String), deviceFingerprint: 'fp-device-1' }),
      expect.objectContaining({ documentCode: 'TERMS', documentVersion: docs.TERMS }),
    ]);
    await expect(o.adminSql(`delete from lending.consent_evidence where application_id = $1`, [id])).rejects.toThrow(/immutable/);

    // OTP through notifications: a wrong code is refused, the delivered one verifies.
    const phone = '+525512340001';
    expect((await submit(b.token, id, 'contact', { destination: 'not-a-phone' })).userErrors).toEqual([expect.objectContaining({ code: 'INVALID_DESTINATION', field: 'data.destination' })]);
    const sent = await submit(b.token, id, 'contact', { destination: phone });
    expect(sent.userErrors).toEqual([]);
    expect(sent.application.steps.find((s: any) => s.key === 'contact')).toMatchObject({ state: 'WAITING_INPUT', output: { destinationMasked: expect.stringContaining('****') } });
    const code = await o.otpCode(tenantA, phone);
    const wrong = code === '000000' ? '111111' : '000000';
    expect((await submit(b.token, id, 'contact', { code: wrong })).userErrors).toEqual([expect.objectContaining({ code: 'OTP_INVALID', field: 'data.code' })]);
    expect((await submit(b.token, id, 'contact', { code })).application.currentStep).toBe('form');

    // Form: server-side rules with the borrower's language; a conditional field becomes required.
    const invalid = await gql(o.url, SUBMIT, { input: { applicationId: id, stepKey: 'form', idempotencyKey: uuid(), data: { values: { fullName: 'Al', income: '50', employment: 'EMPLOYED', rfc: 'nope', extra: 1 } } } }, { token: b.token, headers: { 'accept-language': 'es-MX,es;q=0.9' } });
    expect(invalid.data.submitApplicationStep.userErrors.find((e: any) => e.field === 'data.values.company').message).toBe('Este campo es obligatorio.');
    expect(invalid.data.submitApplicationStep.userErrors.find((e: any) => e.field === 'data.values.income').message).toBe('Este campo debe estar entre 1000 y 1000000.');
    expect(invalid.data.submitApplicationStep.userErrors.map((e: any) => [e.code, e.field])).toEqual([
      ['FIELD_UNKNOWN', 'data.values.extra'], ['FIELD_LENGTH', 'data.values.fullName'], ['FIELD_RANGE', 'data.values.income'], ['FIELD_REQUIRED', 'data.values.company'], ['FIELD_PATTERN', 'data.values.rfc'],
    ]);
    const form = await submit(b.token, id, 'form', { values: { fullName: 'Ana Pérez', income: '25000', employment: 'EMPLOYED', company: 'ACME', rfc: 'PEAA800101AB1' } });
    expect(form.userErrors).toEqual([]);
    expect(form.application).toMatchObject({ currentStep: 'compliance' });
    expect(form.application.steps.find((s: any) => s.key === 'compliance').state).toBe('WAITING_EVENT');

    // Compliance: lending asked flow; flow's answer (published on the bus) completes the step.
    const [asked] = await o.outbox('lending.verification.requested', id);
    expect(asked).toEqual({ applicationId: id, stepKey: 'compliance', flowCode: 'BUREAU_AML', subjectRef: `user:${b.id}`, externalRef: `application:${id}:compliance`, context: expect.objectContaining({ amount: '60000.00', currency: 'MXN', form: expect.objectContaining({ fullName: 'Ana Pérez' }) }) });
    await o.publish('flow.execution.completed', { requestId: uuid(), flowId: uuid(), flowCode: 'BUREAU_AML', versionId: uuid(), subjectRef: asked.subjectRef, outcome: 'APPROVED', summary: { score: 720 }, externalRef: asked.externalRef }, tenantA);
    const inReview = await o.waitStep(id, b.token, 'review', 'WAITING_REVIEW');
    expect(inReview.steps.find((s: any) => s.key === 'compliance').output).toMatchObject({ outcome: 'APPROVED', score: 720 });

    // The review queue lists it; above 50000 a second, different reviewer must approve.
    const queue = await o.call(`query { creditApplications(filter: { currentStepState: WAITING_REVIEW }, first: 50) { edges { node { id currentStep } } } }`, undefined, staff);
    expect(queue.data.creditApplications.edges.map((e: any) => e.node.id)).toContain(id);
    const first = await o.call(REVIEW, { input: { applicationId: id, decision: 'APPROVE', reason: 'Buen historial' } }, staff);
    expect(first.data.reviewApplication.application).toMatchObject({ status: 'IN_PROGRESS', currentStep: 'review' });
    const again = await o.call(REVIEW, { input: { applicationId: id, decision: 'APPROVE', reason: 'otra vez' } }, staff);
    expect(again.data.reviewApplication.userErrors).toEqual([expect.objectContaining({ code: 'SECOND_REVIEWER_REQUIRED' })]);
    const borrowerReview = await o.call(REVIEW, { input: { applicationId: id, decision: 'APPROVE', reason: 'yo' } }, b.token);
    expect(borrowerReview.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const second = await o.call(REVIEW, { input: { applicationId: id, decision: 'APPROVE', reason: 'Conforme' } }, analyst);
    expect(second.data.reviewApplication.userErrors).toEqual([]);
    expect(second.data.reviewApplication.application).toMatchObject({ status: 'APPROVED', currentStep: 'identity' });

    // Identity validation only now (after approval), then the contract goes to sign.
    const identityAsk = (await o.outbox('lending.verification.requested', id)).find((d) => d.stepKey === 'identity');
    expect(identityAsk).toMatchObject({ flowCode: 'KYC', externalRef: `application:${id}:identity` });
    await o.publish('flow.execution.completed', { requestId: uuid(), flowId: uuid(), flowCode: 'KYC', versionId: uuid(), subjectRef: `user:${b.id}`, outcome: 'APPROVED', summary: {}, externalRef: identityAsk.externalRef }, tenantA);
    await o.waitStep(id, b.token, 'signature', 'WAITING_EVENT');
    const [contract] = await o.outbox('lending.contract.issued', id);
    expect(contract).toMatchObject({ applicationId: id, externalRef: `application:${id}:signature`, title: 'Contrato', locale: 'es', signingOrder: 'SEQUENTIAL', signers: [{ name: 'Ana Pérez', phone, email: null, userId: b.id }] });
    expect(contract.body).toMatch(/^Contrato de Ana Pérez: 60000\.00 MXN a 12 cuotas de \d+\.\d{2}; CAT \d+\.\d %; comisiones OPENING 2 % \(UPFRONT\)\.\n1\. \d{4}-\d{2}-\d{2} /);
    await o.publish('sign.signature.completed', { signatureRequestId: uuid(), externalRef: contract.externalRef, documentSha256: 'a'.repeat(64), completedAt: new Date().toISOString() }, tenantA);

    // Disbursement: the credit and its schedule exist, from the pinned version.
    const done = await waitFor(async () => { const a = await o.app(id, b.token); return a.status === 'DISBURSED' ? a : null; }, 20_000);
    expect(done).toMatchObject({ currentStep: null, credit: { status: 'ACTIVE', principal: '60000.00', source: 'PIPELINE', numberOfInstallments: 12 } });
    expect(done.credit.schedule).toHaveLength(12);
    expect(done.steps.every((s: any) => s.state === 'COMPLETED')).toBe(true);
    expect(done.steps.find((s: any) => s.key === 'disbursement').output).toMatchObject({ channel: 'BANK_TRANSFER', creditId: done.credit.id });
    const [disbursed] = await o.outbox('lending.credit.disbursed', id);
    expect(disbursed).toMatchObject({ source: 'PIPELINE', applicationId: id, creditId: done.credit.id, contactEmail: null, contactPhone: done.steps.find((s: any) => s.key === 'contact').output.destination });
    expect(disbursed.contactPhone).toMatch(/^\+\d+$/);
    expect(await o.outbox('lending.application.created', id)).toHaveLength(1);
    expect((await o.outbox('lending.application.decided', id)).map((d) => d.decision)).toEqual(['APPROVED']);
    expect((await o.outbox('lending.pipeline.step_completed', id)).map((d) => d.stepKey)).toEqual(FULL_PIPELINE.map((s) => s.key));
    // me { applications } for the borrower.
    const me = await o.call(`query($r: [_Any!]!) { _entities(representations: $r) { ... on User { applications { id status currentStep steps { key state } } } } }`, { r: [{ __typename: 'User', id: b.id }] }, b.token);
    expect(me.data._entities[0].applications).toEqual([expect.objectContaining({ id, status: 'DISBURSED' })]);
    // me { documents }: both consents with their evidence hash, and the contract as sign reported it.
    const DOCS = `query($r: [_Any!]!) { _entities(representations: $r) { ... on User { documents { kind applicationId stepKey title version sha256 contractStatus signatureRequestId signedDocumentSha256 } } } }`;
    const docsOf = async (token: string) => (await o.call(DOCS, { r: [{ __typename: 'User', id: b.id }] }, token)).data._entities[0].documents;
    const signatureOutput = done.steps.find((s: any) => s.key === 'signature').output;
    expect(await docsOf(b.token)).toEqual([
      ...done.consents.map((c: any) => ({ kind: 'LEGAL_CONSENT', applicationId: id, stepKey: 'consent', title: c.documentCode, version: c.documentVersion, sha256: c.sha256, contractStatus: null, signatureRequestId: null, signedDocumentSha256: null })),
      { kind: 'CONTRACT', applicationId: id, stepKey: 'signature', title: expect.any(String), version: null, sha256: signatureOutput.documentSha256, contractStatus: 'SIGNED', signatureRequestId: signatureOutput.signatureRequestId, signedDocumentSha256: 'a'.repeat(64) },
    ]);
    expect(done.consents).toHaveLength(2);
    // Another borrower of the tenant and tenant B's staff see none of them.
    expect(await docsOf((await borrower()).token)).toEqual([]);
    expect(await docsOf(await o.token(tenantB, ['staff']))).toEqual([]);

    // Delinquency (seed 3.32): the credit's schedule moved 200 days back (arranged in SQL: the business
    // date cannot move forward), today's run defaults it and lending.credit.defaulted carries the contact.
    await o.adminSql(`update lending.installments set due_date = due_date - 200 where credit_id = $1`, [done.credit.id]);
    const run = await o.call(`mutation { runDelinquency(input: {}) { runs { defaulted } userErrors { code } } }`, {}, await o.token(tenantA, ['tenant_admin']));
    expect(run.data.runDelinquency.userErrors).toEqual([]);
    const [defaulted] = (await o.adminSql(`select envelope->'data' as data from lending.outbox where subject = 'lending.credit.defaulted' and envelope->'data'->>'creditId' = $1`, [done.credit.id])).map((r) => r.data);
    expect(defaulted).toMatchObject({ creditId: done.credit.id, borrowerId: b.id, contactEmail: null, contactPhone: disbursed.contactPhone });
  });

  test('starting and submitting are idempotent: a replay answers the first result and writes nothing twice; the same key with other input is refused', async () => {
    const b = await borrower();
    const key = uuid();
    const first = await start(b.token, { idempotencyKey: key });
    const replay = await start(b.token, { idempotencyKey: key, amount: '20000' });
    expect(replay).toMatchObject({ replayed: true, application: { id: first.application.id } });
    expect((await start(b.token, { idempotencyKey: key, amount: '30000.00' })).userErrors).toEqual([expect.objectContaining({ code: 'IDEMPOTENCY_KEY_REUSED', field: 'idempotencyKey' })]);
    const id = first.application.id;
    const submitKey = uuid();
    const data = { accepted: [{ code: 'TERMS', version: docs.TERMS }, { code: 'PRIVACY', version: docs.PRIVACY }] };
    const [x, y] = [await submit(b.token, id, 'consent', data, { idempotencyKey: submitKey }), await submit(b.token, id, 'consent', data, { idempotencyKey: submitKey })];
    expect(x.replayed).toBe(false);
    expect(y).toMatchObject({ replayed: true, userErrors: [] });
    expect(await o.adminSql('select count(*)::int as n from lending.consent_evidence where application_id = $1', [id])).toEqual([{ n: 2 }]);
    expect((await submit(b.token, id, 'consent', { accepted: [] }, { idempotencyKey: submitKey })).userErrors).toEqual([expect.objectContaining({ code: 'IDEMPOTENCY_KEY_REUSED' })]);
    // Concurrent first requests with one key: one application, one consent set; the others replay it.
    const parallelKey = uuid();
    const starts = await Promise.all(Array.from({ length: 5 }, () => start(b.token, { idempotencyKey: parallelKey })));
    expect(new Set(starts.map((x) => x.application.id)).size).toBe(1);
    expect(starts.filter((x) => !x.replayed)).toHaveLength(1);
    const parallelApp = starts[0].application.id;
    const consentKey = uuid();
    const submits = await Promise.all(Array.from({ length: 5 }, () => submit(b.token, parallelApp, 'consent', data, { idempotencyKey: consentKey })));
    expect(submits.every((x) => x.userErrors.length === 0)).toBe(true);
    expect(submits.filter((x) => !x.replayed)).toHaveLength(1);
    expect(await o.adminSql('select count(*)::int as n from lending.consent_evidence where application_id = $1', [parallelApp])).toEqual([{ n: 2 }]);
    // A step that does not wait for input is refused, naming the field.
    expect((await submit(b.token, id, 'compliance', {})).userErrors).toEqual([expect.objectContaining({ code: 'STEP_NOT_WAITING', field: 'stepKey' })]);
    // Out-of-range amount and unknown product: userErrors, nothing written.
    const before = await o.adminSql('select count(*)::int as n from lending.credit_applications');
    expect((await start(b.token, { amount: '5.00' })).userErrors).toEqual([expect.objectContaining({ code: 'AMOUNT_OUT_OF_RANGE', field: 'amount' })]);
    expect((await start(b.token, { productId: uuid() })).userErrors).toEqual([expect.objectContaining({ code: 'PRODUCT_NOT_FOUND', field: 'productId' })]);
    expect(await o.adminSql('select count(*)::int as n from lending.credit_applications')).toEqual(before);
  });

  test('a verified contact is unique among the tenant\'s applicants; a rejected verification rejects the application', async () => {
    const a = await borrower();
    const appA = (await start(a.token)).application.id;
    await throughForm(a, appA, '+525512340002');
    const b = await borrower();
    const appB = (await start(b.token)).application.id;
    await submit(b.token, appB, 'consent', { accepted: [{ code: 'TERMS', version: docs.TERMS }, { code: 'PRIVACY', version: docs.PRIVACY }] });
    expect((await submit(b.token, appB, 'contact', { destination: '+525512340002' })).userErrors).toEqual([expect.objectContaining({ code: 'CONTACT_TAKEN', field: 'data.destination' })]);

    await o.publish('flow.execution.completed', { requestId: uuid(), flowId: uuid(), flowCode: 'BUREAU_AML', versionId: uuid(), subjectRef: `user:${a.id}`, outcome: 'REJECTED', summary: {}, externalRef: `application:${appA}:compliance` }, tenantA);
    const rejected = await waitFor(async () => { const x = await o.app(appA, a.token); return x.status === 'REJECTED' ? x : null; }, 20_000);
    expect(rejected).toMatchObject({ decisionReason: 'COMPLIANCE_CHECK_REJECTED', currentStep: 'compliance' });
    expect(rejected.steps.find((s: any) => s.key === 'compliance').state).toBe('REJECTED');
    expect((await submit(a.token, appA, 'form', { values: {} })).userErrors).toEqual([expect.objectContaining({ code: 'APPLICATION_NOT_ACTIVE' })]);
  });

  test('a REVIEW outcome sends the step to the queue; reviewers ask for information, the borrower answers, and a rejection ends it', async () => {
    const b = await borrower();
    const id = (await start(b.token)).application.id;
    await throughForm(b, id, '+525512340003');
    await o.publish('flow.execution.completed', { requestId: uuid(), flowId: uuid(), flowCode: 'BUREAU_AML', versionId: uuid(), subjectRef: `user:${b.id}`, outcome: 'REVIEW', summary: { score: 400 }, externalRef: `application:${id}:compliance` }, tenantA);
    await o.waitStep(id, b.token, 'compliance', 'WAITING_REVIEW');
    const info = await o.call(REVIEW, { input: { applicationId: id, decision: 'REQUEST_INFO', reason: 'x' } }, staff);
    expect(info.data.reviewApplication.userErrors).toEqual([expect.objectContaining({ code: 'INVALID_DECISION' })]);
    expect((await o.call(REVIEW, { input: { applicationId: id, decision: 'APPROVE', reason: 'Revisado' } }, staff)).data.reviewApplication.application.currentStep).toBe('review');
    const ask = await o.call(REVIEW, { input: { applicationId: id, decision: 'REQUEST_INFO', reason: 'Envíe comprobante de ingresos' } }, staff);
    expect(ask.data.reviewApplication.application.steps.find((s: any) => s.key === 'review')).toMatchObject({ state: 'WAITING_INPUT', output: { infoRequested: 'Envíe comprobante de ingresos' } });
    expect((await submit(b.token, id, 'review', { info: 'Adjunto en el portal' })).application.steps.find((s: any) => s.key === 'review').state).toBe('WAITING_REVIEW');
    const no = await o.call(REVIEW, { input: { applicationId: id, decision: 'REJECT', reason: 'Capacidad de pago insuficiente' } }, analyst);
    expect(no.data.reviewApplication.application).toMatchObject({ status: 'REJECTED', decisionReason: 'Capacidad de pago insuficiente' });
    const [decided] = await o.outbox('lending.application.decided', id);
    expect(decided).toMatchObject({ decision: 'REJECTED', stepKey: 'review', productCode: 'PERSONAL', amount: '20000.00', currency: 'MXN', contactPhone: '+525512340003', contactEmail: null });
    // The tenant's rule on lending.application.decided tells the borrower (notifications' local provider).
    const sms = await waitFor(async () => {
      const r = await gql(o.notifications.url, 'query($r: String) { localMailbox(first: 5, recipient: $r) { edges { node { body } } } }', { r: '+525512340003' }, { token: staff });
      return r.data?.localMailbox.edges.map((e: any) => e.node.body).find((b: string) => b.includes('REJECTED'));
    }, 20_000);
    expect(sms).toBe('Su solicitud por 20000.00 MXN: REJECTED');
  });

  test('the borrower withdraws, staff cancel with a reason; both end the application once', async () => {
    const b = await borrower();
    const one = (await start(b.token)).application.id;
    const w = await o.call(WITHDRAW, { input: { applicationId: one } }, b.token);
    expect(w.data.withdrawApplication.application).toMatchObject({ status: 'WITHDRAWN', currentStep: 'consent' });
    expect((await o.call(WITHDRAW, { input: { applicationId: one } }, b.token)).data.withdrawApplication.userErrors).toEqual([expect.objectContaining({ code: 'APPLICATION_NOT_ACTIVE' })]);
    const two = (await start(b.token)).application.id;
    expect((await o.call(CANCEL, { input: { applicationId: two, reason: '' } }, staff)).data.cancelApplication.userErrors).toEqual([expect.objectContaining({ code: 'INVALID_REASON', field: 'reason' })]);
    expect((await o.call(CANCEL, { input: { applicationId: two, reason: 'Duplicada' } }, staff)).data.cancelApplication.application).toMatchObject({ status: 'CANCELLED', decisionReason: 'Duplicada' });
    const other = await borrower();
    expect((await o.call(WITHDRAW, { input: { applicationId: two } }, other.token)).errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  });

  test('another tenant\'s staff and another borrower find nothing: null, NOT_FOUND, empty lists', async () => {
    const b = await borrower();
    const id = (await start(b.token)).application.id;
    const staffB = await o.token(tenantB, ['tenant_admin']);
    const other = await borrower();
    expect(await o.app(id, staffB)).toBeNull();
    expect(await o.app(id, other.token)).toBeNull();
    expect(await o.app(id, staff)).toMatchObject({ id });
    for (const token of [staffB, other.token]) {
      expect((await o.call(SUBMIT, { input: { applicationId: id, stepKey: 'consent', data: { accepted: [] }, idempotencyKey: uuid() } }, token)).errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    }
    expect((await o.call(REVIEW, { input: { applicationId: id, decision: 'REJECT', reason: 'x' } }, staffB)).errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect((await o.call(CANCEL, { input: { applicationId: id, reason: 'x' } }, staffB)).errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const list = await o.call(`query { creditApplications(first: 100) { edges { node { id } } } }`, undefined, staffB);
    expect(list.data.creditApplications.edges).toEqual([]);
    expect((await o.call(`query { creditApplications(first: 5) { edges { node { id } } } }`, undefined, b.token)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  test('RLS on the origination tables: tenant B\'s transaction reads none of tenant A\'s rows and cannot write or change them', async () => {
    const b = await borrower();
    const id = (await start(b.token)).application.id;
    await submit(b.token, id, 'consent', { accepted: [{ code: 'TERMS', version: docs.TERMS }, { code: 'PRIVACY', version: docs.PRIVACY }] });
    const orm = o.lending.orm;
    expect(await inTenantTx(orm, { tenantId: tenantA }, (em) => store.applicationsByIds(em, [id]))).toHaveLength(1);
    expect(await inTenantTx(orm, { tenantId: tenantB }, (em) => store.applicationsByIds(em, [id]))).toEqual([]);
    expect(await inTenantTx(orm, { tenantId: tenantB }, (em) => store.stepsOf(em, [id]))).toEqual([]);
    expect(await inTenantTx(orm, { tenantId: tenantB }, (em) => store.consentsOf(em, [id]))).toEqual([]);
    expect(await inTenantTx(orm, { tenantId: null }, (em) => store.listApplications(em, {}, null, 100))).toEqual([]);
    for (const table of ['credit_applications', 'application_steps', 'consent_evidence', 'step_submissions', 'legal_documents', 'pipeline_configs']) {
      const n = await inTenantTx(orm, { tenantId: tenantB }, (em) => em.execute<{ n: number }[]>(`select count(*)::int as n from ${table}`));
      expect(n).toEqual([{ n: 0 }]);
    }
    // An update of tenant A's application from tenant B's transaction touches nothing; a row claiming tenant A is refused.
    await inTenantTx(orm, { tenantId: tenantB }, (em) => em.execute(`update credit_applications set status = 'CANCELLED' where id = ?`, [id]));
    expect((await o.app(id, staff)).status).toBe('IN_PROGRESS');
    await expect(inTenantTx(orm, { tenantId: tenantB }, (em) => store.insertSubmission(em, { applicationId: id, tenantId: tenantA, key: 'plant', stepKey: 'contact', requestHash: 'x' })))
      .rejects.toThrow(/row-level security/);
  });

  test('staff list applications with filters and pages (keyset); a page costs one batch per relation', async () => {
    const b = await borrower();
    for (let i = 0; i < 3; i++) await start(b.token);
    const spies = [
      jest.spyOn(o.lending.services.applications, 'stepsByIds'),
      jest.spyOn(o.lending.services.applications, 'consentsByIds'),
      jest.spyOn(o.lending.services.products, 'productsByIds'),
      jest.spyOn(o.lending.services.products, 'versionsByIds'),
      jest.spyOn(o.lending.services.pipeline, 'byVersionIds'),
    ];
    const wide = await o.call(`query { creditApplications(first: 50) { edges { node { id steps { key } consents { documentCode } product { code } version { number pipeline { isDefault } } } } } }`, undefined, staff);
    expect(wide.errors).toBeUndefined();
    expect(wide.data.creditApplications.edges.length).toBeGreaterThanOrEqual(3);
    for (const s of spies) { expect(s).toHaveBeenCalledTimes(1); s.mockRestore(); }
    const page1 = await o.call(`query($f: CreditApplicationFilter) { creditApplications(filter: $f, first: 2) { edges { node { id borrower { id } status } } pageInfo { hasNextPage endCursor } } }`, { f: { borrowerId: b.id, status: 'IN_PROGRESS' } }, staff);
    expect(page1.data.creditApplications.edges).toHaveLength(2);
    expect(page1.data.creditApplications.pageInfo.hasNextPage).toBe(true);
    const page2 = await o.call(`query($f: CreditApplicationFilter, $after: String) { creditApplications(filter: $f, first: 2, after: $after) { edges { node { id } } pageInfo { hasNextPage } } }`, { f: { borrowerId: b.id }, after: page1.data.creditApplications.pageInfo.endCursor }, staff);
    expect(page2.data.creditApplications.edges).toHaveLength(1);
    expect(page2.data.creditApplications.pageInfo.hasNextPage).toBe(false);
    const byStep = await o.call(`query($f: CreditApplicationFilter) { creditApplications(filter: $f, first: 10) { edges { node { id currentStep } } } }`, { f: { borrowerId: b.id, currentStepType: 'LEGAL_CONSENT' } }, staff);
    expect(byStep.data.creditApplications.edges.every((e: any) => e.node.currentStep === 'consent')).toBe(true);
    expect((await o.call(`query { creditApplications(filter: { productId: "nope" }) { edges { node { id } } } }`, undefined, staff)).errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  test('subject.profile.blacklisted rejects the subject\'s open applications in that tenant only', async () => {
    const b = await borrower();
    const open1 = (await start(b.token)).application.id;
    const open2 = (await start(b.token)).application.id;
    const withdrawn = (await start(b.token)).application.id;
    await o.call(WITHDRAW, { input: { applicationId: withdrawn } }, b.token);
    const bystander = await borrower();
    const untouched = (await start(bystander.token)).application.id;
    // The same subject ref announced for tenant B changes nothing in tenant A.
    await o.publish('subject.profile.blacklisted', { profileId: uuid(), subjectRef: `user:${b.id}`, reason: 'Lista OFAC', listCode: 'OFAC' }, tenantB);
    await o.publish('subject.profile.blacklisted', { profileId: uuid(), subjectRef: `user:${b.id}`, reason: 'Lista OFAC', listCode: 'OFAC' }, tenantA);
    for (const id of [open1, open2]) {
      const a = await waitFor(async () => { const x = await o.app(id, staff); return x.status === 'REJECTED' ? x : null; }, 20_000);
      expect(a.decisionReason).toBe('BLACKLISTED: Lista OFAC');
    }
    expect((await o.app(withdrawn, staff)).status).toBe('WITHDRAWN');
    expect((await o.app(untouched, staff)).status).toBe('IN_PROGRESS');
  });
});
