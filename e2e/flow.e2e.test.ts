/**
 * Flow's journey through the gateway: a tenant admin builds a three-step flow with rules and
 * publishes it, staff trigger an execution, the public side completes it with the access token
 * (no login), and the outcome and events come out; a failing provider makes the router fail over,
 * an open circuit short-circuits and recovers after the half-open probe; a published version
 * cannot be edited; foreign tokens and bad step data advance nothing; documents go through the
 * gateway's /flow/files/ pass-through; lending.verification.requested starts a run whose token the
 * requester gets by externalRef.
 */
import { jetstream } from '@nats-io/jetstream';
import type { EventEnvelope } from '@imagy/platform/events';
import { logicalSubject, streamName } from '@imagy/platform/events';
import { publishEvent, waitFor } from '@imagy/platform/testing';
import { CREATE_TENANT, CREATE_USER, DEV_PASSWORD, startPlatform, type Platform } from './harness';
import { startFakeOpenSanctions, type FakeOpenSanctions } from '../subgraphs/flow/test/opensanctions-server';

const CREATE_FLOW = `mutation($input: CreateFlowInput!) { createFlow(input: $input) { flow { id draftVersion { id } } userErrors { code } } }`;
const ADD_STEP = `mutation($input: AddFlowStepInput!) { addFlowStep(input: $input) { step { id key } userErrors { code field } } }`;
const ADD_RULE = `mutation($input: AddFlowRuleInput!) { addFlowRule(input: $input) { rule { id } userErrors { code field } } }`;
const PUBLISH = `mutation($input: FlowVersionRefInput!) { publishFlowVersion(input: $input) { version { status } userErrors { code } } }`;
const SET_CONFIG = `mutation($input: SetProviderConfigInput!) { setProviderConfig(input: $input) { config { capability } userErrors { code field } } }`;
const TRIGGER = `mutation($input: TriggerExecutionInput!) { triggerExecution(input: $input) { request { id status currentStepKey } accessToken userErrors { code } } }`;
const SESSION = `query($t: String!) { flowSession(accessToken: $t) { session { status outcome currentStep { key type } completedStepKeys } userErrors { code field } } }`;
const SUBMIT = `mutation($input: SubmitFlowStepInput!) { submitFlowStep(input: $input) { session { status outcome completedStepKeys } replayed userErrors { code field } } }`;
const REQUEST = `query($id: ID!) { flowRequest(id: $id) { status outcome summary version { number } flow { code } steps { stepKey status } providerCalls { provider outcome attempts } } }`;

describe('flow, end to end through the gateway', () => {
  let p: Platform;
  let os: FakeOpenSanctions;
  const events: EventEnvelope[] = [];
  let stopReading: () => Promise<void> = async () => undefined;

  beforeAll(async () => {
    os = await startFakeOpenSanctions();
    p = await startPlatform({
      label: 'e2eflow',
      // The fake OpenSanctions listens on loopback: this installation allows it explicitly.
      flow: { allowPrivateProviderUrls: true, openSanctionsApiKey: 'test-key', gatewayLimits: { retries: 1, backoffInitialMs: 1, backoffMaxMs: 5, breakerFailures: 2, halfOpenAfterMs: 5_000 } },
    });
    const consumer = await jetstream(p.bus.nc).consumers.get(streamName(p.bus.ns, 'flow'));
    const messages = await consumer.consume();
    const reading = (async () => { for await (const m of messages) { const e = m.json<EventEnvelope>(); events.push({ ...e, subject: logicalSubject(p.bus.ns, e.subject) as EventEnvelope['subject'] }); } })();
    stopReading = async () => { await messages.close(); await reading.catch(() => undefined); };
  });
  afterAll(async () => { await stopReading(); await p?.stop(); await os?.close(); });

  /** A new tenant through the gateway, and its admin's access token. */
  async function tenantWithAdmin(slug: string, name: string): Promise<{ tenantId: string; admin: string }> {
    const platformAdmin = await p.login('platform', 'admin@platform.localhost', DEV_PASSWORD);
    const t = await p.call(CREATE_TENANT, { input: { slug, name, hostnames: [`${slug}.example.test`], currency: 'MXN' } }, platformAdmin.accessToken);
    const tenantId = t.data.createTenant.tenant.id as string;
    await p.call(CREATE_USER, { input: { tenantId, email: `admin@${slug}.test`, displayName: 'Admin', roles: ['tenant_admin'], password: 'admin-password-1' } }, platformAdmin.accessToken);
    return { tenantId, admin: (await p.login(slug, `admin@${slug}.test`, 'admin-password-1')).accessToken };
  }

  test('build, publish, trigger, complete by token; failover, breaker and recovery; immutability and bad tokens', async () => {
    const { tenantId, admin } = await tenantWithAdmin('verifica', 'Verifica');

    // Build: three steps (form, bureau, AML) and two rules.
    const created = await p.call(CREATE_FLOW, { input: { code: 'ONBOARDING', name: 'Onboarding' } }, admin);
    expect(created.errors).toBeUndefined();
    const versionId = created.data.createFlow.flow.draftVersion.id;
    const steps = [
      { key: 'applicant', name: 'Applicant', type: 'FORM', inputSchema: { type: 'object', required: ['name', 'documentNumber'], properties: { name: { type: 'string', minLength: 1 }, documentNumber: { type: 'string', pattern: '^[0-9]{8}$' } } } },
      { key: 'bureau', name: 'Bureau', type: 'PROVIDER', capability: 'CREDIT_BUREAU', inputMapping: { documentNumber: 'steps.applicant.documentNumber' } },
      { key: 'aml', name: 'AML', type: 'PROVIDER', capability: 'AML_SCREENING', inputMapping: { name: 'steps.applicant.name', documentNumber: 'steps.applicant.documentNumber' } },
    ];
    for (const s of steps) expect((await p.call(ADD_STEP, { input: { versionId, ...s } }, admin)).data.addFlowStep.userErrors).toEqual([]);
    const invalid = await p.call(ADD_RULE, { input: { versionId, name: 'bad', kind: 'OUTCOME', outcome: 'REJECTED', condition: { all: [{ op: 'eq', path: 'steps.aml.matched' }] } } }, admin);
    expect(invalid.data.addFlowRule.userErrors).toEqual([{ code: 'RULE_INVALID', field: 'condition$.all[0].value' }]);
    for (const rule of [
      { name: 'listed', kind: 'OUTCOME', stepKey: 'aml', outcome: 'REJECTED', condition: { op: 'eq', path: 'steps.aml.matched', value: true } },
      { name: 'low score', kind: 'OUTCOME', outcome: 'REVIEW', condition: { any: [{ op: 'lt', path: 'steps.bureau.score', value: 600 }, { op: 'exists', path: 'steps.bureau.score', value: false }] } },
    ]) expect((await p.call(ADD_RULE, { input: { versionId, ...rule } }, admin)).data.addFlowRule.userErrors).toEqual([]);
    expect((await p.call(PUBLISH, { input: { versionId } }, admin)).data.publishFlowVersion).toEqual({ version: { status: 'PUBLISHED' }, userErrors: [] });
    // Published: immutable.
    expect((await p.call(ADD_STEP, { input: { versionId, key: 'late', name: 'Late', type: 'FORM' } }, admin)).data.addFlowStep.userErrors).toEqual([{ code: 'VERSION_NOT_DRAFT', field: 'versionId' }]);
    // AML goes to OpenSanctions first, then the mock.
    expect((await p.call(SET_CONFIG, { input: { capability: 'AML_SCREENING', providers: [{ provider: 'opensanctions', baseUrl: os.url, dataset: 'default' }, { provider: 'mock' }] } }, admin)).data.setProviderConfig.userErrors).toEqual([]);

    const run = async (name: string, documentNumber: string, key: string) => {
      const trig = await p.call(TRIGGER, { input: { flowCode: 'ONBOARDING', subjectRef: `lending:application:${key}`, context: {}, idempotencyKey: key } }, admin);
      expect(trig.data.triggerExecution.request).toMatchObject({ status: 'IN_PROGRESS', currentStepKey: 'applicant' });
      const token = trig.data.triggerExecution.accessToken as string;
      // The public side: no login, only the token.
      expect((await p.call(SESSION, { t: token })).data.flowSession.session).toMatchObject({ status: 'IN_PROGRESS', currentStep: { key: 'applicant', type: 'FORM' } });
      const done = await p.call(SUBMIT, { input: { accessToken: token, stepKey: 'applicant', data: { name, documentNumber }, idempotencyKey: `${key}-1` } });
      expect(done.errors).toBeUndefined();
      const request = (await p.call(REQUEST, { id: trig.data.triggerExecution.request.id }, admin)).data.flowRequest;
      return { token, session: done.data.submitFlowStep.session, request, id: trig.data.triggerExecution.request.id as string };
    };

    // A clean applicant, OpenSanctions answering: APPROVED, events out.
    const clean = await run('Ana Pérez', '12345678', 'a1');
    expect(clean.session).toEqual({ status: 'COMPLETED', outcome: 'APPROVED', completedStepKeys: ['applicant', 'bureau', 'aml'] });
    expect(clean.request).toMatchObject({ status: 'COMPLETED', outcome: 'APPROVED', version: { number: 1 }, flow: { code: 'ONBOARDING' }, providerCalls: [{ provider: 'mock', outcome: 'SUCCESS' }, { provider: 'opensanctions', outcome: 'SUCCESS', attempts: 1 }] });
    const completed = await waitFor(async () => events.find((e) => e.subject === 'flow.execution.completed' && (e.data as { requestId: string }).requestId === clean.id), 20_000, 25);
    expect(completed.tenantId).toBe(tenantId);
    expect(completed.data).toMatchObject({ outcome: 'APPROVED', subjectRef: 'lending:application:a1' });
    await waitFor(async () => events.filter((e) => e.subject === 'flow.step.completed' && (e.data as { requestId: string }).requestId === clean.id).length === 3, 20_000, 25);
    await waitFor(async () => events.filter((e) => e.subject === 'flow.provider.called' && (e.data as { requestId: string }).requestId === clean.id).length === 2, 20_000, 25);

    // Rules: a listed name is REJECTED, a thin file goes to REVIEW.
    expect((await run('Sanctioned Person', '12345678', 'a2')).session.outcome).toBe('REJECTED');
    expect((await run('Luis', '12349001', 'a3')).session.outcome).toBe('REVIEW');

    // OpenSanctions down: failover to the mock; after two failed attempts the circuit opens and short-circuits.
    os.down = true;
    const failedOver = await run('Ana Pérez', '12345678', 'b1');
    expect(failedOver.request.providerCalls.slice(1)).toEqual([{ provider: 'opensanctions', outcome: 'FAILURE', attempts: 2 }, { provider: 'mock', outcome: 'SUCCESS', attempts: 1 }]);
    expect(failedOver.session.outcome).toBe('APPROVED');
    const seen = os.requests.length;
    const shorted = await run('Ana Pérez', '12345678', 'b2');
    expect(shorted.request.providerCalls.slice(1)).toEqual([{ provider: 'opensanctions', outcome: 'SHORT_CIRCUITED', attempts: 0 }, { provider: 'mock', outcome: 'SUCCESS', attempts: 1 }]);
    expect(os.requests.length).toBe(seen);
    os.down = false;
    let n = 0;
    const recovered = await waitFor(async () => {
      const r = await run('Ana Pérez', '12345678', `c${(n += 1)}`);
      return r.request.providerCalls[1].outcome === 'SUCCESS' ? r : null;
    }, 30_000, 50);
    expect(recovered.request.providerCalls.slice(1)).toEqual([{ provider: 'opensanctions', outcome: 'SUCCESS', attempts: 1 }]);

    // Bad step data and foreign tokens advance nothing.
    const open = await p.call(TRIGGER, { input: { flowCode: 'ONBOARDING', subjectRef: 'x', context: {} } }, admin);
    const token = open.data.triggerExecution.accessToken as string;
    const bad = await p.call(SUBMIT, { input: { accessToken: token, stepKey: 'applicant', data: { name: 'Ana', documentNumber: 'ABC' }, idempotencyKey: 'bad' } });
    expect(bad.data.submitFlowStep.userErrors).toEqual([{ code: 'STEP_DATA_INVALID', field: 'data.documentNumber' }]);
    const forged = `${token.slice(0, 10)}${token[10] === 'A' ? 'B' : 'A'}${token.slice(11)}`;
    expect((await p.call(SESSION, { t: forged })).data.flowSession.userErrors).toEqual([{ code: 'ACCESS_TOKEN_INVALID', field: 'accessToken' }]);
    expect((await p.call(SESSION, { t: token })).data.flowSession.session).toMatchObject({ status: 'IN_PROGRESS', completedStepKeys: [] });
  });

  test('documents through the gateway: signed upload and download URLs on the public origin, checked by flow; nothing else of flow is reachable', async () => {
    const { tenantId, admin } = await tenantWithAdmin('papeles', 'Papeles');
    const versionId = (await p.call(CREATE_FLOW, { input: { code: 'DOCS', name: 'Docs' } }, admin)).data.createFlow.flow.draftVersion.id;
    expect((await p.call(ADD_STEP, { input: { versionId, key: 'id_card', name: 'ID card', type: 'DOCUMENT' } }, admin)).data.addFlowStep.userErrors).toEqual([]);
    expect((await p.call(PUBLISH, { input: { versionId } }, admin)).data.publishFlowVersion.userErrors).toEqual([]);
    const trig = await p.call(TRIGGER, { input: { flowCode: 'DOCS', subjectRef: 'lending:application:d1', context: {} } }, admin);
    const token = trig.data.triggerExecution.accessToken as string;

    const bytes = Buffer.from('%PDF-1.7 a small test document');
    const up = await p.call(`mutation($input: RequestFlowUploadInput!) { requestFlowUpload(input: $input) { upload { fileId url method headers } userErrors { code field } } }`,
      { input: { accessToken: token, stepKey: 'id_card', contentType: 'application/pdf', sizeBytes: bytes.length } });
    const upload = up.data.requestFlowUpload.upload;
    // The URL is on the gateway's origin, not the subgraph's.
    expect(upload.url.startsWith(`${p.gatewayUrl.replace(/\/graphql$/, '')}/flow/files/${tenantId}/${upload.fileId}?`)).toBe(true);
    expect(upload.url).not.toContain(new URL(p.flowUrl).port);

    // A tampered signature is refused by flow (through the gateway), and no bytes are stored.
    const tampered = upload.url.replace(/sig=([^&]{4})/, 'sig=AAAA');
    expect((await fetch(tampered, { method: 'PUT', headers: { 'content-type': 'application/pdf' }, body: bytes })).status).toBe(403);
    const put = await fetch(upload.url, { method: 'PUT', headers: { 'content-type': 'application/pdf' }, body: bytes });
    expect(put.status).toBe(201);
    const sha256 = (await import('node:crypto')).createHash('sha256').update(bytes).digest('hex');
    expect(await put.json()).toEqual({ sha256, sizeBytes: bytes.length });
    // Once only.
    expect((await fetch(upload.url, { method: 'PUT', headers: { 'content-type': 'application/pdf' }, body: bytes })).status).toBe(409);

    const done = await p.call(SUBMIT, { input: { accessToken: token, stepKey: 'id_card', data: { fileIds: [upload.fileId] }, idempotencyKey: 'd1' } });
    expect(done.data.submitFlowStep.session).toMatchObject({ status: 'COMPLETED', outcome: 'APPROVED' });
    const files = (await p.call(`query($id: ID!) { flowRequest(id: $id) { files { sha256 downloadUrl } } }`, { id: trig.data.triggerExecution.request.id }, admin)).data.flowRequest.files;
    expect(files).toEqual([{ sha256, downloadUrl: expect.stringContaining(`${p.gatewayUrl.replace(/\/graphql$/, '')}/flow/files/`) }]);
    const got = await fetch(files[0].downloadUrl);
    expect(got.status).toBe(200);
    expect(got.headers.get('x-content-type-options')).toBe('nosniff');
    expect(Buffer.from(await got.arrayBuffer())).toEqual(bytes);

    // Only the file routes pass: other paths and methods under /flow/ answer 404 without flow's internals.
    const base = p.gatewayUrl.replace(/\/graphql$/, '');
    for (const [method, path] of [['GET', '/flow/files/x/y'], ['GET', `/flow/files/${tenantId}`], ['DELETE', new URL(files[0].downloadUrl).pathname], ['GET', '/flow/files/..%2Fgraphql'], ['GET', '/flow/health']]) {
      const r = await fetch(`${base}${path}`, { method });
      expect([method, path, r.status]).toEqual([method, path, 404]);
      expect(await r.text()).not.toMatch(/127\.0\.0\.1|localhost|stack/i);
    }
  });

  test('the origination contract through the gateway: lending.verification.requested starts a run, the requester gets its token by externalRef, the person completes it, the outcome carries the externalRef', async () => {
    const { tenantId, admin } = await tenantWithAdmin('contrato', 'Contrato');
    const versionId = (await p.call(CREATE_FLOW, { input: { code: 'KYC_EVENT', name: 'KYC' } }, admin)).data.createFlow.flow.draftVersion.id;
    for (const step of [
      { key: 'applicant', name: 'Applicant', type: 'FORM', inputSchema: { type: 'object', required: ['documentNumber'], properties: { documentNumber: { type: 'string', pattern: '^[0-9]{8}$' } } } },
      { key: 'bureau', name: 'Bureau', type: 'PROVIDER', capability: 'CREDIT_BUREAU', inputMapping: { documentNumber: 'steps.applicant.documentNumber' } },
    ]) expect((await p.call(ADD_STEP, { input: { versionId, ...step } }, admin)).data.addFlowStep.userErrors).toEqual([]);
    expect((await p.call(PUBLISH, { input: { versionId } }, admin)).data.publishFlowVersion.userErrors).toEqual([]);

    const externalRef = 'application:8d6f0a52-1111-4c3b-9c55-0b1f5e0c0e01:kyc';
    await publishEvent(p.bus, 'lending.verification.requested', { applicationId: '8d6f0a52-1111-4c3b-9c55-0b1f5e0c0e01', stepKey: 'kyc', flowCode: 'KYC_EVENT', subjectRef: 'lending:application:e1', externalRef, context: { amount: 5000 } }, { tenantId });
    const created = await waitFor(async () => events.find((e) => e.subject === 'flow.execution.created' && (e.data as { externalRef?: string }).externalRef === externalRef), 20_000, 25);
    expect(created.data).toMatchObject({ flowCode: 'KYC_EVENT', publicSteps: true });
    const ISSUE = `mutation($input: IssueFlowAccessTokenInput!) { issueFlowAccessToken(input: $input) { request { id status currentStepKey externalRef } accessToken userErrors { code field } } }`;
    const issued = await waitFor(async () => {
      const r = (await p.call(ISSUE, { input: { externalRef } }, admin)).data.issueFlowAccessToken;
      return r.request?.currentStepKey === 'applicant' ? r : null;
    }, 20_000, 50);
    expect(issued).toMatchObject({ request: { status: 'IN_PROGRESS', externalRef }, accessToken: expect.stringMatching(/^flw_/), userErrors: [] });
    const done = await p.call(SUBMIT, { input: { accessToken: issued.accessToken, stepKey: 'applicant', data: { documentNumber: '12345678' }, idempotencyKey: 'e1' } });
    expect(done.data.submitFlowStep.session).toMatchObject({ status: 'COMPLETED', outcome: 'APPROVED' });
    const completed = await waitFor(async () => events.find((e) => e.subject === 'flow.execution.completed' && (e.data as { externalRef?: string }).externalRef === externalRef), 20_000, 25);
    expect(completed.tenantId).toBe(tenantId);
    expect(completed.data).toMatchObject({ requestId: issued.request.id, outcome: 'APPROVED', subjectRef: 'lending:application:e1' });
  });
});
