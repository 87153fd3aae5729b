/**
 * `Subscription.applicationProgress` over graphql-ws on the lending subgraph: every change of an
 * application reaches its borrower and staff of its tenant as it happens; another borrower and
 * another tenant's staff get NOT_FOUND and never see its changes.
 */
import WebSocket from 'ws';
import { createClient, type Client } from 'graphql-ws';
import { waitFor } from '@imagy/platform/testing';
import { uuid } from './harness';
import { legalDocuments, productWithPipeline, START, startOrigination, SUBMIT, type Origination } from './origination';

interface Received { data?: any; errors?: { message: string; extensions?: { code?: string } }[] }
interface Watch { results: Received[]; errors: any[]; dispose(): void }

const PROGRESS = `subscription($id: ID!) { applicationProgress(applicationId: $id) { stepKey stepState occurredAt application { id status currentStep steps { key state } } } }`;

const PIPELINE = [
  { key: 'consent', type: 'LEGAL_CONSENT', enabled: true, config: { documents: ['TERMS', 'PRIVACY'] } },
  { key: 'form', type: 'FORM', enabled: true, config: { fields: [{ key: 'fullName', type: 'TEXT', label: { es: 'Nombre', en: 'Name' }, required: true }] } },
  { key: 'review', type: 'MANUAL_REVIEW', enabled: true, config: { autoApproveMaxAmount: '50000' } },
  { key: 'disbursement', type: 'DISBURSEMENT', enabled: true, config: { channel: 'WALLET' } },
];

describe('lending: applicationProgress subscription', () => {
  let o: Origination;
  let tenantA: string;
  let tenantB: string;
  let productId: string;
  let docs: Record<string, number>;
  const clients: Client[] = [];

  beforeAll(async () => {
    o = await startOrigination('lendlive');
    tenantA = await o.tenant('live-a');
    tenantB = await o.tenant('live-b');
    docs = await legalDocuments(o, tenantA);
    ({ productId } = await productWithPipeline(o, tenantA, 'LIVE', PIPELINE));
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.dispose()));
    await o?.close();
  });

  const connect = (token: string): Client => {
    const client = createClient({ url: o.url.replace(/^http/, 'ws'), webSocketImpl: WebSocket, retryAttempts: 0, lazy: false, connectionParams: { authorization: `Bearer ${token}` }, onNonLazyError: () => undefined });
    clients.push(client);
    return client;
  };
  const watch = (client: Client, id: string): Watch => {
    const w: Watch = { results: [], errors: [], dispose: () => undefined };
    w.dispose = client.subscribe({ query: PROGRESS, variables: { id } }, { next: (r) => { w.results.push(r as Received); }, error: (e) => { w.errors.push(e); }, complete: () => undefined });
    return w;
  };
  const subscribers = () => o.lending.hub!.subscriberCount('lending.application.progressed');
  const borrower = async () => { const id = await o.user(tenantA); return { id, token: await o.token(tenantA, ['borrower'], id) }; };
  const start = async (token: string) => (await o.call(START, { input: { productId, amount: '20000.00', term: 6, idempotencyKey: uuid() } }, token)).data.startApplication.application.id as string;
  const submit = async (token: string, applicationId: string, stepKey: string, data: unknown) => {
    const r = await o.call(SUBMIT, { input: { applicationId, stepKey, data, idempotencyKey: uuid() } }, token);
    expect(r.data.submitApplicationStep.userErrors).toEqual([]);
  };

  test('the borrower and staff of the tenant see every step change as it happens, up to the disbursement', async () => {
    const b = await borrower();
    const id = await start(b.token);
    const before = subscribers();
    const mine = watch(connect(b.token), id);
    const staff = watch(connect(await o.token(tenantA, ['staff'])), id);
    await waitFor(async () => subscribers() === before + 2);

    await submit(b.token, id, 'consent', { accepted: [{ code: 'TERMS', version: docs.TERMS }, { code: 'PRIVACY', version: docs.PRIVACY }] });
    await submit(b.token, id, 'form', { values: { fullName: 'Luis Gómez' } });
    const expected = [
      ['consent', 'COMPLETED'], ['form', 'WAITING_INPUT'],
      ['form', 'COMPLETED'], ['review', 'COMPLETED'], [null, null], ['disbursement', 'COMPLETED'], [null, null],
    ];
    for (const w of [mine, staff]) {
      await waitFor(async () => w.results.length >= expected.length, 20_000);
      expect(w.errors).toEqual([]);
      expect(w.results.map((r) => [r.data.applicationProgress.stepKey, r.data.applicationProgress.stepState])).toEqual(expected);
      expect(w.results[w.results.length - 1]!.data.applicationProgress.application).toMatchObject({ id, status: 'DISBURSED', currentStep: null });
      expect(w.results[0]!.data.applicationProgress.application.steps.find((s: any) => s.key === 'consent').state).toBe('COMPLETED');
    }
  });

  test('another borrower and another tenant\'s staff get NOT_FOUND, and a subscriber never sees another application\'s changes', async () => {
    const a = await borrower();
    const appA = await start(a.token);
    const other = await borrower();
    const appOther = await start(other.token);
    const foreign = watch(connect(await o.token(tenantB, ['tenant_admin'])), appA);
    const stranger = watch(connect(other.token), appA);
    const unknown = watch(connect(a.token), uuid());
    await waitFor(async () => foreign.errors.length + stranger.errors.length + unknown.errors.length + foreign.results.length + stranger.results.length + unknown.results.length >= 3);
    for (const w of [foreign, stranger, unknown]) {
      const errors = w.errors.length ? w.errors : w.results.flatMap((r) => r.errors ?? []);
      expect(errors.flat().map((e: any) => e.extensions?.code)).toEqual(['NOT_FOUND']);
    }

    // The other borrower follows their own application: a change of A's is never delivered to them;
    // their own change afterwards is the marker that A's was dispatched already.
    const before = subscribers();
    const own = watch(connect(other.token), appOther);
    const watcherOfA = watch(connect(a.token), appA);
    await waitFor(async () => subscribers() === before + 2);
    await submit(a.token, appA, 'consent', { accepted: [{ code: 'TERMS', version: docs.TERMS }, { code: 'PRIVACY', version: docs.PRIVACY }] });
    await waitFor(async () => watcherOfA.results.length >= 2);
    await submit(other.token, appOther, 'consent', { accepted: [{ code: 'TERMS', version: docs.TERMS }, { code: 'PRIVACY', version: docs.PRIVACY }] });
    await waitFor(async () => own.results.length >= 2);
    expect(own.results.every((r) => r.data.applicationProgress.application.id === appOther)).toBe(true);
    expect(watcherOfA.results.every((r) => r.data.applicationProgress.application.id === appA)).toBe(true);
  });
});
