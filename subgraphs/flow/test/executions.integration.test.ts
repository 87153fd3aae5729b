import { Kvm } from '@nats-io/kv';
import { startFlow, type RunningFlow } from '../src/app';
import { ADD_STEP, CREATE_FLOW, PUBLISH, publishedFlow, SESSION, startFlowRig, SUBMIT, TRIGGER, type FlowRig } from './harness';
import { gql } from '@imagy/platform/testing';

const APPLICANT_SCHEMA = {
  type: 'object', additionalProperties: false, required: ['name', 'documentNumber'],
  properties: { name: { type: 'string', minLength: 1, maxLength: 120 }, documentNumber: { type: 'string', pattern: '^[0-9]{8}$' }, birthDate: { type: 'string', format: 'date' } },
};
const STEPS = [
  { key: 'applicant', name: 'Applicant', type: 'FORM', inputSchema: APPLICANT_SCHEMA },
  { key: 'bureau', name: 'Credit bureau', type: 'PROVIDER', capability: 'CREDIT_BUREAU', inputMapping: { documentNumber: 'steps.applicant.documentNumber' } },
  { key: 'aml', name: 'AML', type: 'PROVIDER', capability: 'AML_SCREENING', inputMapping: { name: 'steps.applicant.name', documentNumber: 'steps.applicant.documentNumber' } },
];
const RULES = [
  { name: 'no bureau for small amounts', kind: 'SKIP_STEP', stepKey: 'bureau', condition: { op: 'lt', path: 'context.amount', value: 1000 } },
  { name: 'sanctioned', kind: 'OUTCOME', stepKey: 'aml', outcome: 'REJECTED', condition: { op: 'eq', path: 'steps.aml.matched', value: true } },
  { name: 'fraud or thin file', kind: 'OUTCOME', outcome: 'REVIEW', condition: { any: [{ op: 'eq', path: 'steps.bureau.thinFile', value: true }, { op: 'eq', path: 'steps.bureau.fraudAlert', value: true }] } },
];

describe('executions: trigger, the public token API, the engine and its events', () => {
  let rig: FlowRig;
  let tenant: { tenantId: string; token: string };
  let kvm: Kvm;
  const bucket = () => kvm.open(`${rig.bus.ns.streamPrefix}flow_sessions`);

  beforeAll(async () => {
    rig = await startFlowRig('flowexec');
    tenant = await rig.tenant(['tenant_admin']);
    kvm = new Kvm(rig.bus.nc);
    await publishedFlow(rig, tenant.token, 'KYC', STEPS, RULES);
  });
  afterAll(async () => { await rig?.stop(); });

  async function trigger(context: Record<string, unknown>, extra: Record<string, unknown> = {}, token = tenant.token) {
    const r = await rig.call(TRIGGER, { input: { flowCode: 'KYC', subjectRef: 'lending:application:1', context, ...extra } }, token);
    expect(r.errors).toBeUndefined();
    return r.data.triggerExecution;
  }

  test('a clean applicant: the form waits, bad data advances nothing, good data runs both providers and completes APPROVED with events', async () => {
    const t = await trigger({ amount: 5000 }, { idempotencyKey: 'app-1' });
    expect(t.userErrors).toEqual([]);
    expect(t.accessToken).toMatch(/^flw_/);
    expect(t.request).toMatchObject({ status: 'IN_PROGRESS', currentStepKey: 'applicant', version: { number: 1 } });
    const requestId = t.request.id;
    // Only the hash of the token is stored.
    const stored = await rig.db.sql<{ token_hash: Buffer }>('select token_hash from flow.flow_requests where id = $1', [requestId]);
    expect(stored[0]!.token_hash.toString('utf8')).not.toContain(t.accessToken.slice(4, 20));
    // The session lives in NATS KV.
    const entry = await (await bucket()).get(requestId);
    expect(entry?.json<{ done: string[]; data: { context: unknown } }>()).toMatchObject({ done: [], data: { context: { amount: 5000 } } });

    const session = await rig.call(SESSION, { t: t.accessToken });
    expect(session.data.flowSession).toEqual({ session: { status: 'IN_PROGRESS', outcome: null, currentStep: { key: 'applicant', type: 'FORM', inputSchema: APPLICANT_SCHEMA }, completedStepKeys: [] }, userErrors: [] });

    const bad = await rig.call(SUBMIT, { input: { accessToken: t.accessToken, stepKey: 'applicant', data: { name: 'Ana', documentNumber: '12-34' }, idempotencyKey: 'k1' } });
    expect(bad.data.submitFlowStep).toEqual({ session: null, replayed: false, userErrors: [expect.objectContaining({ code: 'STEP_DATA_INVALID', field: 'data.documentNumber' })] });
    const wrongStep = await rig.call(SUBMIT, { input: { accessToken: t.accessToken, stepKey: 'aml', data: {}, idempotencyKey: 'k1' } });
    expect(wrongStep.data.submitFlowStep.userErrors).toEqual([expect.objectContaining({ code: 'STEP_NOT_CURRENT', field: 'stepKey' })]);
    expect(await rig.db.sql('select count(*)::int as n from flow.flow_step_results where request_id = $1', [requestId])).toEqual([{ n: 0 }]);

    const good = await rig.call(SUBMIT, { input: { accessToken: t.accessToken, stepKey: 'applicant', data: { name: 'Ana Pérez', documentNumber: '12345678' }, idempotencyKey: 'k2' } });
    expect(good.data.submitFlowStep).toEqual({ session: { status: 'COMPLETED', outcome: 'APPROVED', currentStep: null, completedStepKeys: ['applicant', 'bureau', 'aml'] }, replayed: false, userErrors: [] });

    const done = await rig.event((e) => e.subject === 'flow.execution.completed' && (e.data as { requestId: string }).requestId === requestId);
    expect(done.data).toMatchObject({ outcome: 'APPROVED', flowCode: 'KYC', subjectRef: 'lending:application:1', summary: { decidedBy: null, steps: { applicant: { type: 'FORM', status: 'COMPLETED' }, bureau: { type: 'PROVIDER', output: { score: 720, provider: 'mock' } }, aml: { output: { matched: false } } } } });
    // The summary carries provider verdicts, never the document number the person typed.
    expect(JSON.stringify(done.data)).not.toContain('12345678');
    const stepEvents = rig.events.filter((e) => e.subject === 'flow.step.completed' && (e.data as { requestId: string }).requestId === requestId);
    expect(stepEvents.map((e) => (e.data as { stepKey: string }).stepKey)).toEqual(['applicant', 'bureau', 'aml']);
    const calls = rig.events.filter((e) => e.subject === 'flow.provider.called' && (e.data as { requestId: string }).requestId === requestId);
    expect(calls.map((e) => e.data)).toEqual([
      expect.objectContaining({ capability: 'CREDIT_BUREAU', provider: 'mock', outcome: 'SUCCESS', attempts: 1, costReference: expect.stringMatching(/^mock:credit_bureau:/) }),
      expect.objectContaining({ capability: 'AML_SCREENING', provider: 'mock', outcome: 'SUCCESS', attempts: 1 }),
    ]);
    // The ended session is gone from KV.
    expect((await (await bucket()).get(requestId))?.operation).not.toBe('PUT');

    // Idempotent: the same key and data replays, nothing runs again; the same key with other data is refused.
    const replay = await rig.call(SUBMIT, { input: { accessToken: t.accessToken, stepKey: 'applicant', data: { documentNumber: '12345678', name: 'Ana Pérez' }, idempotencyKey: 'k2' } });
    expect(replay.data.submitFlowStep).toMatchObject({ replayed: true, session: { status: 'COMPLETED' }, userErrors: [] });
    const reused = await rig.call(SUBMIT, { input: { accessToken: t.accessToken, stepKey: 'applicant', data: { name: 'Other', documentNumber: '12345678' }, idempotencyKey: 'k2' } });
    expect(reused.data.submitFlowStep.userErrors).toEqual([expect.objectContaining({ code: 'IDEMPOTENCY_KEY_REUSED' })]);
    expect(await rig.db.sql('select count(*)::int as n from flow.provider_calls where request_id = $1', [requestId])).toEqual([{ n: 2 }]);

    // Triggering again with the same key returns the first execution, with no new token.
    const again = await trigger({ amount: 5000 }, { idempotencyKey: 'app-1' });
    expect(again).toMatchObject({ replayed: true, accessToken: null, request: { id: requestId, status: 'COMPLETED', outcome: 'APPROVED' } });
    const conflict = await trigger({ amount: 1 }, { idempotencyKey: 'app-1' });
    expect(conflict.userErrors).toEqual([expect.objectContaining({ code: 'IDEMPOTENCY_KEY_REUSED', field: 'idempotencyKey' })]);
  });

  test('rules decide: sanctioned is REJECTED after AML, a thin file goes to REVIEW, a small amount skips the bureau', async () => {
    const run = async (context: Record<string, unknown>, documentNumber: string) => {
      const t = await trigger(context);
      const r = await rig.call(SUBMIT, { input: { accessToken: t.accessToken, stepKey: 'applicant', data: { name: 'Ana', documentNumber }, idempotencyKey: 'only' } });
      expect(r.data.submitFlowStep.userErrors).toEqual([]);
      return { id: t.request.id as string, session: r.data.submitFlowStep.session };
    };
    const sanctioned = await run({ amount: 5000 }, '12349002');
    expect(sanctioned.session).toMatchObject({ status: 'COMPLETED', outcome: 'REJECTED' });
    const ev = await rig.event((e) => e.subject === 'flow.execution.completed' && (e.data as { requestId: string }).requestId === sanctioned.id);
    expect(ev.data).toMatchObject({ outcome: 'REJECTED', summary: { decidedBy: 'sanctioned' } });
    expect((await run({ amount: 5000 }, '12349001')).session).toMatchObject({ outcome: 'REVIEW' });
    expect((await run({ amount: 5000 }, '12349003')).session).toMatchObject({ outcome: 'REVIEW' });
    const small = await run({ amount: 500 }, '12349001');
    expect(small.session).toMatchObject({ outcome: 'APPROVED', completedStepKeys: ['applicant', 'bureau', 'aml'] });
    const REQUEST = `query($id: ID!) { flowRequest(id: $id) { status steps { stepKey status } providerCalls { capability } } }`;
    expect((await rig.call(REQUEST, { id: small.id }, tenant.token)).data.flowRequest).toEqual({
      status: 'COMPLETED', steps: [{ stepKey: 'applicant', status: 'COMPLETED' }, { stepKey: 'bureau', status: 'SKIPPED' }, { stepKey: 'aml', status: 'COMPLETED' }], providerCalls: [{ capability: 'AML_SCREENING' }],
    });
  });

  test('unknown, foreign and expired tokens are typed errors and advance nothing', async () => {
    const t = await trigger({ amount: 5000 });
    const token: string = t.accessToken;
    const other = await rig.tenant(['tenant_admin']);
    // The same secret under another tenant's id, a token of another shape, a flipped character.
    const otherTenantHex = Buffer.from(other.tenantId.replace(/-/g, ''), 'hex');
    const raw = Buffer.from(token.slice(4), 'base64url');
    const foreign = `flw_${Buffer.concat([otherTenantHex, raw.subarray(16)]).toString('base64url')}`;
    const flipped = `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`;
    for (const bad of [foreign, flipped, 'flw_short', 'x'.repeat(500)]) {
      const s = await rig.call(SESSION, { t: bad });
      expect(s.data.flowSession).toEqual({ session: null, userErrors: [expect.objectContaining({ code: 'ACCESS_TOKEN_INVALID', field: 'accessToken' })] });
      const sub = await rig.call(SUBMIT, { input: { accessToken: bad, stepKey: 'applicant', data: { name: 'A', documentNumber: '12345678' }, idempotencyKey: 'x' } });
      expect(sub.data.submitFlowStep.userErrors).toEqual([expect.objectContaining({ code: 'ACCESS_TOKEN_INVALID' })]);
    }
    expect(await rig.db.sql('select count(*)::int as n from flow.flow_step_results where request_id = $1', [t.request.id])).toEqual([{ n: 0 }]);

    // Expired: the execution is marked EXPIRED (one event) and the token says so, in Spanish too.
    await rig.db.sql("update flow.flow_requests set expires_at = now() - interval '1 second' where id = $1", [t.request.id]);
    const expired = await rig.call(SUBMIT, { input: { accessToken: token, stepKey: 'applicant', data: { name: 'A', documentNumber: '12345678' }, idempotencyKey: 'x' } }, undefined, { 'accept-language': 'es' });
    expect(expired.data.submitFlowStep.userErrors).toEqual([{ code: 'ACCESS_TOKEN_EXPIRED', field: 'accessToken', message: 'El token de acceso expiró.' }]);
    const failed = await rig.event((e) => e.subject === 'flow.execution.failed' && (e.data as { requestId: string }).requestId === t.request.id);
    expect(failed.data).toMatchObject({ reason: 'EXPIRED', stepKey: 'applicant' });
    expect((await rig.call(SESSION, { t: token })).data.flowSession.userErrors).toEqual([expect.objectContaining({ code: 'ACCESS_TOKEN_EXPIRED' })]);
    expect(await rig.db.sql('select status, (select count(*)::int from flow.flow_step_results where request_id = $1) as results from flow.flow_requests where id = $1', [t.request.id])).toEqual([{ status: 'EXPIRED', results: 0 }]);
  });

  test('the expiry sweep ends executions nobody touched after their expiry (found through the KV sessions)', async () => {
    const t = await trigger({ amount: 5000 });
    const open = await trigger({ amount: 5000 });
    await rig.db.sql("update flow.flow_requests set expires_at = now() - interval '1 second' where id = $1", [t.request.id]);
    expect(await rig.flow.services.executions.sweepExpired()).toBeGreaterThanOrEqual(1);
    const rows = await rig.db.sql('select id, status, failure_code from flow.flow_requests where id = any($1) order by id', [[t.request.id, open.request.id]]);
    expect(Object.fromEntries(rows.map((r) => [r.id, [r.status, r.failure_code]]))).toEqual({ [t.request.id]: ['EXPIRED', 'EXPIRED'], [open.request.id]: ['IN_PROGRESS', null] });
    const ev = await rig.event((e) => e.subject === 'flow.execution.failed' && (e.data as { requestId: string }).requestId === t.request.id);
    expect(ev.data).toMatchObject({ reason: 'EXPIRED' });
    expect((await (await bucket()).get(t.request.id))?.operation).not.toBe('PUT');
    // A second sweep finds nothing more to do (no other execution of this suite is past its expiry and open).
    expect(await rig.flow.services.executions.sweepExpired()).toBe(0);
  });

  test('an execution stays on the version it started with after a new version is published', async () => {
    const { flowId } = await publishedFlow(rig, tenant.token, 'PINNED', STEPS, RULES);
    const t = await trigger({ amount: 5000 }, { flowCode: 'PINNED' });
    const draft = await rig.call(`mutation($input: CreateFlowDraftInput!) { createFlowDraft(input: $input) { version { id steps { id key } } } }`, { input: { flowId } }, tenant.token);
    const v2 = draft.data.createFlowDraft.version;
    // Version 2 asks for a phone first.
    await rig.call(ADD_STEP, { input: { versionId: v2.id, key: 'phone', name: 'Phone', type: 'FORM', position: 0 } }, tenant.token);
    expect((await rig.call(PUBLISH, { input: { versionId: v2.id } }, tenant.token)).data.publishFlowVersion.userErrors).toEqual([]);

    const newer = await trigger({ amount: 5000 }, { flowCode: 'PINNED' });
    expect(newer.request).toMatchObject({ currentStepKey: 'phone', version: { number: 2 } });
    const older = await rig.call(SESSION, { t: t.accessToken });
    expect(older.data.flowSession.session.currentStep.key).toBe('applicant');
    const r = await rig.call(SUBMIT, { input: { accessToken: t.accessToken, stepKey: 'applicant', data: { name: 'Ana', documentNumber: '12345678' }, idempotencyKey: 'v1' } });
    expect(r.data.submitFlowStep.session).toMatchObject({ status: 'COMPLETED', completedStepKeys: ['applicant', 'bureau', 'aml'] });
  });

  test('another replica continues a session that one replica started (state in NATS KV, lock in PostgreSQL)', async () => {
    let replica: RunningFlow | null = null;
    try {
      replica = await startFlow({ adminUrl: rig.db.adminUrl, port: 0, host: '127.0.0.1', nc: rig.bus.nc, ns: rig.bus.ns, signer: rig.bus.signer, verifier: rig.issuer.verifier });
      const t = await trigger({ amount: 5000 });
      const both = await Promise.all([replica.url, rig.flow.url].map((url) => gql(url, SUBMIT, { input: { accessToken: t.accessToken, stepKey: 'applicant', data: { name: 'Ana', documentNumber: '12345678' }, idempotencyKey: 'same' } })));
      // Two replicas, one submission: exactly one ran it, the other replayed it.
      expect(both.map((r) => r.data.submitFlowStep.replayed).sort()).toEqual([false, true]);
      // The one that ran it drove the provider steps (outside the lock) to the end; the replay shows
      // the execution as it was then (its provider steps possibly still in flight), and the session
      // ends COMPLETED either way.
      const ran = both.find((r) => !r.data.submitFlowStep.replayed)!;
      expect(ran.data.submitFlowStep.session).toMatchObject({ status: 'COMPLETED', outcome: 'APPROVED' });
      expect(['IN_PROGRESS', 'COMPLETED']).toContain(both.find((r) => r.data.submitFlowStep.replayed)!.data.submitFlowStep.session.status);
      expect((await rig.call(SESSION, { t: t.accessToken })).data.flowSession.session).toMatchObject({ status: 'COMPLETED', outcome: 'APPROVED' });
      expect(await rig.db.sql('select count(*)::int as n from flow.provider_calls where request_id = $1', [t.request.id])).toEqual([{ n: 2 }]);
    } finally {
      await replica?.stop();
    }
  });

  test('who may trigger: staff and services with flow:trigger; not borrowers; unpublished flows and bad input are userErrors', async () => {
    const service = await rig.issuer.mint({ tenantId: tenant.tenantId, roles: [], scopes: ['flow:trigger'] });
    expect((await trigger({ amount: 1 }, {}, service)).request.status).toBe('IN_PROGRESS');
    const staff = await rig.issuer.mint({ tenantId: tenant.tenantId, roles: ['staff'] });
    expect((await trigger({ amount: 1 }, {}, staff)).userErrors).toEqual([]);
    const borrower = await rig.issuer.mint({ tenantId: tenant.tenantId, roles: ['borrower'] });
    expect((await rig.call(TRIGGER, { input: { flowCode: 'KYC', subjectRef: 's', context: {} } }, borrower)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    await rig.call(CREATE_FLOW, { input: { code: 'UNPUBLISHED', name: 'x' } }, tenant.token);
    const cases: [Record<string, unknown>, string, string][] = [
      [{ flowCode: 'UNPUBLISHED', subjectRef: 's' }, 'FLOW_NOT_PUBLISHED', 'flowCode'],
      [{ flowCode: 'NOPE', subjectRef: 's' }, 'FLOW_NOT_FOUND', 'flowCode'],
      [{ flowCode: 'KYC', subjectRef: ' ' }, 'SUBJECT_REF_INVALID', 'subjectRef'],
      [{ flowCode: 'KYC', subjectRef: 's', context: [1, 2] }, 'CONTEXT_INVALID', 'context'],
      [{ flowCode: 'KYC', subjectRef: 's', idempotencyKey: 'has space' }, 'IDEMPOTENCY_KEY_INVALID', 'idempotencyKey'],
    ];
    const before = await rig.db.sql('select count(*)::int as n from flow.flow_requests');
    for (const [input, code, field] of cases) {
      const r = await rig.call(TRIGGER, { input }, tenant.token);
      expect(r.data.triggerExecution).toMatchObject({ request: null, accessToken: null, userErrors: [expect.objectContaining({ code, field })] });
    }
    expect(await rig.db.sql('select count(*)::int as n from flow.flow_requests')).toEqual(before);
  });

  test('a flow assigned to organisations runs only for them', async () => {
    const { flowId } = await publishedFlow(rig, tenant.token, 'ORGS', [{ key: 'form', name: 'Form', type: 'FORM' }]);
    const org = '6a1f7c9e-2b3d-4e5f-8a9b-0c1d2e3f4a5b';
    const ASSIGN = `mutation($input: AssignFlowInput!) { assignFlow(input: $input) { flow { organizationIds } userErrors { code field } } }`;
    expect((await rig.call(ASSIGN, { input: { flowId, organizationIds: [org] } }, tenant.token)).data.assignFlow).toEqual({ flow: { organizationIds: [org] }, userErrors: [] });
    expect((await rig.call(ASSIGN, { input: { flowId, organizationIds: ['not-a-uuid'] } }, tenant.token)).data.assignFlow.userErrors).toEqual([{ code: 'ORGANIZATION_INVALID', field: 'organizationIds' }]);
    for (const extra of [{}, { organizationId: '00000000-0000-4000-8000-000000000000' }]) {
      const r = await trigger({}, { flowCode: 'ORGS', ...extra });
      expect(r.userErrors).toEqual([expect.objectContaining({ code: 'FLOW_NOT_ASSIGNED', field: 'organizationId' })]);
    }
    expect((await trigger({}, { flowCode: 'ORGS', organizationId: org })).request.status).toBe('IN_PROGRESS');
  });

  test('staff cancel an open execution; its token then answers that it ended', async () => {
    const t = await trigger({ amount: 5000 });
    const CANCEL = `mutation($input: CancelExecutionInput!) { cancelExecution(input: $input) { request { status failureCode } userErrors { code } } }`;
    expect((await rig.call(CANCEL, { input: { requestId: t.request.id } }, tenant.token)).data.cancelExecution).toEqual({ request: { status: 'CANCELLED', failureCode: 'CANCELLED' }, userErrors: [] });
    expect((await rig.call(CANCEL, { input: { requestId: t.request.id } }, tenant.token)).data.cancelExecution.userErrors).toEqual([{ code: 'REQUEST_FINISHED' }]);
    await rig.event((e) => e.subject === 'flow.execution.failed' && (e.data as { requestId: string; reason: string }).requestId === t.request.id && (e.data as { reason: string }).reason === 'CANCELLED');
    const sub = await rig.call(SUBMIT, { input: { accessToken: t.accessToken, stepKey: 'applicant', data: { name: 'A', documentNumber: '12345678' }, idempotencyKey: 'late' } });
    expect(sub.data.submitFlowStep.userErrors).toEqual([expect.objectContaining({ code: 'REQUEST_FINISHED' })]);
    expect((await rig.call(SESSION, { t: t.accessToken })).data.flowSession.session).toMatchObject({ status: 'CANCELLED', currentStep: null });
  });
});
