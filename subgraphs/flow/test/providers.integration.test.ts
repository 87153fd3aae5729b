import { waitFor } from '@imagy/platform/testing';
import { startFlow, type RunningFlow } from '../src/app';
import { gql } from '@imagy/platform/testing';
import { publishedFlow, startFlowRig, TRIGGER, type FlowRig } from './harness';
import { startFakeOpenSanctions, type FakeOpenSanctions } from './opensanctions-server';

const SET_CONFIG = `mutation($input: SetProviderConfigInput!) { setProviderConfig(input: $input) { config { capability providers { provider baseUrl dataset } } userErrors { code message field } } }`;
const SET_SECRET = `mutation($input: SetProviderSecretInput!) { setProviderSecret(input: $input) { secret { provider fields updatedAt } userErrors { code message field } } }`;
const REMOVE_SECRET = `mutation($input: RemoveProviderSecretInput!) { removeProviderSecret(input: $input) { removed userErrors { code message field } } }`;
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
    // Once half-open, the next call is the probe; it succeeds and closes the circuit. Until then a
    // run is short-circuited and served by the mock: wait for the run OpenSanctions itself answered.
    const recovered = await waitFor(async () => {
      const r = await t.run('Ordinary Person');
      return r.providerCalls.some((c: { provider: string; outcome: string }) => c.provider === 'opensanctions' && c.outcome === 'SUCCESS') ? r : null;
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

  test("a tenant's own provider secret: sealed at rest, never returned, audited, used by the router before the installation's key; other tenants keep the default", async () => {
    const a = await rig.tenant(['tenant_admin']);
    const b = await rig.tenant(['tenant_admin']);
    os.keys.push('tenant-a-key');
    // A's router configuration names no URL (its secret has one); B's names the provider's URL and has no secret.
    for (const [t, choice] of [[a, { provider: 'opensanctions' }], [b, { provider: 'opensanctions', baseUrl: os.url }]] as const) {
      expect((await rig.call(SET_CONFIG, { input: { capability: 'AML_SCREENING', providers: [choice] } }, t.token)).data.setProviderConfig.userErrors).toEqual([]);
      await publishedFlow(rig, t.token, 'OWN_KEY', AML_ONLY, RULES);
    }
    const set = await rig.call(SET_SECRET, { input: { provider: 'opensanctions', apiKey: 'tenant-a-key', baseUrl: os.url } }, a.token);
    expect(set.data.setProviderSecret).toEqual({ secret: { provider: 'opensanctions', fields: ['apiKey', 'baseUrl'], updatedAt: expect.any(String) }, userErrors: [] });
    const audited = await rig.event((e) => e.subject === 'flow.provider_secret.changed' && e.tenantId === a.tenantId);
    expect(audited.data).toEqual({ provider: 'opensanctions', fields: ['apiKey', 'baseUrl'], change: 'SET' });
    expect(JSON.stringify(rig.events)).not.toContain('tenant-a-key');
    const stored = await rig.db.sql<{ sealed: string }>('select sealed from flow.provider_secrets where tenant_id = $1', [a.tenantId]);
    expect(stored[0]!.sealed).toMatch(/^v1\./);
    expect(stored[0]!.sealed).not.toContain('tenant-a-key');
    expect((await rig.call(`{ providerSecrets { provider fields } }`, {}, a.token)).data.providerSecrets).toEqual([{ provider: 'opensanctions', fields: ['apiKey', 'baseUrl'] }]);
    expect((await rig.call(`{ providerSecrets { provider fields } }`, {}, b.token)).data.providerSecrets).toEqual([]);
    // Below the API, as the subgraph's own role with tenant B set: A's sealed secret is neither visible nor writable.
    const touched = await rig.flow.orm.em.fork().transactional(async (tx) => {
      await tx.execute("select set_config('app.tenant_id', ?, true)", [b.tenantId]);
      const seen = await tx.execute<{ provider: string }[]>('select provider from provider_secrets');
      const changed = await tx.execute<{ provider: string }[]>("update provider_secrets set sealed = 'x' where tenant_id = ? returning provider", [a.tenantId]);
      const removed = await tx.execute<{ provider: string }[]>('delete from provider_secrets where tenant_id = ? returning provider', [a.tenantId]);
      return seen.length + changed.length + removed.length;
    });
    expect(touched).toBe(0);

    // A's run goes to A's own base URL with A's key; B's (no secret) with the installation's key.
    const before = os.requests.length;
    const run = (t: { token: string }) => rig.call(TRIGGER, { input: { flowCode: 'OWN_KEY', subjectRef: 's', context: { name: 'Ordinary Person' } } }, t.token);
    for (const t of [a, b]) expect((await run(t)).data.triggerExecution.request).toMatchObject({ status: 'COMPLETED', providerCalls: [{ provider: 'opensanctions', outcome: 'SUCCESS' }] });
    expect(os.requests.slice(before).map((r) => r.authorization)).toEqual(['ApiKey tenant-a-key', 'ApiKey test-key']);

    // Bad input, roles, removal.
    const bad = [
      [{ provider: 'mock', apiKey: 'x' }, 'PROVIDER_TAKES_NO_SECRET', 'provider'],
      [{ provider: 'nobody', apiKey: 'x' }, 'PROVIDER_TAKES_NO_SECRET', 'provider'],
      [{ provider: 'opensanctions', apiKey: 'has space' }, 'SECRET_INVALID', 'apiKey'],
      [{ provider: 'opensanctions', apiKey: 'k'.repeat(501) }, 'SECRET_INVALID', 'apiKey'],
      [{ provider: 'opensanctions' }, 'SECRET_EMPTY', 'apiKey'],
      [{ provider: 'opensanctions', baseUrl: 'ftp://x' }, 'PROVIDER_URL_INVALID', 'baseUrl'],
    ] as const;
    for (const [input, code, field] of bad) expect((await rig.call(SET_SECRET, { input }, b.token)).data.setProviderSecret).toEqual({ secret: null, userErrors: [expect.objectContaining({ code, field })] });
    const staff = await rig.issuer.mint({ tenantId: a.tenantId, roles: ['staff'] });
    expect((await rig.call(SET_SECRET, { input: { provider: 'opensanctions', apiKey: 'x' } }, staff)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect((await rig.call(`{ providerSecrets { provider } }`, {}, staff)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect((await rig.call(REMOVE_SECRET, { input: { provider: 'opensanctions' } }, b.token)).data.removeProviderSecret).toEqual({ removed: false, userErrors: [expect.objectContaining({ code: 'SECRET_NOT_FOUND', field: 'provider' })] });
    expect((await rig.call(REMOVE_SECRET, { input: { provider: 'opensanctions' } }, a.token)).data.removeProviderSecret).toEqual({ removed: true, userErrors: [] });
    expect(await rig.db.sql('select count(*)::int as n from flow.provider_secrets')).toEqual([{ n: 0 }]);
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
      const secret = await gql(strict.url, SET_SECRET, { input: { provider: 'opensanctions', apiKey: 'k', baseUrl: 'https://127.0.0.1' } }, { token: t.token });
      expect(secret.data.setProviderSecret.userErrors).toEqual([expect.objectContaining({ code: 'PROVIDER_URL_INVALID', field: 'baseUrl' })]);
      expect(await rig.db.sql('select count(*)::int as n from flow.provider_secrets where tenant_id = $1', [t.tenantId])).toEqual([{ n: 0 }]);
    } finally {
      await strict?.stop();
    }
  });
});
