/**
 * The pipeline engine's automatic paths and its resilience: auto-approval by score and by amount,
 * conditions that skip a step, the job that retries a refused disbursement and expires overdue
 * applications, a pinned version that disburses after a newer one is published, and an
 * application that resumes after the lending process was stopped while it waited on flow.
 */
import { gql, waitFor } from '@imagy/platform/testing';
import { startLending } from '../src/app';
import { APPROVE, REQUEST_PUBLICATION, uuid } from './harness';
import { APPLICATION_FIELDS, productWithPipeline, START, startOrigination, SUBMIT, type Origination } from './origination';

const FORM = { key: 'form', type: 'FORM', enabled: true, config: { fields: [{ key: 'fullName', type: 'TEXT', label: { es: 'Nombre', en: 'Name' }, required: true }] } };
const COMPLIANCE = { key: 'compliance', type: 'COMPLIANCE_CHECK', enabled: true, config: { flowCode: 'SCORE' } };
const DISBURSE = { key: 'disbursement', type: 'DISBURSEMENT', enabled: true, config: { channel: 'CASH' } };

describe('lending: origination engine', () => {
  let o: Origination;
  let tenant: string;
  let byScore: string;
  let skipped: string;

  beforeAll(async () => {
    o = await startOrigination('lendengine', { originationJobMs: 100 });
    tenant = await o.tenant('engine-a');
    byScore = (await productWithPipeline(o, tenant, 'SCORE', [FORM, COMPLIANCE, { key: 'review', type: 'MANUAL_REVIEW', enabled: true, config: { autoApproveMinScore: 700 } }, DISBURSE])).productId;
    skipped = (await productWithPipeline(o, tenant, 'SMALL', [FORM, { key: 'review', type: 'MANUAL_REVIEW', enabled: true, config: {}, runWhen: { minAmount: '50000' } }, DISBURSE])).productId;
  });
  afterAll(async () => { await o?.close(); });

  const borrower = async () => { const id = await o.user(tenant); return { id, token: await o.token(tenant, ['borrower'], id) }; };
  const start = async (token: string, productId: string, amount = '20000.00') => {
    const r = await o.call(START, { input: { productId, amount, term: 6, idempotencyKey: uuid() } }, token);
    expect(r.data.startApplication.userErrors).toEqual([]);
    return r.data.startApplication.application.id as string;
  };
  const fill = async (token: string, id: string) => {
    const r = await o.call(SUBMIT, { input: { applicationId: id, stepKey: 'form', data: { values: { fullName: 'Eva Ruiz' } }, idempotencyKey: uuid() } }, token);
    expect(r.data.submitApplicationStep.userErrors).toEqual([]);
    return r.data.submitApplicationStep.application;
  };
  const scored = (id: string, score: number) => o.publish('flow.execution.completed', { requestId: uuid(), flowId: uuid(), flowCode: 'SCORE', versionId: uuid(), subjectRef: 'x', outcome: 'APPROVED', summary: { score }, externalRef: `application:${id}:compliance` }, tenant);
  const status = (id: string, token: string, want: string) => waitFor(async () => { const a = await o.app(id, token); return a.status === want ? a : null; }, 20_000);

  test('a score at the threshold auto-approves and disburses; below it the application waits in the review queue', async () => {
    const b = await borrower();
    const good = await start(b.token, byScore);
    const weak = await start(b.token, byScore);
    await fill(b.token, good);
    await fill(b.token, weak);
    await scored(good, 700);
    await scored(weak, 699);
    const done = await status(good, b.token, 'DISBURSED');
    expect(done.steps.find((s: any) => s.key === 'review').output).toMatchObject({ decision: 'AUTO_APPROVED', score: 700 });
    expect(done.credit).toMatchObject({ status: 'ACTIVE', principal: '20000.00', numberOfInstallments: 6 });
    const queued = await o.waitStep(weak, b.token, 'review', 'WAITING_REVIEW');
    expect(queued.status).toBe('IN_PROGRESS');
  });

  test('a review whose condition does not hold is skipped, which approves; above it the review waits', async () => {
    const b = await borrower();
    const small = await start(b.token, skipped, '20000.00');
    const filled = await fill(b.token, small);
    expect(filled.status).toBe('DISBURSED');
    expect(filled.steps.map((s: any) => [s.key, s.state])).toEqual([['form', 'COMPLETED'], ['review', 'SKIPPED'], ['disbursement', 'COMPLETED']]);
    expect((await o.outbox('lending.application.decided', small)).map((d) => d.decision)).toEqual(['APPROVED']);
    const big = await start(b.token, skipped, '60000.00');
    expect((await fill(b.token, big)).steps.find((s: any) => s.key === 'review').state).toBe('WAITING_REVIEW');
  });

  test('a disbursement refused for a transient reason is retried by the job; an overdue application expires', async () => {
    const user = await borrower();
    const id = await start(user.token, skipped);
    // The borrower disappears from lending's user directory (as if identity's projection lagged).
    await o.adminSql('delete from lending.users where id = $1', [user.id]);
    const waiting = await fill(user.token, id);
    expect(waiting).toMatchObject({ status: 'APPROVED', currentStep: 'disbursement' });
    expect(waiting.steps.find((s: any) => s.key === 'disbursement')).toMatchObject({ state: 'PENDING', output: { lastErrors: ['BORROWER_NOT_FOUND'] } });
    await o.adminSql('insert into lending.users (id, tenant_id, created_at) values ($1, $2, now())', [user.id, tenant]);
    const done = await status(id, user.token, 'DISBURSED');
    expect(done.credit.status).toBe('ACTIVE');

    const late = await start(user.token, skipped);
    await o.adminSql(`update lending.credit_applications set expires_at = now() - interval '1 minute' where id = $1`, [late]);
    const expired = await status(late, user.token, 'EXPIRED');
    expect(expired.currentStep).toBe('form');
    expect((await o.outbox('lending.application.decided', late)).map((d) => d.decision)).toEqual(['EXPIRED']);
  });

  test('a step that waits on flow past the timeout goes to the review queue, and staff approve it', async () => {
    const b = await borrower();
    const id = await start(b.token, byScore);
    await fill(b.token, id);
    const [row] = await o.adminSql(`select next_run_at > now() + interval '23 hours' as later from lending.credit_applications where id = $1`, [id]);
    expect(row.later).toBe(true);
    await o.adminSql(`update lending.credit_applications set next_run_at = now() - interval '1 second' where id = $1`, [id]);
    const waiting = await o.waitStep(id, b.token, 'compliance', 'WAITING_REVIEW');
    expect(waiting.steps.find((s: any) => s.key === 'compliance').output).toMatchObject({ timedOut: true });
    const staff = await o.token(tenant, ['staff']);
    const approved = await o.call(`mutation($input: ReviewApplicationInput!) { reviewApplication(input: $input) { application { currentStep steps { key state } } userErrors { code } } }`, { input: { applicationId: id, decision: 'APPROVE', reason: 'Sin respuesta del buró; revisado a mano' } }, staff);
    expect(approved.data.reviewApplication.userErrors).toEqual([]);
    // No score reached the review: it waits for a reviewer rather than auto-approving.
    expect(approved.data.reviewApplication.application.currentStep).toBe('review');
  });

  test('an application disburses under the version it pinned, even after a newer version is published', async () => {
    const b = await borrower();
    const id = await start(b.token, byScore);
    await fill(b.token, id);
    const maker = await o.token(tenant, ['tenant_admin']);
    const draft = await o.call(`mutation($input: CreateDraftVersionInput!) { createDraftVersion(input: $input) { version { id } } }`, { input: { productId: byScore } }, maker);
    const cr = await o.call(REQUEST_PUBLICATION, { input: { versionId: draft.data.createDraftVersion.version.id } }, maker);
    await o.call(APPROVE, { input: { id: cr.data.requestPublication.changeRequest.id } }, await o.token(tenant, ['product_checker']));
    await scored(id, 800);
    const done = await status(id, b.token, 'DISBURSED');
    expect(done.version.number).toBe(1);
  });

  test('an application waiting on flow resumes when lending comes back after being stopped: the answer published meanwhile is not lost', async () => {
    const b = await borrower();
    const id = await start(b.token, byScore);
    await fill(b.token, id);
    await o.lending.stop();
    await scored(id, 900);
    const again = await startLending({ adminUrl: o.db.adminUrl, port: 0, host: '127.0.0.1', nc: o.bus.nc, ns: o.bus.ns, signer: o.bus.signer, verifier: o.issuer.verifier, delinquencyIntervalMs: 0, originationJobMs: 100 });
    try {
      const done = await waitFor(async () => {
        const r = await gql(again.url, `query($id: ID!) { creditApplication(id: $id) { ${APPLICATION_FIELDS} } }`, { id }, { token: b.token });
        return r.data?.creditApplication?.status === 'DISBURSED' ? r.data.creditApplication : null;
      }, 30_000);
      expect(done.steps.find((s: any) => s.key === 'compliance').output).toMatchObject({ outcome: 'APPROVED', score: 900 });
      expect(done.credit.status).toBe('ACTIVE');
    } finally {
      await again.stop();
    }
  });
});
