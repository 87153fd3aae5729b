import { waitFor } from '@imagy/platform/testing';
import { startFlow, type RunningFlow } from '../src/app';
import { gql } from '@imagy/platform/testing';
import { publishedFlow, startFlowRig, TRIGGER, type FlowRig } from './harness';
import { startFakeOpenSanctions, type FakeOpenSanctions } from './opensanctions-server';

const SET_CONFIG = `mutation($input: SetProviderConfigInput!) { setProviderConfig(input: $input) { config { capability providers { provider baseUrl dataset } } userErrors { code message field } } }`;
const AML_ONLY = [{ key: 'aml', name: 'AML', type: 'PROVIDER', capability: 'AML_SCREENING', timeoutMs: 300, inputMapping: { name: 'context.name', birthDate: 'context.birthDate', documentNumber: 'context.documentNumber' } }];
const RULES = [{ name: 'listed', kind: 'OUTCOME', outcome: 'REJECTED', condition: { op: 'eq', path: 'steps.aml.matched', value: true } }];

describe('provider gateway: OpenSanctions over HTTP, retry, failover, circuit breaker, private addresses', () => {
  let rig: FlowRig;
  let os: FakeOpenSanctions;

  beforeAll(async () => {
    os = await startFakeOpenSanctions();
    // The fake server is on loopback: this installation allows private provider URLs explicitly.
    rig = await startFlowRig('flowprov', { allowPrivateProviderUrls: true, openSanctionsApiKey: 'test-key', gatewayLimits: { retries: 2, backoffInitialMs: 1, backoffMaxMs: 5, breakerFailures: 3, halfOpenAfterMs: 3_000 } });
  });
  afterAll(async () => { await rig?.stop(); await os?.close(); });

  /** A tenant whose AML_SCREENING goes to the fake OpenSanctions first, then the mock. */
  async function amlTenant() {
    const t = await rig.tenant(['tenant_admin']);
    const set = await rig.call(SET_CONFIG, { input: { capability: 'AML_SCREENING', providers: [{ provider: 'opensanctions', baseUrl: os.url, dataset: 'sanctions' }, { provider: 'mock' }] } }, t.token);
    expect(set.data.setProviderConfig.userErrors).toEqual([]);
    await publishedFlow(rig, t.token, 'AML', AML_ONLY, RULES);
    const run = async (name: string) => {
      const r = await rig.call(TRIGGER, { input: { flowCode: 'AML', subjectRef: 'subject-1', context: { name, birthDate: '1970-01-01', documentNumber: '12345678' } } }, t.token);
      expect(r.errors).toBeUndefined();
      return r.data.triggerExecution.request;
    };
    return { ...t, run };
  }

  test('an automatic flow screens the person with the OpenSanctions matching API (request shape, ApiKey header) and the rule rejects a match', async () => {
    const t = await amlTenant();
    const before = os.requests.length;
    const listed = await t.run('Sanctioned Person');
    expect(listed).toMatchObject({ status: 'COMPLETED', outcome: 'REJECTED', providerCalls: [{ provider: 'opensanctions', outcome: 'SUCCESS', attempts: 1, costReference: expect.stringMatching(/^opensanctions:os-/) }] });
    expect(listed.summary.steps.aml.output).toMatchObject({ matched: true, score: 0.93, provider: 'opensanctions', hits: [expect.objectContaining({ id: 'NK-abc', match: true }), expect.objectContaining({ id: 'Q1', match: false })] });
    const sent = os.requests[before]!;
    expect(sent).toEqual({ method: 'POST', path: '/match/sanctions', authorization: 'ApiKey test-key', body: { queries: { q1: { schema: 'Person', properties: { name: ['Sanctioned Person'], birthDate: ['1970-01-01'] } } } } });
    // The document number is not sent to a name-matching API.
    expect(JSON.stringify(sent.body)).not.toContain('12345678');
    expect(await t.run('Ordinary Person')).toMatchObject({ status: 'COMPLETED', outcome: 'APPROVED' });
  });

  test('a 429 is retried; a provider that keeps failing hands over to the next one (failover), and every attempt is recorded', async () => {
    const t = await amlTenant();
    os.script.push(429);
    expect(await t.run('Ordinary Person')).toMatchObject({ outcome: 'APPROVED', providerCalls: [{ provider: 'opensanctions', outcome: 'SUCCESS', attempts: 2 }] });
    os.script.push(500, 502, 503);
    const failedOver = await t.run('Ordinary Person');
    expect(failedOver).toMatchObject({ status: 'COMPLETED', providerCalls: [{ provider: 'opensanctions', outcome: 'FAILURE', attempts: 3 }, { provider: 'mock', outcome: 'SUCCESS', attempts: 1 }] });
    const rows = await rig.db.sql('select provider, outcome, attempts, error_code from flow.provider_calls where request_id = $1 order by created_at', [failedOver.id]);
    expect(rows).toEqual([{ provider: 'opensanctions', outcome: 'FAILURE', attempts: 3, error_code: 'HTTP_503' }, { provider: 'mock', outcome: 'SUCCESS', attempts: 1, error_code: null }]);
    const events = await waitFor(async () => {
      const found = rig.events.filter((e) => e.subject === 'flow.provider.called' && (e.data as { requestId: string }).requestId === failedOver.id);
      return found.length === 2 ? found : null;
    });
    expect(events.map((e) => (e.data as { provider: string; outcome: string }).outcome)).toEqual(['FAILURE', 'SUCCESS']);
  });

  test('an open circuit short-circuits (no request reaches the provider) and recovers after the half-open probe', async () => {
    const t = await amlTenant();
    os.down = true;
    // Three failed attempts open the breaker (breakerFailures: 3).
    expect((await t.run('Ordinary Person')).providerCalls).toEqual([expect.objectContaining({ provider: 'opensanctions', outcome: 'FAILURE' }), expect.objectContaining({ provider: 'mock', outcome: 'SUCCESS' })]);
    const seen = os.requests.length;
    const shorted = await t.run('Ordinary Person');
    expect(shorted.providerCalls).toEqual([expect.objectContaining({ provider: 'opensanctions', outcome: 'SHORT_CIRCUITED', attempts: 0 }), expect.objectContaining({ provider: 'mock', outcome: 'SUCCESS' })]);
    expect(os.requests.length).toBe(seen);
    os.down = false;
    // Once half-open, the next call is the probe; it succeeds and closes the circuit.
    const recovered = await waitFor(async () => {
      const r = await t.run('Ordinary Person');
      return r.providerCalls[0].outcome === 'SUCCESS' ? r : null;
    }, 20_000, 50);
    expect(recovered.providerCalls).toEqual([expect.objectContaining({ provider: 'opensanctions', outcome: 'SUCCESS', attempts: 1 })]);
    expect((await t.run('Ordinary Person')).providerCalls[0]).toMatchObject({ provider: 'opensanctions', outcome: 'SUCCESS' });
  });

  test('a provider that does not answer within the step timeout is a TIMEOUT, then the router fails over', async () => {
    const t = await amlTenant();
    os.stall = true;
    try {
      const r = await t.run('Ordinary Person');
      expect(r.providerCalls).toEqual([expect.objectContaining({ provider: 'opensanctions', outcome: 'TIMEOUT', attempts: 3 }), expect.objectContaining({ provider: 'mock', outcome: 'SUCCESS' })]);
    } finally { os.stall = false; }
  });

  test('when every provider fails, on_error FAIL ends the execution FAILED with flow.execution.failed', async () => {
    const t = await rig.tenant(['tenant_admin']);
    await rig.call(SET_CONFIG, { input: { capability: 'AML_SCREENING', providers: [{ provider: 'opensanctions', baseUrl: os.url }] } }, t.token);
    await publishedFlow(rig, t.token, 'STRICT', AML_ONLY);
    os.script.push(500, 500, 500);
    const r = await rig.call(TRIGGER, { input: { flowCode: 'STRICT', subjectRef: 's', context: { name: 'Someone' } } }, t.token);
    expect(r.data.triggerExecution.request).toMatchObject({ status: 'FAILED', outcome: null });
    const ev = await rig.event((e) => e.subject === 'flow.execution.failed' && (e.data as { requestId: string }).requestId === r.data.triggerExecution.request.id);
    expect(ev.data).toMatchObject({ reason: 'PROVIDER_FAILED', stepKey: 'aml' });
  });

  test('provider configuration is validated: unknown providers, bad datasets; and without the allowance private and loopback URLs are refused', async () => {
    const t = await rig.tenant(['tenant_admin']);
    const bad = [
      [{ capability: 'CREDIT_BUREAU', providers: [{ provider: 'opensanctions' }] }, 'PROVIDER_UNKNOWN', 'providers[0].provider'],
      [{ capability: 'AML_SCREENING', providers: [{ provider: 'mock' }, { provider: 'mock' }] }, 'PROVIDER_LIST_INVALID', 'providers'],
      [{ capability: 'AML_SCREENING', providers: [] }, 'PROVIDER_LIST_INVALID', 'providers'],
      [{ capability: 'AML_SCREENING', providers: [{ provider: 'opensanctions', dataset: '../x' }] }, 'DATASET_INVALID', 'providers[0].dataset'],
      [{ capability: 'AML_SCREENING', providers: [{ provider: 'opensanctions', baseUrl: 'ftp://x' }] }, 'PROVIDER_URL_INVALID', 'providers[0].baseUrl'],
    ] as const;
    for (const [input, code, field] of bad) {
      const r = await rig.call(SET_CONFIG, { input }, t.token);
      expect(r.data.setProviderConfig).toEqual({ config: null, userErrors: [expect.objectContaining({ code, field })] });
    }
    const staff = await rig.issuer.mint({ tenantId: t.tenantId, roles: ['staff'] });
    expect((await rig.call(SET_CONFIG, { input: { capability: 'AML_SCREENING', providers: [{ provider: 'mock' }] } }, staff)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');

    let strict: RunningFlow | null = null;
    try {
      strict = await startFlow({ adminUrl: rig.db.adminUrl, port: 0, host: '127.0.0.1', nc: rig.bus.nc, ns: rig.bus.ns, signer: rig.bus.signer, verifier: rig.issuer.verifier });
      for (const url of [os.url, 'https://127.0.0.1', 'https://localhost', 'https://10.1.2.3', 'https://[::1]', 'https://169.254.169.254', 'https://[::ffff:127.0.0.1]']) {
        const r = await gql(strict.url, SET_CONFIG, { input: { capability: 'AML_SCREENING', providers: [{ provider: 'opensanctions', baseUrl: url }] } }, { token: t.token });
        expect(r.data.setProviderConfig.userErrors).toEqual([expect.objectContaining({ code: 'PROVIDER_URL_INVALID', field: 'providers[0].baseUrl' })]);
      }
      expect(await rig.db.sql('select count(*)::int as n from flow.provider_configs where tenant_id = $1', [t.tenantId])).toEqual([{ n: 0 }]);
    } finally {
      await strict?.stop();
    }
  });
});
