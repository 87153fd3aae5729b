/**
 * The origination contract, flow's side: lending publishes `lending.verification.requested` on the
 * real bus; flow starts the execution under the event's tenant (once, however often the event is
 * delivered), drives it with provider calls outside any transaction, and answers with
 * flow.execution.completed / failed carrying the event's externalRef. A flow with public steps
 * waits for its token API; the requester gets a fresh token by externalRef. A process that dies
 * mid-call leaves a lease the resume sweep of another replica takes over.
 */
import crypto from 'node:crypto';
import type { EventEnvelope } from '@imagy/platform/events';
import { createTestBus, createTestDb, createTestIssuer, gql, publishEnvelope, publishEvent, waitFor, waitForConsumerIdle } from '@imagy/platform/testing';
import { startFlow } from '../src/app';
import { VERIFICATIONS_CONSUMER } from '../src/events/on-lending-verification-requested';
import { publishedFlow, SESSION, startFlowRig, SUBMIT, TRIGGER, type FlowRig } from './harness';
import { startFakeOpenSanctions } from './opensanctions-server';

const AUTOMATIC = [
  { key: 'bureau', name: 'Credit bureau', type: 'PROVIDER', capability: 'CREDIT_BUREAU', inputMapping: { documentNumber: 'context.documentNumber' } },
  { key: 'aml', name: 'AML', type: 'PROVIDER', capability: 'AML_SCREENING', inputMapping: { name: 'context.name', documentNumber: 'context.documentNumber' } },
  { key: 'phone', name: 'Phone', type: 'PROVIDER', capability: 'PHONE_LOOKUP', inputMapping: { phone: 'context.phone' } },
];
const AUTOMATIC_RULES = [{ name: 'sanctioned', kind: 'OUTCOME', stepKey: 'aml', outcome: 'REJECTED', condition: { op: 'eq', path: 'steps.aml.matched', value: true } }];
const WITH_FORM = [
  { key: 'applicant', name: 'Applicant', type: 'FORM', inputSchema: { type: 'object', required: ['documentNumber'], properties: { documentNumber: { type: 'string', pattern: '^[0-9]{8}$' } } } },
  { key: 'bureau', name: 'Credit bureau', type: 'PROVIDER', capability: 'CREDIT_BUREAU', inputMapping: { documentNumber: 'steps.applicant.documentNumber' } },
];
const ISSUE = `mutation($input: IssueFlowAccessTokenInput!) { issueFlowAccessToken(input: $input) { request { id status externalRef currentStepKey } accessToken userErrors { code field } } }`;

const request = (externalRef: string, flowCode: string, context: Record<string, unknown>) =>
  ({ applicationId: crypto.randomUUID(), stepKey: 'kyc', flowCode, subjectRef: 'lending:application:1', externalRef, context });

describe('lending.verification.requested -> flow.execution.completed / failed with externalRef', () => {
  let rig: FlowRig;
  let tenant: { tenantId: string; token: string };
  let service: string;

  beforeAll(async () => {
    rig = await startFlowRig('flowverif');
    tenant = await rig.tenant(['tenant_admin']);
    service = await rig.issuer.mint({ tenantId: tenant.tenantId, roles: [], scopes: ['flow:trigger'] });
    await publishedFlow(rig, tenant.token, 'AUTO_KYC', AUTOMATIC, AUTOMATIC_RULES);
    await publishedFlow(rig, tenant.token, 'FORM_KYC', WITH_FORM);
  });
  afterAll(async () => { await rig?.stop(); });

  const completedFor = (ref: string) => rig.event((e) => e.subject === 'flow.execution.completed' && (e.data as { externalRef?: string }).externalRef === ref);

  test('an automatic flow completes by itself; a redelivered event creates one execution; the token never travels on the bus', async () => {
    const ref = `application:${crypto.randomUUID()}:kyc`;
    const sent = await publishEvent(rig.bus, 'lending.verification.requested', request(ref, 'AUTO_KYC', { documentNumber: '12349002', name: 'Ana', phone: '+593991234567' }), { tenantId: tenant.tenantId });
    const done = await completedFor(ref);
    expect(done.tenantId).toBe(tenant.tenantId);
    expect(done.data).toMatchObject({ flowCode: 'AUTO_KYC', subjectRef: 'lending:application:1', outcome: 'REJECTED', externalRef: ref });
    const created = await rig.event((e) => e.subject === 'flow.execution.created' && (e.data as { externalRef?: string }).externalRef === ref);
    expect(created.data).toEqual({ requestId: (done.data as { requestId: string }).requestId, flowId: expect.any(String), flowCode: 'AUTO_KYC', versionId: expect.any(String), subjectRef: 'lending:application:1', externalRef: ref, publicSteps: false });
    expect(JSON.stringify(rig.events)).not.toMatch(/flw_[A-Za-z0-9_-]{20}/);

    // The same event again (a redelivery past the stream's duplicate window): no second execution.
    await publishEnvelope(rig.bus, sent, { msgId: crypto.randomUUID() });
    await waitForConsumerIdle(rig.bus, VERIFICATIONS_CONSUMER);
    expect(await rig.db.sql('select count(*)::int as n, min(status) as status from flow.flow_requests where external_ref = $1', [ref])).toEqual([{ n: 1, status: 'COMPLETED' }]);
    expect(await rig.db.sql('select count(*)::int as n from flow.provider_calls c join flow.flow_requests r on r.id = c.request_id where r.external_ref = $1', [ref])).toEqual([{ n: 2 }]); // bureau, aml (REJECTED there: phone never ran)
    // Staff read it with its externalRef.
    const read = await rig.call(`query($id: ID!) { flowRequest(id: $id) { externalRef status outcome } }`, { id: (done.data as { requestId: string }).requestId }, tenant.token);
    expect(read.data.flowRequest).toEqual({ externalRef: ref, status: 'COMPLETED', outcome: 'REJECTED' });
  });

  test('a flow with public steps waits; the requester gets a fresh token by externalRef (the older one stops working) and the borrower completes it', async () => {
    const ref = `application:${crypto.randomUUID()}:kyc`;
    await publishEvent(rig.bus, 'lending.verification.requested', request(ref, 'FORM_KYC', {}), { tenantId: tenant.tenantId });
    const created = await rig.event((e) => e.subject === 'flow.execution.created' && (e.data as { externalRef?: string }).externalRef === ref);
    expect(created.data).toMatchObject({ publicSteps: true });
    // Visible once the event's transaction committed; waiting at the form.
    const first = await waitFor(async () => {
      const r = await rig.call(ISSUE, { input: { externalRef: ref } }, service);
      return r.data.issueFlowAccessToken.request?.currentStepKey === 'applicant' ? r.data.issueFlowAccessToken : null;
    });
    expect(first).toMatchObject({ request: { status: 'IN_PROGRESS', externalRef: ref }, accessToken: expect.stringMatching(/^flw_/), userErrors: [] });
    const second = (await rig.call(ISSUE, { input: { externalRef: ref } }, tenant.token)).data.issueFlowAccessToken;
    expect(second.accessToken).not.toBe(first.accessToken);
    expect((await rig.call(SESSION, { t: first.accessToken })).data.flowSession.userErrors).toEqual([expect.objectContaining({ code: 'ACCESS_TOKEN_INVALID' })]);

    const submitted = await rig.call(SUBMIT, { input: { accessToken: second.accessToken, stepKey: 'applicant', data: { documentNumber: '12345678' }, idempotencyKey: 's1' } });
    expect(submitted.data.submitFlowStep.session).toMatchObject({ status: 'COMPLETED', outcome: 'APPROVED' });
    expect((await completedFor(ref)).data).toMatchObject({ outcome: 'APPROVED', externalRef: ref });
    // Ended: no more tokens.
    expect((await rig.call(ISSUE, { input: { externalRef: ref } }, service)).data.issueFlowAccessToken).toEqual({ request: null, accessToken: null, userErrors: [{ code: 'REQUEST_FINISHED', field: 'externalRef' }] });
  });

  test('who may issue tokens, and bad externalRefs', async () => {
    const borrower = await rig.issuer.mint({ tenantId: tenant.tenantId, roles: ['borrower'] });
    const refused = await rig.call(ISSUE, { input: { externalRef: 'application:x:kyc' } }, borrower);
    expect(refused.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect((await rig.call(ISSUE, { input: { externalRef: 'nobody' } }, service)).data.issueFlowAccessToken.userErrors).toEqual([{ code: 'REQUEST_NOT_FOUND', field: 'externalRef' }]);
    expect((await rig.call(ISSUE, { input: { externalRef: 'x'.repeat(201) } }, service)).data.issueFlowAccessToken.userErrors).toEqual([{ code: 'EXTERNAL_REF_INVALID', field: 'externalRef' }]);
    // Another tenant's service finds nothing of this tenant's.
    const other = await rig.tenant(['tenant_admin']);
    const ref = `application:${crypto.randomUUID()}:kyc`;
    await publishEvent(rig.bus, 'lending.verification.requested', request(ref, 'FORM_KYC', {}), { tenantId: tenant.tenantId });
    await rig.event((e) => e.subject === 'flow.execution.created' && (e.data as { externalRef?: string }).externalRef === ref);
    await waitForConsumerIdle(rig.bus, VERIFICATIONS_CONSUMER);
    expect((await rig.call(ISSUE, { input: { externalRef: ref } }, other.token)).data.issueFlowAccessToken.userErrors).toEqual([{ code: 'REQUEST_NOT_FOUND', field: 'externalRef' }]);
  });

  test('a request flow cannot start is answered flow.execution.refused (no retries into the DLQ); staff runs carry externalRef null', async () => {
    const ref = `application:${crypto.randomUUID()}:kyc`;
    await publishEvent(rig.bus, 'lending.verification.requested', request(ref, 'NO_SUCH_FLOW', {}), { tenantId: tenant.tenantId });
    const refused = await rig.event((e) => e.subject === 'flow.execution.refused' && (e.data as { externalRef?: string }).externalRef === ref);
    expect(refused.data).toEqual({ externalRef: ref, flowCode: 'NO_SUCH_FLOW', code: 'FLOW_NOT_FOUND', field: 'flowCode' });
    const badSubject = `application:${crypto.randomUUID()}:kyc`;
    await publishEvent(rig.bus, 'lending.verification.requested', { ...request(badSubject, 'AUTO_KYC', {}), subjectRef: 'a\u0000b' }, { tenantId: tenant.tenantId });
    expect((await rig.event((e) => e.subject === 'flow.execution.refused' && (e.data as { externalRef?: string }).externalRef === badSubject)).data).toMatchObject({ code: 'SUBJECT_REF_INVALID', field: 'subjectRef' });
    expect(await rig.db.sql('select count(*)::int as n from flow.flow_requests where external_ref in ($1, $2)', [ref, badSubject])).toEqual([{ n: 0 }]);

    const staff = await rig.call(TRIGGER, { input: { flowCode: 'AUTO_KYC', subjectRef: 'lending:application:2', context: { documentNumber: '12345678', name: 'Ana', phone: '+593991234567' } } }, tenant.token);
    const requestId = staff.data.triggerExecution.request.id;
    expect(staff.data.triggerExecution.request.status).toBe('COMPLETED');
    const done: EventEnvelope = await rig.event((e) => e.subject === 'flow.execution.completed' && (e.data as { requestId: string }).requestId === requestId);
    expect(done.data).toMatchObject({ outcome: 'APPROVED', externalRef: null });
  });
});

describe('a process that dies mid-call: another replica takes the step over after its lease', () => {
  test('the resume sweep calls the provider again and records the step once', async () => {
    const db = await createTestDb('flowlease');
    const bus = await createTestBus();
    const issuer = await createTestIssuer();
    const provider = await startFakeOpenSanctions();
    const base = { adminUrl: db.adminUrl, port: 0, host: '127.0.0.1', nc: bus.nc, ns: bus.ns, signer: bus.signer, verifier: issuer.verifier, expirySweepMs: 0, allowPrivateProviderUrls: true, openSanctionsApiKey: 'test-key' };
    const limits = { retries: 0, backoffInitialMs: 1, backoffMaxMs: 1, leaseMarginMs: 300 };
    const dying = await startFlow({ ...base, resumeSweepMs: 0, gatewayLimits: limits });
    let survivor: Awaited<ReturnType<typeof startFlow>> | null = null;
    try {
      const tenantId = crypto.randomUUID();
      const admin = await issuer.mint({ tenantId, roles: ['tenant_admin'] });
      const rigLike: Pick<FlowRig, 'call'> = { call: (q, v, t) => gql(dying.url, q, v, { token: t }) };
      await publishedFlow(rigLike, admin, 'AML_ONLY', [{ key: 'aml', name: 'AML', type: 'PROVIDER', capability: 'AML_SCREENING', inputMapping: { name: 'context.name' }, timeoutMs: 1000 }]);
      const config = await gql(dying.url, `mutation($input: SetProviderConfigInput!) { setProviderConfig(input: $input) { userErrors { code } } }`, { input: { capability: 'AML_SCREENING', providers: [{ provider: 'opensanctions', baseUrl: provider.url }] } }, { token: admin });
      expect(config.data.setProviderConfig.userErrors).toEqual([]);

      provider.stall = true;
      const ref = `application:${crypto.randomUUID()}:aml`;
      await publishEvent(bus, 'lending.verification.requested', request(ref, 'AML_ONLY', { name: 'Ana Pérez' }), { tenantId });
      await waitFor(async () => provider.requests.length === 1);
      await dying.stop(); // dies with the call in flight: its answer can never be recorded
      provider.stall = false;

      survivor = await startFlow({ ...base, resumeSweepMs: 100, gatewayLimits: limits });
      const done = await waitFor(async () => {
        const rows = await db.sql<{ envelope: EventEnvelope }>(`select envelope from flow.outbox where subject = 'flow.execution.completed'`);
        return rows.find((r) => (r.envelope.data as { externalRef?: string }).externalRef === ref)?.envelope ?? null;
      }, 20_000);
      expect(done.data).toMatchObject({ outcome: 'APPROVED', externalRef: ref });
      expect(provider.requests.length).toBe(2);
      expect(await db.sql(`select step_key, status from flow.flow_step_results`)).toEqual([{ step_key: 'aml', status: 'COMPLETED' }]);
      expect(await db.sql(`select provider, outcome from flow.provider_calls`)).toEqual([{ provider: 'opensanctions', outcome: 'SUCCESS' }]);
    } finally {
      await survivor?.stop();
      await provider.close();
      await bus.close();
      await db.drop();
    }
  });

  test('an execution whose life ends while its provider call is in flight ends EXPIRED when the answer comes back (the call is recorded), with flow.execution.failed carrying the externalRef', async () => {
    const provider = await startFakeOpenSanctions();
    const rig = await startFlowRig('flowleaseexp', { allowPrivateProviderUrls: true, openSanctionsApiKey: 'test-key', resumeSweepMs: 0, gatewayLimits: { retries: 0, backoffInitialMs: 1, backoffMaxMs: 1 } });
    try {
      const t = await rig.tenant(['tenant_admin']);
      await publishedFlow(rig, t.token, 'AML_SLOW', [{ key: 'aml', name: 'AML', type: 'PROVIDER', capability: 'AML_SCREENING', inputMapping: { name: 'context.name' }, timeoutMs: 1000 }]);
      expect((await rig.call(`mutation($input: SetProviderConfigInput!) { setProviderConfig(input: $input) { userErrors { code } } }`, { input: { capability: 'AML_SCREENING', providers: [{ provider: 'opensanctions', baseUrl: provider.url }] } }, t.token)).data.setProviderConfig.userErrors).toEqual([]);
      provider.stall = true;
      const ref = `application:${crypto.randomUUID()}:aml`;
      await publishEvent(rig.bus, 'lending.verification.requested', request(ref, 'AML_SLOW', { name: 'Ana' }), { tenantId: t.tenantId });
      await waitFor(async () => provider.requests.length === 1);
      // Its life ends while the call is in flight (a session of at least 60 s cannot end inside a test otherwise).
      await rig.db.sql(`update flow.flow_requests set expires_at = clock_timestamp() - interval '1 second' where external_ref = $1`, [ref]);
      const failed = await rig.event((e) => e.subject === 'flow.execution.failed' && (e.data as { externalRef?: string }).externalRef === ref);
      expect(failed.data).toMatchObject({ reason: 'EXPIRED', stepKey: 'aml', externalRef: ref });
      expect(await rig.db.sql(`select r.status, c.outcome from flow.flow_requests r join flow.provider_calls c on c.request_id = r.id where r.external_ref = $1`, [ref])).toEqual([{ status: 'EXPIRED', outcome: 'TIMEOUT' }]);
      expect(await rig.db.sql(`select count(*)::int as n from flow.flow_step_results s join flow.flow_requests r on r.id = s.request_id where r.external_ref = $1`, [ref])).toEqual([{ n: 0 }]);
    } finally {
      provider.stall = false;
      await rig.stop();
      await provider.close();
    }
  });
});
