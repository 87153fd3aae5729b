/**
 * Origination throughput and live-progress latency, through the gateway, on the same in-process
 * platform as the e2e tests (real PostgreSQL and NATS, real flow, sign and notifications: nothing is
 * played on the bus):
 *
 *  1. applications/s through the whole pipeline: landing, user registration, contact verification
 *     (the OTP read from notifications' local mailbox through the gateway), a FORM (fullName,
 *     documentNumber, phone), compliance check (flow really runs the published BUREAU flow: bureau,
 *     AML and phone lookup on the mock providers, clean persona; `scorePath` as in the e2e), manual
 *     review auto-approved under 50000, identity validation (flow runs the published KYC flow:
 *     document and liveness), document signature (sign invites the borrower; the borrower reads the
 *     link from the local mailbox, asks for a signing code, reads it and signs through sign's public
 *     API) and disbursement (credit + schedule). Staff publish both flows through the gateway before
 *     the run, exactly as e2e/origination.e2e.test.ts does. Each borrower drives its applications one
 *     after the other; `--concurrency` borrowers in parallel.
 *  2. step-change delivery latency to a subscriber of `applicationProgress` (through the gateway):
 *     receipt time minus the change's `occurredAt` (written in the engine's transaction), p50/p99.
 *     The subscriber connects right after `startApplication`, before the borrower submits anything.
 *
 * Every call comes from 127.0.0.1, so notifications' OTP limit per client address (20 an hour by
 * default) is raised for the bench; the per-destination limits stay (each application verifies its own
 * e-mail address).
 *
 *   npm run bench:origination -- [--applications 100] [--concurrency 8] [--watched 20]
 *
 * Prints a markdown table.
 */
import { parseArgs } from 'node:util';
import WebSocket from 'ws';
import { createClient, type Client } from 'graphql-ws';
import { waitFor } from '@imagy/platform/testing';
import { CREATE_USER, DEV_PASSWORD, startPlatform } from '../e2e/harness';
import { ADD_STEP, BUREAU_STEPS, CREATE_FLOW, FORM_STEP, KYC_STEPS, PUBLISH_FLOW } from '../e2e/origination-fixtures';

process.env.LOG_LEVEL ??= 'silent';

const { values } = parseArgs({ options: { applications: { type: 'string', default: '100' }, concurrency: { type: 'string', default: '8' }, watched: { type: 'string', default: '20' } } });
const N = Number(values.applications);
const C = Number(values.concurrency);
const WATCHED = Number(values.watched);
const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

const PIPELINE = [
  { key: 'landing', type: 'LANDING', enabled: true, config: { title: 'Bench' } },
  { key: 'registration', type: 'USER_REGISTRATION', enabled: true, config: {} },
  { key: 'contact', type: 'CONTACT_VERIFICATION', enabled: true, config: { channel: 'EMAIL', requireUnique: true } },
  FORM_STEP,
  { key: 'compliance', type: 'COMPLIANCE_CHECK', enabled: true, config: { flowCode: 'BUREAU', scorePath: 'steps.bureau.output.score' } },
  { key: 'review', type: 'MANUAL_REVIEW', enabled: true, config: { autoApproveMaxAmount: '50000' } },
  { key: 'identity', type: 'IDENTITY_VALIDATION', enabled: true, config: { flowCode: 'KYC' } },
  { key: 'signature', type: 'DOCUMENT_SIGNATURE', enabled: true, config: { title: 'Contrato' } },
  { key: 'disbursement', type: 'DISBURSEMENT', enabled: true, config: { channel: 'WALLET' } },
];
const START = `mutation($input: StartApplicationInput!) { startApplication(input: $input) { application { id status } userErrors { code } } }`;
const SUBMIT = `mutation($input: SubmitApplicationStepInput!) { submitApplicationStep(input: $input) { application { id status currentStep } userErrors { code message field } } }`;
const MAILBOX = `query($recipient: String) { localMailbox(first: 20, recipient: $recipient) { edges { node { body } } } }`;
const SIGNING_CODE = `mutation($token: String!) { requestSigningCode(input: { token: $token }) { destinationMasked userErrors { code field } } }`;
const SIGN = `mutation($input: SignDocumentInput!) { signDocument(input: $input) { session { requestStatus signerStatus } userErrors { code field } } }`;

async function main() {
  const p = await startPlatform({ label: 'benchorig', notifications: { otp: { perIpPerHour: 1_000_000 } } });
  const admin = await p.login('demo', 'admin@demo.localhost', DEV_PASSWORD);
  const [demo] = await p.sql<{ id: string }>(`select id from identity.tenants where slug = 'demo'`);
  const tenantId = demo!.id;
  const checker = await p.issuer.mint({ tenantId, roles: ['product_checker'] });
  const must = async (query: string, input: unknown, token = admin.accessToken) => {
    const r = await p.call(query, { input }, token);
    const payload = r.data ? Object.values(r.data)[0] as any : null;
    if (r.errors || payload?.userErrors?.length) throw new Error(`${query.slice(0, 60)}: ${JSON.stringify(r.errors ?? payload.userErrors)}`);
    return payload;
  };

  // Staff publish the two flows in flow, through the gateway.
  for (const [code, steps] of [['BUREAU', BUREAU_STEPS], ['KYC', KYC_STEPS]] as const) {
    const f = await must(CREATE_FLOW, { code, name: code });
    const versionId = f.flow.draftVersion.id;
    for (const step of steps) await must(ADD_STEP, { versionId, ...step });
    await must(PUBLISH_FLOW, { versionId });
  }
  const created = await must(`mutation($input: CreateCreditProductInput!) { createCreditProduct(input: $input) { product { id } version { id } userErrors { code } } }`,
    { code: 'BENCH', name: 'Bench', currency: 'MXN', terms: { minAmount: '1000', maxAmount: '50000', minTerm: 3, maxTerm: 24, frequency: 'MONTHLY', interestMethod: 'DECLINING_EQUAL_INSTALLMENTS', annualNominalRate: '24' } });
  await must(`mutation($input: UpdateDraftPipelineInput!) { updateDraftPipeline(input: $input) { userErrors { code field } } }`, { versionId: created.version.id, steps: PIPELINE });
  const cr = await must(`mutation($input: RequestPublicationInput!) { requestPublication(input: $input) { changeRequest { id } userErrors { code } } }`, { versionId: created.version.id });
  await must(`mutation($input: ApproveChangeRequestInput!) { approveChangeRequest(input: $input) { userErrors { code } } }`, { id: cr.changeRequest.id }, checker);

  const borrowers: string[] = [];
  for (let i = 0; i < C; i++) {
    await must(CREATE_USER, { email: `bench${i}@demo.localhost`, displayName: `Bench ${i}`, roles: ['borrower'], password: 'bench-password-1' });
    borrowers.push((await p.login('demo', `bench${i}@demo.localhost`, 'bench-password-1')).accessToken);
  }

  const startOne = async (token: string, key: string): Promise<string> => {
    const r = await waitFor(async () => {
      const x = await p.call(START, { input: { productId: created.product.id, amount: '10000', term: 12, idempotencyKey: key } }, token);
      return x.data?.startApplication.userErrors[0]?.code === 'BORROWER_NOT_FOUND' ? null : x;
    }, 20_000, 100);
    if (r.errors || r.data.startApplication.userErrors.length) throw new Error(JSON.stringify(r.errors ?? r.data.startApplication.userErrors));
    return r.data.startApplication.application.id;
  };
  const bodies = async (recipient: string) => ((await p.call(MAILBOX, { recipient }, admin.accessToken)).data?.localMailbox.edges as { node: { body: string } }[] | undefined ?? []).map((e) => e.node.body);
  // The borrower's part after the start: verify the contact, fill the form, then sign the contract sign sends.
  const drive = async (token: string, id: string, key: string) => {
    const email = `${key}@bench.test`;
    const submit = (stepKey: string, data: unknown) => must(SUBMIT, { applicationId: id, stepKey, data, idempotencyKey: `${key}-${stepKey}-${JSON.stringify(data)}` }, token);
    await submit('contact', { destination: email });
    const otpMail = await waitFor(async () => (await bodies(email))[0], 30_000, 50);
    await submit('contact', { code: /(\d{6})/.exec(otpMail)![1] });
    await submit('form', { values: { fullName: `Bench ${key}`, documentNumber: '12345678', phone: '+525512345678' } });
    const invitation = await waitFor(async () => (await bodies(email)).find((b) => b.includes('/sign/')), 120_000, 100);
    const signingToken = /\/sign\/(sgn_[A-Za-z0-9_-]+)/.exec(invitation)![1]!;
    const before = (await bodies(email)).length;
    const asked = await p.call(SIGNING_CODE, { token: signingToken });
    if (asked.errors || asked.data.requestSigningCode.userErrors.length) throw new Error(JSON.stringify(asked.errors ?? asked.data.requestSigningCode.userErrors));
    const codeMail = await waitFor(async () => { const all = await bodies(email); return all.length > before ? all[0] : null; }, 30_000, 50);
    const signed = await p.call(SIGN, { input: { token: signingToken, code: /(\d{6})/.exec(codeMail!)![1], accept: true } });
    if (signed.errors || signed.data.signDocument.userErrors.length) throw new Error(JSON.stringify(signed.errors ?? signed.data.signDocument.userErrors));
  };
  const disbursed = async () => (await p.sql<{ n: number }>(`select count(*)::int as n from lending.credit_applications where status = 'DISBURSED'`))[0]!.n;

  // Warm-up: one application end to end.
  const warm = await startOne(borrowers[0]!, 'warm-up');
  await drive(borrowers[0]!, warm, 'warm-up');
  await waitFor(async () => (await disbursed()) >= 1, 60_000, 50);

  // 1. Throughput.
  const base = await disbursed();
  const t0 = performance.now();
  let next = 0;
  await Promise.all(borrowers.map(async (token, w) => {
    while (next < N) { const key = `run-${w}-${next++}`; await drive(token, await startOne(token, key), key); }
  }));
  await waitFor(async () => (await disbursed()) >= base + N, 600_000, 100);
  const seconds = (performance.now() - t0) / 1000;

  // 2. Latency to a subscriber through the gateway.
  const latencies: number[] = [];
  const clients: Client[] = [];
  for (let i = 0; i < WATCHED; i++) {
    const token = borrowers[i % borrowers.length]!;
    const key = `watched-${i}`;
    const id = await startOne(token, key);
    const before = p.lending.hub!.subscriberCount('lending.application.progressed');
    const client = createClient({ url: p.gatewayWsUrl, webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${token}` }, retryAttempts: 0, lazy: false, onNonLazyError: () => undefined });
    clients.push(client);
    await new Promise<void>((resolve, reject) => {
      client.subscribe({ query: 'subscription($id: ID!) { applicationProgress(applicationId: $id) { occurredAt application { status } } }', variables: { id } }, {
        next: (v) => {
          const d = (v.data as any)?.applicationProgress;
          if (!d) return;
          latencies.push(Date.now() - Date.parse(d.occurredAt));
          if (d.application.status === 'DISBURSED') resolve();
        },
        error: (e) => reject(e instanceof Error ? e : new Error(JSON.stringify(e))),
        complete: () => resolve(),
      });
      void waitFor(async () => p.lending.hub!.subscriberCount('lending.application.progressed') > before, 20_000, 5).then(() => drive(token, id, key)).catch(reject);
    });
  }
  await Promise.all(clients.map((c) => c.dispose()));
  latencies.sort((a, b) => a - b);
  // Nothing was played: every disbursed application has flow's completed runs and sign's completed request.
  const total = 1 + N + WATCHED;
  const [flows] = await p.sql<{ n: number }>(`select count(*)::int as n from flow.flow_requests where status = 'COMPLETED' and outcome = 'APPROVED' and external_ref like 'application:%'`);
  const [signs] = await p.sql<{ n: number }>(`select count(*)::int as n from sign.requests where status = 'COMPLETED'`);
  if ((await disbursed()) !== total || flows!.n !== 2 * total || signs!.n !== total) throw new Error(`expected ${total} disbursed, ${2 * total} flow runs and ${total} signatures; got ${await disbursed()}, ${flows!.n}, ${signs!.n}`);
  console.log('| measure | value |');
  console.log('|---|---|');
  console.log(`| applications through the pipeline (9 steps, real flow and sign, the borrower verifies the contact, fills the form and signs; ${C} concurrent borrowers) | ${N} in ${seconds.toFixed(1)} s = ${(N / seconds).toFixed(2)} applications/s |`);
  console.log(`| checked after the run | ${total} applications disbursed, ${flows!.n} flow runs completed by flow, ${signs!.n} signature requests completed by sign |`);
  console.log(`| step changes delivered to a subscriber through the gateway (${WATCHED} applications) | ${latencies.length} deliveries, p50 ${pct(latencies, 50)} ms, p99 ${pct(latencies, 99)} ms, max ${latencies.at(-1)} ms |`);
  await p.stop();
  process.exit(0);
}

main().catch((e) => { console.error(e); process.exit(1); });
