import { ADD_RULE, ADD_STEP, CREATE_FLOW, PUBLISH, startFlowRig, type FlowRig } from './harness';
import { FLOW_TABLES as INITIAL_TABLES } from '../migrations/0001-init';

const FLOW_TABLES = [...INITIAL_TABLES, 'provider_secrets'];

const VERSION = `query($id: ID!) { flow(id: $id) { id code versions { id number status steps { id key position } rules { id name } } publishedVersion { id number } draftVersion { id number } } }`;
const REORDER = `mutation($input: ReorderFlowStepsInput!) { reorderFlowSteps(input: $input) { version { id steps { key position } } userErrors { code field } } }`;
const REMOVE_STEP = `mutation($input: FlowStepRefInput!) { removeFlowStep(input: $input) { version { steps { key position } } userErrors { code field message } } }`;
const UPDATE_STEP = `mutation($input: UpdateFlowStepInput!) { updateFlowStep(input: $input) { step { name timeoutMs onError } userErrors { code field } } }`;
const DRAFT = `mutation($input: CreateFlowDraftInput!) { createFlowDraft(input: $input) { version { id number status steps { key } rules { name } } userErrors { code field } } }`;
const DISCARD = `mutation($input: FlowVersionRefInput!) { discardFlowDraft(input: $input) { version { id } userErrors { code field } } }`;
const UPDATE_RULE = `mutation($input: UpdateFlowRuleInput!) { updateFlowRule(input: $input) { rule { condition } userErrors { code field message } } }`;

describe('flow definitions: versions, steps and rules', () => {
  let rig: FlowRig;
  beforeAll(async () => { rig = await startFlowRig('flowdefs'); });
  afterAll(async () => { await rig?.stop(); });

  test('a designer builds a draft with ordered steps and rules, publishes it, and the published version can no longer change', async () => {
    const { token } = await rig.tenant(['flow_designer']);
    const created = await rig.call(CREATE_FLOW, { input: { code: 'KYC_BASIC', name: 'KYC basic' } }, token);
    expect(created.data.createFlow.userErrors).toEqual([]);
    const flowId = created.data.createFlow.flow.id;
    const versionId = created.data.createFlow.flow.draftVersion.id;
    expect(created.data.createFlow.flow.draftVersion).toMatchObject({ number: 1, status: 'DRAFT' });

    const form = await rig.call(ADD_STEP, { input: { versionId, key: 'applicant', name: 'Applicant', type: 'FORM', inputSchema: { type: 'object', required: ['name'], properties: { name: { type: 'string' } } } } }, token);
    expect(form.data.addFlowStep.userErrors).toEqual([]);
    const aml = await rig.call(ADD_STEP, { input: { versionId, key: 'aml', name: 'AML', type: 'PROVIDER', capability: 'AML_SCREENING', inputMapping: { name: 'steps.applicant.name', documentNumber: 'context.documentNumber' } } }, token);
    // Inserted first: the others move down.
    const bureau = await rig.call(ADD_STEP, { input: { versionId, key: 'bureau', name: 'Bureau', type: 'PROVIDER', capability: 'CREDIT_BUREAU', inputMapping: { documentNumber: 'context.documentNumber' }, position: 0 } }, token);
    expect(bureau.data.addFlowStep.step.position).toBe(0);
    const ids = { applicant: form.data.addFlowStep.step.id, aml: aml.data.addFlowStep.step.id, bureau: bureau.data.addFlowStep.step.id };

    const reordered = await rig.call(REORDER, { input: { versionId, stepIds: [ids.applicant, ids.bureau, ids.aml] } }, token);
    expect(reordered.data.reorderFlowSteps.version.steps).toEqual([{ key: 'applicant', position: 0 }, { key: 'bureau', position: 1 }, { key: 'aml', position: 2 }]);
    const badOrder = await rig.call(REORDER, { input: { versionId, stepIds: [ids.applicant, ids.applicant, ids.aml] } }, token);
    expect(badOrder.data.reorderFlowSteps.userErrors).toEqual([{ code: 'STEP_ORDER_INVALID', field: 'stepIds' }]);

    const rule = await rig.call(ADD_RULE, { input: { versionId, name: 'sanctioned', kind: 'OUTCOME', stepKey: 'aml', outcome: 'REJECTED', condition: { op: 'eq', path: 'steps.aml.matched', value: true } } }, token);
    expect(rule.data.addFlowRule.userErrors).toEqual([]);
    const inUse = await rig.call(REMOVE_STEP, { input: { stepId: ids.aml } }, token);
    expect(inUse.data.removeFlowStep.userErrors).toEqual([expect.objectContaining({ code: 'STEP_IN_USE', field: 'stepId' })]);
    const updated = await rig.call(UPDATE_STEP, { input: { stepId: ids.bureau, timeoutMs: 2000, onError: 'CONTINUE' } }, token);
    expect(updated.data.updateFlowStep).toEqual({ step: { name: 'Bureau', timeoutMs: 2000, onError: 'CONTINUE' }, userErrors: [] });

    const published = await rig.call(PUBLISH, { input: { versionId } }, token);
    expect(published.data.publishFlowVersion.version.status).toBe('PUBLISHED');

    // Published: every edit is refused, nothing changes.
    const edits = [
      await rig.call(ADD_STEP, { input: { versionId, key: 'late', name: 'Late', type: 'FORM' } }, token),
      await rig.call(UPDATE_STEP, { input: { stepId: ids.bureau, name: 'Renamed' } }, token),
      await rig.call(REMOVE_STEP, { input: { stepId: ids.applicant } }, token),
      await rig.call(REORDER, { input: { versionId, stepIds: [ids.aml, ids.bureau, ids.applicant] } }, token),
      await rig.call(UPDATE_RULE, { input: { ruleId: rule.data.addFlowRule.rule.id, condition: { op: 'exists', path: 'x' } } }, token),
      await rig.call(PUBLISH, { input: { versionId } }, token),
    ];
    for (const e of edits) expect(Object.values(e.data)[0]).toMatchObject({ userErrors: [expect.objectContaining({ code: 'VERSION_NOT_DRAFT' })] });
    const after = await rig.call(VERSION, { id: flowId }, token);
    expect(after.data.flow.versions[0].steps.map((s: { key: string }) => s.key)).toEqual(['applicant', 'bureau', 'aml']);

    // A new draft copies the published content; discarding it leaves the published version alone.
    const draft = await rig.call(DRAFT, { input: { flowId } }, token);
    expect(draft.data.createFlowDraft.version).toMatchObject({ number: 2, status: 'DRAFT', steps: [{ key: 'applicant' }, { key: 'bureau' }, { key: 'aml' }], rules: [{ name: 'sanctioned' }] });
    expect((await rig.call(DRAFT, { input: { flowId } }, token)).data.createFlowDraft.userErrors).toEqual([{ code: 'DRAFT_EXISTS', field: 'flowId' }]);
    expect((await rig.call(DISCARD, { input: { versionId: draft.data.createFlowDraft.version.id } }, token)).data.discardFlowDraft.userErrors).toEqual([]);
    const final = await rig.call(VERSION, { id: flowId }, token);
    expect(final.data.flow).toMatchObject({ publishedVersion: { number: 1 }, draftVersion: null });

    // The discarded draft is deleted (its number is free again); publishing the next draft archives version 1.
    const v3 = await rig.call(DRAFT, { input: { flowId } }, token);
    expect((await rig.call(PUBLISH, { input: { versionId: v3.data.createFlowDraft.version.id } }, token)).data.publishFlowVersion.userErrors).toEqual([]);
    const versions = (await rig.call(VERSION, { id: flowId }, token)).data.flow.versions.map((v: { number: number; status: string }) => [v.number, v.status]);
    expect(versions).toEqual([[1, 'ARCHIVED'], [2, 'PUBLISHED']]);
  });

  test('an invalid rule is refused at save time with the JSON path of the problem, in English and Spanish, and nothing is written', async () => {
    const { token } = await rig.tenant(['tenant_admin']);
    const created = await rig.call(CREATE_FLOW, { input: { code: 'RULES', name: 'Rules' } }, token);
    const versionId = created.data.createFlow.flow.draftVersion.id;
    await rig.call(ADD_STEP, { input: { versionId, key: 'form', name: 'Form', type: 'FORM' } }, token);
    const cases: [unknown, string][] = [
      [{ all: [{ op: 'eq', path: 'a', value: 1 }, { op: 'like', path: 'a', value: 1 }] }, 'condition$.all[1].op'],
      [{ any: [{ not: { op: 'between', path: 'steps.form.age', value: [30, 18] } }] }, 'condition$.any[0].not.value'],
      [{ op: 'matches', path: 'context.name', value: '(a+)+$' }, 'condition$.value'],
      [{ op: 'in', path: 'a', value: 'x' }, 'condition$.value'],
      [[1, 2], 'condition$'],
    ];
    for (const [condition, field] of cases) {
      const r = await rig.call(ADD_RULE, { input: { versionId, name: 'bad', kind: 'OUTCOME', outcome: 'REVIEW', condition } }, token);
      expect(r.data.addFlowRule).toEqual({ rule: null, userErrors: [expect.objectContaining({ code: 'RULE_INVALID', field })] });
    }
    const es = await rig.call(ADD_RULE, { input: { versionId, name: 'bad', kind: 'OUTCOME', outcome: 'REVIEW', condition: { op: 'gt', path: 'a' } } }, token, { 'accept-language': 'es' });
    expect(es.data.addFlowRule.userErrors[0]).toEqual({ code: 'RULE_INVALID', field: 'condition$.value', message: 'La condición no es válida en $.value: the operator needs a value' });
    const shape = await rig.call(ADD_RULE, { input: { versionId, name: 'skip', kind: 'SKIP_STEP', condition: { op: 'exists', path: 'a' } } }, token);
    expect(shape.data.addFlowRule.userErrors).toEqual([expect.objectContaining({ code: 'RULE_STEP_REQUIRED', field: 'stepKey' })]);
    const unknownStep = await rig.call(ADD_RULE, { input: { versionId, name: 'skip', kind: 'SKIP_STEP', stepKey: 'nope', condition: { op: 'exists', path: 'a' } } }, token);
    expect(unknownStep.data.addFlowRule.userErrors).toEqual([expect.objectContaining({ code: 'RULE_STEP_UNKNOWN', field: 'stepKey' })]);
    expect(await rig.db.sql('select count(*)::int as n from flow.flow_rules where version_id = $1', [versionId])).toEqual([{ n: 0 }]);
  });

  test('bad step input is a typed error naming the field and writes nothing', async () => {
    const { token } = await rig.tenant(['tenant_admin']);
    const created = await rig.call(CREATE_FLOW, { input: { code: 'STEPS', name: 'Steps' } }, token);
    const versionId = created.data.createFlow.flow.draftVersion.id;
    const before = await rig.db.sql('select count(*)::int as n from flow.flow_steps');
    const bad: [Record<string, unknown>, string, string][] = [
      [{ key: 'Bad Key', name: 'x', type: 'FORM' }, 'STEP_KEY_INVALID', 'key'],
      [{ key: 'p', name: 'x', type: 'PROVIDER' }, 'CAPABILITY_REQUIRED', 'capability'],
      [{ key: 'f', name: 'x', type: 'FORM', capability: 'LIVENESS' }, 'CAPABILITY_NOT_ALLOWED', 'capability'],
      [{ key: 'f', name: 'x', type: 'FORM', inputSchema: { type: 'nonsense' } }, 'INPUT_SCHEMA_INVALID', 'inputSchema'],
      [{ key: 'f', name: 'x', type: 'FORM', inputSchema: { type: 'string', pattern: '(x+x+)+y' } }, 'INPUT_SCHEMA_INVALID', 'inputSchema'],
      [{ key: 'p', name: 'x', type: 'PROVIDER', capability: 'LIVENESS', inputMapping: { a: 'not a path' } }, 'INPUT_MAPPING_INVALID', 'inputMapping'],
      [{ key: 'p', name: 'x', type: 'PROVIDER', capability: 'LIVENESS', timeoutMs: 5 }, 'TIMEOUT_OUT_OF_RANGE', 'timeoutMs'],
      [{ key: 'f', name: 'x', type: 'FORM', position: 7 }, 'POSITION_OUT_OF_RANGE', 'position'],
      [{ key: 'f', name: '\u202Eevil', type: 'FORM' }, 'NAME_NOT_PLAIN_TEXT', 'name'],
    ];
    for (const [input, code, field] of bad) {
      const r = await rig.call(ADD_STEP, { input: { versionId, ...input } }, token);
      expect(r.data.addFlowStep).toEqual({ step: null, userErrors: [expect.objectContaining({ code, field })] });
    }
    // Wrong JSON types, NUL and over-deep JSON are refused before any resolver (BAD_USER_INPUT).
    let deep: unknown = 1;
    for (let i = 0; i < 40; i++) deep = { a: deep };
    for (const input of [{ versionId, key: 'f', name: 'x\u0000', type: 'FORM' }, { versionId, key: 'f', name: 'x', type: 'FORM', timeoutMs: 'soon' }, { versionId, key: 'f', name: 'x', type: 'FORM', inputSchema: deep }]) {
      const r = await rig.call(ADD_STEP, { input }, token);
      expect(r.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    }
    expect(await rig.db.sql('select count(*)::int as n from flow.flow_steps')).toEqual(before);
    const noSteps = await rig.call(PUBLISH, { input: { versionId } }, token);
    expect(noSteps.data.publishFlowVersion.userErrors).toEqual([expect.objectContaining({ code: 'NO_STEPS' })]);
    const dup = await rig.call(CREATE_FLOW, { input: { code: 'STEPS', name: 'Again' } }, token);
    expect(dup.data.createFlow.userErrors).toEqual([expect.objectContaining({ code: 'FLOW_CODE_TAKEN', field: 'code' })]);
  });

  test("tenant B can neither read nor change tenant A's flows, and RLS is forced on every flow table", async () => {
    const a = await rig.tenant(['tenant_admin']);
    const b = await rig.tenant(['tenant_admin']);
    const created = await rig.call(CREATE_FLOW, { input: { code: 'PRIVATE', name: 'A only' } }, a.token);
    const flowId = created.data.createFlow.flow.id;
    const versionId = created.data.createFlow.flow.draftVersion.id;
    expect((await rig.call(VERSION, { id: flowId }, b.token)).data.flow).toBeNull();
    expect((await rig.call(`{ flows { edges { node { id } } } }`, {}, b.token)).data.flows.edges).toEqual([]);
    const write = await rig.call(ADD_STEP, { input: { versionId, key: 'x', name: 'x', type: 'FORM' } }, b.token);
    expect(write.data.addFlowStep.userErrors).toEqual([expect.objectContaining({ code: 'VERSION_NOT_FOUND' })]);
    // B may use the same code in its own tenant.
    expect((await rig.call(CREATE_FLOW, { input: { code: 'PRIVATE', name: 'B' } }, b.token)).data.createFlow.userErrors).toEqual([]);

    // Below the API, as the subgraph's own role with tenant B set: nothing of A's is visible or writable.
    const em = rig.flow.orm.em.fork();
    const touched = await em.transactional(async (tx) => {
      await tx.execute("select set_config('app.tenant_id', ?, true)", [b.tenantId]);
      const seen = await tx.execute<{ id: string }[]>('select id from flows where id = ?', [flowId]);
      const updated = await tx.execute<{ id: string }[]>("update flows set name = 'taken' where id = ? returning id", [flowId]);
      return seen.length + updated.length;
    });
    expect(touched).toBe(0);
    const forced = await rig.db.sql<{ relname: string; relforcerowsecurity: boolean; relrowsecurity: boolean }>(
      `select c.relname, c.relrowsecurity, c.relforcerowsecurity from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname = 'flow' and c.relname = any($1)`, [FLOW_TABLES]);
    expect(forced).toHaveLength(FLOW_TABLES.length);
    for (const t of forced) expect([t.relname, t.relrowsecurity, t.relforcerowsecurity]).toEqual([t.relname, true, true]);
  });

  test('readers, designers and strangers: roles decide', async () => {
    const staff = await rig.tenant(['staff']);
    const borrower = await rig.tenant(['borrower']);
    expect((await rig.call(CREATE_FLOW, { input: { code: 'NOPE', name: 'x' } }, staff.token)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect((await rig.call(`{ flows { edges { node { id } } } }`, {}, staff.token)).data.flows.edges).toEqual([]);
    expect((await rig.call(`{ flows { edges { node { id } } } }`, {}, borrower.token)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect((await rig.call(`{ flows { edges { node { id } } } }`, {})).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    // A forged cursor (valid base64 JSON, not our shape) is a typed error naming the argument.
    const forged = Buffer.from(JSON.stringify({ createdAt: "x'; drop table flows; --", id: 1 })).toString('base64url');
    for (const q of [`{ flows(after: "${forged}") { edges { node { id } } } }`, `{ flowRequests(after: "${forged}") { edges { node { id } } } }`, `{ flows(first: 0) { edges { node { id } } } }`]) {
      const r = await rig.call(q, {}, staff.token);
      expect(r.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT' });
    }
  });
});
