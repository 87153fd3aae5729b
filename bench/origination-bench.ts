/**
 * Origination throughput and live-progress latency, through the gateway, on the same in-process
 * platform as the e2e tests (real PostgreSQL and NATS):
 *
 *  1. applications/s through the whole automatic pipeline: landing, user registration, compliance
 *     check, manual review auto-approved under an amount, identity validation, document signature,
 *     disbursement (credit + schedule). Flow and sign are played by responders on the bus that
 *     answer lending.verification.requested / lending.contract.issued at once with
 *     flow.execution.completed / sign.signature.completed (mock providers).
 *  2. step-change delivery latency to a subscriber of `applicationProgress` (through the gateway):
 *     receipt time minus the change's `occurredAt` (written in the engine's transaction), p50/p99.
 *
 *   npm run bench:origination -- [--applications 200] [--concurrency 8] [--watched 20]
 *
 * Prints a markdown table.
 */
import { parseArgs } from 'node:util';
import WebSocket from 'ws';
import { createClient, type Client } from 'graphql-ws';
import { wireSubject, type EventEnvelope } from '@imagy/platform/events';
import { publishEvent, waitFor } from '@imagy/platform/testing';
import { CREATE_USER, DEV_PASSWORD, startPlatform } from '../e2e/harness';

process.env.LOG_LEVEL ??= 'silent';

const { values } = parseArgs({ options: { applications: { type: 'string', default: '200' }, concurrency: { type: 'string', default: '8' }, watched: { type: 'string', default: '20' } } });
const N = Number(values.applications);
const C = Number(values.concurrency);
const WATCHED = Number(values.watched);
const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

const PIPELINE = [
  { key: 'landing', type: 'LANDING', enabled: true, config: { title: 'Bench' } },
  { key: 'registration', type: 'USER_REGISTRATION', enabled: true, config: {} },
  { key: 'compliance', type: 'COMPLIANCE_CHECK', enabled: true, config: { flowCode: 'BENCH_AML' } },
  { key: 'review', type: 'MANUAL_REVIEW', enabled: true, config: { autoApproveMaxAmount: '50000' } },
  { key: 'identity', type: 'IDENTITY_VALIDATION', enabled: true, config: { flowCode: 'BENCH_KYC' } },
  { key: 'signature', type: 'DOCUMENT_SIGNATURE', enabled: true, config: { title: 'Contrato' } },
  { key: 'disbursement', type: 'DISBURSEMENT', enabled: true, config: { channel: 'WALLET' } },
];

async function main() {
  const p = await startPlatform({ label: 'benchorig' });
  const admin = await p.login('demo', 'admin@demo.localhost', DEV_PASSWORD);
  const [demo] = await p.sql<{ id: string }>(`select id from identity.tenants where slug = 'demo'`);
  const tenantId = demo!.id;
  const checker = await p.issuer.mint({ tenantId, roles: ['product_checker'] });
  const must = async (query: string, input: unknown, token = admin.accessToken) => {
    const r = await p.call(query, { input }, token);
    const payload = r.data ? Object.values(r.data)[0] as any : null;
    if (r.errors || payload?.userErrors?.length) throw new Error(JSON.stringify(r.errors ?? payload.userErrors));
    return payload;
  };
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

  // Flow and sign, played on the bus: every request is answered at once (held while a subscriber connects).
  let held: EventEnvelope[] | null = null;
  const release = () => { const h = held ?? []; held = null; for (const e of h) respond(e); };
  const answer = async (subject: 'lending.verification.requested' | 'lending.contract.issued') => {
    const sub = p.bus.nc.subscribe(wireSubject(p.bus.ns, subject));
    for await (const m of sub) {
      const e = JSON.parse(Buffer.from(m.data).toString('utf8')) as EventEnvelope;
      if (held) held.push(e);
      else respond(e);
    }
  };
  const respond = (e: EventEnvelope) => {
    {
      if (e.subject === 'lending.verification.requested') {
        const d = (e as EventEnvelope<'lending.verification.requested'>).data;
        void publishEvent(p.bus, 'flow.execution.completed', { requestId: e.id, flowId: e.id, flowCode: d.flowCode, versionId: e.id, subjectRef: d.subjectRef, outcome: 'APPROVED', summary: { score: 800 }, externalRef: d.externalRef }, { tenantId: e.tenantId });
      } else {
        const d = (e as EventEnvelope<'lending.contract.issued'>).data;
        void publishEvent(p.bus, 'sign.signature.completed', { signatureRequestId: e.id, externalRef: d.externalRef, documentSha256: '0'.repeat(64), completedAt: new Date().toISOString() }, { tenantId: e.tenantId });
      }
    }
  };
  void answer('lending.verification.requested');
  void answer('lending.contract.issued');

  const START = `mutation($input: StartApplicationInput!) { startApplication(input: $input) { application { id status } userErrors { code } } }`;
  const startOne = async (token: string, key: string): Promise<string> => {
    const r = await waitFor(async () => {
      const x = await p.call(START, { input: { productId: created.product.id, amount: '10000', term: 12, idempotencyKey: key } }, token);
      return x.data?.startApplication.userErrors[0]?.code === 'BORROWER_NOT_FOUND' ? null : x;
    }, 20_000, 100);
    if (r.errors || r.data.startApplication.userErrors.length) throw new Error(JSON.stringify(r.errors ?? r.data.startApplication.userErrors));
    return r.data.startApplication.application.id;
  };
  const disbursed = async () => (await p.sql<{ n: number }>(`select count(*)::int as n from lending.credit_applications where status = 'DISBURSED'`))[0]!.n;

  // Warm-up: one application end to end.
  await startOne(borrowers[0]!, 'warm-up');
  await waitFor(async () => (await disbursed()) >= 1, 60_000, 50);

  // 1. Throughput.
  const base = await disbursed();
  const t0 = performance.now();
  let next = 0;
  await Promise.all(borrowers.map(async (token, w) => {
    while (next < N) { next++; await startOne(token, `run-${w}-${next}`); }
  }));
  await waitFor(async () => (await disbursed()) >= base + N, 600_000, 100);
  const seconds = (performance.now() - t0) / 1000;

  // 2. Latency to a subscriber through the gateway.
  const latencies: number[] = [];
  const clients: Client[] = [];
  for (let i = 0; i < WATCHED; i++) {
    const token = borrowers[i % borrowers.length]!;
    held = [];
    const id = await startOne(token, `watched-${i}`);
    const before = p.lending.hub!.subscriberCount('lending.application.progressed');
    const client = createClient({ url: p.gatewayWsUrl, webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${token}` }, retryAttempts: 0, lazy: false, onNonLazyError: () => undefined });
    clients.push(client);
    await new Promise<void>((resolve) => {
      client.subscribe({ query: 'subscription($id: ID!) { applicationProgress(applicationId: $id) { occurredAt application { status } } }', variables: { id } }, {
        next: (v) => {
          const d = (v.data as any)?.applicationProgress;
          if (!d) return;
          latencies.push(Date.now() - Date.parse(d.occurredAt));
          if (d.application.status === 'DISBURSED') resolve();
        },
        error: () => resolve(),
        complete: () => resolve(),
      });
      void waitFor(async () => p.lending.hub!.subscriberCount('lending.application.progressed') > before, 20_000, 5).then(release);
    });
  }
  await Promise.all(clients.map((c) => c.dispose()));
  latencies.sort((a, b) => a - b);
  console.log('| measure | value |');
  console.log('|---|---|');
  console.log(`| applications through the automatic pipeline (7 steps, ${C} concurrent borrowers) | ${N} in ${seconds.toFixed(1)} s = ${(N / seconds).toFixed(1)} applications/s |`);
  console.log(`| step changes delivered to a subscriber through the gateway (${WATCHED} applications) | ${latencies.length} deliveries, p50 ${pct(latencies, 50)} ms, p99 ${pct(latencies, 99)} ms, max ${latencies.at(-1)} ms |`);
  await p.stop();
  process.exit(0);
}

main().catch((e) => { console.error(e); process.exit(1); });
