/**
 * Fault test: the lending PROCESS is killed (SIGKILL) while it advances applications on flow's
 * answers, then started again. Every application still reaches its credit, exactly once: no step
 * lost (the answers wait in JetStream; what was not committed is redelivered), none done twice (one
 * credit, one identity request and one approval per application). Runs lending as its own process
 * (`src/main.ts`) on a free port, its own database and NATS namespace; stops only that process.
 */
import crypto from 'node:crypto';
import path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { connectNats, deleteStreams, ensureStreams, EventSigner, namespace, type NatsConnection, type Namespace } from '@imagy/platform/events';
import { natsUrl } from '@imagy/platform/config';
import { createTestDb, createTestIssuer, freePort, gql, publishEvent, sqlRows, uniqueSuffix, waitFor, type TestDb, type TestIssuer } from '@imagy/platform/testing';
import { APPROVE, CREATE_PRODUCT, REQUEST_PUBLICATION, TERMS, uuid } from './harness';
import { START, SUBMIT, UPDATE_PIPELINE } from './origination';

const root = path.resolve(__dirname, '..', '..', '..');
const PIPELINE = [
  { key: 'form', type: 'FORM', enabled: true, config: { fields: [{ key: 'fullName', type: 'TEXT', label: { es: 'Nombre', en: 'Name' }, required: true }] } },
  { key: 'compliance', type: 'COMPLIANCE_CHECK', enabled: true, config: { flowCode: 'AML' } },
  { key: 'review', type: 'MANUAL_REVIEW', enabled: true, config: { autoApproveMinScore: 600 } },
  { key: 'identity', type: 'IDENTITY_VALIDATION', enabled: true, config: { flowCode: 'KYC' } },
  { key: 'disbursement', type: 'DISBURSEMENT', enabled: true, config: { channel: 'BANK_TRANSFER' } },
];
const APPLICATIONS = 12;

async function stop(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await new Promise<void>((resolve) => { child.once('exit', () => resolve()); child.kill(signal); });
}

describe('lending process killed in the middle of the pipeline', () => {
  let db: TestDb;
  let issuer: TestIssuer;
  let nc: NatsConnection;
  let ns: Namespace;
  let rawNs: string;
  let signer: EventSigner;
  let key: Buffer;
  let port: number;
  let child: ChildProcess | null = null;

  const url = () => `http://127.0.0.1:${port}/graphql`;
  const spawnLending = () => spawn(process.execPath, ['--import', 'tsx', 'subgraphs/lending/src/main.ts'], {
    cwd: root,
    stdio: 'ignore',
    env: {
      ...process.env, NODE_ENV: 'test', LOG_LEVEL: 'silent', PORT: String(port), HOST: '127.0.0.1', DATABASE_URL: db.adminUrl, NATS_URL: natsUrl(),
      NATS_NAMESPACE: rawNs, EVENT_SIGNING_KEY: key.toString('base64'), DELINQUENCY_INTERVAL_MS: '0', ORIGINATION_JOB_MS: '200',
      JWT_ISSUERS: JSON.stringify([{ issuer: issuer.issuer, audience: issuer.audience, jwks: issuer.jwks }]),
    },
  });
  const ready = () => waitFor(async () => (await fetch(`http://127.0.0.1:${port}/ready`).catch(() => null))?.ok, 90_000, 200);
  const sql = (q: string, params: unknown[] = []) => sqlRows(db.adminUrl, q, params);
  const call = async (query: string, variables: Record<string, unknown>, token: string) => {
    const r = await gql(url(), query, variables, { token });
    if (r.errors) throw new Error(JSON.stringify(r.errors));
    return r.data;
  };

  beforeAll(async () => {
    db = await createTestDb('lendkill');
    issuer = await createTestIssuer();
    key = crypto.randomBytes(32);
    signer = new EventSigner(key);
    rawNs = `k${uniqueSuffix()}`;
    ns = namespace(rawNs);
    nc = await connectNats(natsUrl(), 'lending-kill');
    await ensureStreams(nc, ns, { duplicateWindowMs: 120_000 });
    port = await freePort();
  });
  afterAll(async () => {
    if (child) await stop(child, 'SIGTERM');
    await deleteStreams(nc, ns).catch(() => undefined);
    await nc?.close();
    await db?.drop();
  });

  test('SIGKILL while flow\'s answers are being handled, then a restart: every application reaches one credit, nothing doubled', async () => {
    child = spawnLending();
    await ready();
    const bus = { nc, ns, signer };
    const tenantId = uuid();
    await publishEvent(bus, 'identity.tenant.created', { tenantId, slug: 'kill', name: 'Kill', hostnames: [], status: 'ACTIVE' }, { tenantId });
    const borrowerId = uuid();
    await publishEvent(bus, 'identity.user.created', { userId: borrowerId, email: 'b@kill.test', roles: ['borrower'] }, { tenantId });
    await waitFor(async () => (await sql('select 1 from lending.users where id = $1', [borrowerId])).length > 0, 30_000);
    const maker = await issuer.mint({ tenantId, roles: ['tenant_admin'] });
    const checker = await issuer.mint({ tenantId, roles: ['product_checker'] });
    const borrower = await issuer.mint({ tenantId, roles: ['borrower'], userId: borrowerId });
    const created = (await call(CREATE_PRODUCT, { input: { code: 'KILL', name: 'Kill', currency: 'MXN', terms: TERMS } }, maker)).createCreditProduct;
    expect((await call(UPDATE_PIPELINE, { input: { versionId: created.version.id, steps: PIPELINE } }, maker)).updateDraftPipeline.userErrors).toEqual([]);
    const cr = (await call(REQUEST_PUBLICATION, { input: { versionId: created.version.id } }, maker)).requestPublication;
    await call(APPROVE, { input: { id: cr.changeRequest.id } }, checker);

    const ids: string[] = [];
    for (let i = 0; i < APPLICATIONS; i++) {
      const started = (await call(START, { input: { productId: created.product.id, amount: '15000.00', term: 6, idempotencyKey: `kill-${i}` } }, borrower)).startApplication;
      const id = started.application.id as string;
      const filled = (await call(SUBMIT, { input: { applicationId: id, stepKey: 'form', data: { values: { fullName: 'Kim' } }, idempotencyKey: `form-${i}` } }, borrower)).submitApplicationStep;
      expect(filled.application.currentStep).toBe('compliance');
      ids.push(id);
    }

    // Flow answers all of them; the process dies while it is working through them.
    const answer = (id: string, stepKey: string, flowCode: string) => publishEvent(bus, 'flow.execution.completed', {
      requestId: `${id}:${stepKey}`, flowId: id, flowCode, versionId: id, subjectRef: `user:${borrowerId}`, outcome: 'APPROVED', summary: { score: 700 }, externalRef: `application:${id}:${stepKey}`,
    }, { tenantId });
    for (const id of ids) await answer(id, 'compliance', 'AML');
    await waitFor(async () => (await sql(`select count(*)::int as n from lending.application_steps where key = 'compliance' and state = 'COMPLETED'`))[0].n >= 1, 30_000, 5);
    await stop(child, 'SIGKILL');
    const handledBeforeKill = (await sql(`select count(*)::int as n from lending.application_steps where key = 'compliance' and state = 'COMPLETED'`))[0].n as number;

    child = spawnLending();
    await ready();
    // Identity validation is asked once per application, whatever was redelivered.
    await waitFor(async () => (await sql(`select count(*)::int as n from lending.outbox where subject = 'lending.verification.requested' and envelope->'data'->>'stepKey' = 'identity'`))[0].n === APPLICATIONS, 60_000);
    for (const id of ids) await answer(id, 'identity', 'KYC');
    await waitFor(async () => (await sql(`select count(*)::int as n from lending.credit_applications where status = 'DISBURSED'`))[0].n === APPLICATIONS, 60_000);

    const perApplication = await sql(`select a.id,
        (select count(*)::int from lending.credits c where c.application_id = a.id) as credits,
        (select count(*)::int from lending.outbox o where o.subject = 'lending.verification.requested' and o.envelope->'data'->>'applicationId' = a.id::text) as asked,
        (select count(*)::int from lending.outbox o where o.subject = 'lending.application.decided' and o.envelope->'data'->>'applicationId' = a.id::text) as decided,
        (select count(*)::int from lending.outbox o where o.subject = 'lending.credit.disbursed' and o.envelope->'data'->>'applicationId' = a.id::text) as disbursed
      from lending.credit_applications a order by a.created_at`);
    expect(perApplication).toEqual(ids.map((id) => ({ id, credits: 1, asked: 2, decided: 1, disbursed: 1 })));
    expect(await sql(`select count(*)::int as n from lending.installments`)).toEqual([{ n: APPLICATIONS * 6 }]);
    // The kill really fell in the middle: some answers were handled before it, the rest after.
    expect(handledBeforeKill).toBeGreaterThanOrEqual(1);
    expect(handledBeforeKill).toBeLessThan(APPLICATIONS);
  }, 300_000);
});
