/**
 * The Truora adapter against a local server that plays Truora's Checks API: the form-encoded
 * create with the Truora-API-Key header (the tenant's own key from its sealed secret), polling to a
 * final status, identity verdicts deciding the outcome, consent required, 429 retried (the repeated
 * create returns the same check), a check that ends in error failing over to the next provider.
 */
import { publishedFlow, startFlowRig, TRIGGER, type FlowRig } from './harness';
import { startFakeTruora, type FakeTruora } from './truora-server';

const SET_CONFIG = `mutation($input: SetProviderConfigInput!) { setProviderConfig(input: $input) { userErrors { code field } } }`;
const SET_SECRET = `mutation($input: SetProviderSecretInput!) { setProviderSecret(input: $input) { userErrors { code field } } }`;
const IDENTITY = [{ key: 'identity', name: 'Identity', type: 'PROVIDER', capability: 'IDENTITY_DOCUMENT', timeoutMs: 5000,
  inputMapping: { documentNumber: 'context.documentNumber', country: 'context.country', userAuthorized: 'context.consent', birthDate: 'context.birthDate' } }];
const RULES = [{ name: 'identity not valid', kind: 'OUTCOME', outcome: 'REJECTED', condition: { op: 'eq', path: 'steps.identity.valid', value: false } }];

describe('Truora checks (IDENTITY_DOCUMENT) against a local Truora', () => {
  let rig: FlowRig;
  let truora: FakeTruora;
  let tenant: { tenantId: string; token: string };

  beforeAll(async () => {
    truora = await startFakeTruora();
    rig = await startFlowRig('flowtruora', { allowPrivateProviderUrls: true, truoraPollMs: 10, gatewayLimits: { retries: 1, backoffInitialMs: 1, backoffMaxMs: 5 } });
    tenant = await rig.tenant(['tenant_admin']);
    truora.keys.push('tenant-truora-key');
    expect((await rig.call(SET_SECRET, { input: { provider: 'truora', apiKey: 'tenant-truora-key', baseUrl: truora.url } }, tenant.token)).data.setProviderSecret.userErrors).toEqual([]);
    expect((await rig.call(SET_CONFIG, { input: { capability: 'IDENTITY_DOCUMENT', providers: [{ provider: 'truora' }, { provider: 'mock' }] } }, tenant.token)).data.setProviderConfig.userErrors).toEqual([]);
    await publishedFlow(rig, tenant.token, 'ID_CHECK', IDENTITY, RULES);
  });
  afterAll(async () => { await rig?.stop(); await truora?.close(); });

  const run = async (context: Record<string, unknown>) => {
    const r = await rig.call(TRIGGER, { input: { flowCode: 'ID_CHECK', subjectRef: 'lending:application:t', context } }, tenant.token);
    expect(r.errors).toBeUndefined();
    return r.data.triggerExecution.request;
  };

  test('a found identity: form-encoded create with the tenant key, polled to completed, APPROVED with the check as cost reference', async () => {
    const before = truora.requests.length;
    const r = await run({ documentNumber: '1012345678', country: 'co', consent: true, birthDate: '1990-05-01' });
    expect(r).toMatchObject({ status: 'COMPLETED', outcome: 'APPROVED', providerCalls: [{ provider: 'truora', outcome: 'SUCCESS', attempts: 1, costReference: expect.stringMatching(/^truora:CHK\d+$/) }] });
    expect(r.summary.steps.identity.output).toEqual({ valid: true, fraudSignals: [], score: 0.92, identityStatus: 'found', checkId: expect.stringMatching(/^CHK/), provider: 'truora' });
    const sent = truora.requests.slice(before);
    expect(sent[0]).toEqual({ method: 'POST', path: '/v1/checks', apiKey: 'tenant-truora-key', contentType: 'application/x-www-form-urlencoded', form: { national_id: '1012345678', country: 'CO', type: 'person', user_authorized: 'true', date_of_birth: '1990-05-01' } });
    expect(sent.slice(1).map((x) => [x.method, x.path])).toEqual([['GET', `/v1/checks/${r.summary.steps.identity.output.checkId}`]]);
  });

  test('identity not found or dead: valid false decides REJECTED; no consent is not sent and fails over to the next provider', async () => {
    expect((await run({ documentNumber: '1012349003', country: 'CO', consent: true })).summary.steps.identity.output).toMatchObject({ valid: false, fraudSignals: ['IDENTITY_NOT_FOUND'] });
    const dead = await run({ documentNumber: '1012349004', country: 'CO', consent: true });
    expect(dead).toMatchObject({ outcome: 'REJECTED' });
    expect(dead.summary.steps.identity.output.fraudSignals).toEqual(['DECEASED']);
    const before = truora.requests.length;
    const noConsent = await run({ documentNumber: '1012345679', country: 'CO' });
    expect(noConsent.providerCalls).toEqual([expect.objectContaining({ provider: 'truora', outcome: 'FAILURE', attempts: 1 }), expect.objectContaining({ provider: 'mock', outcome: 'SUCCESS' })]);
    expect(truora.requests.length).toBe(before);
  });

  test('a 429 on create is retried; a repeated create for the same person returns the same check (Truora de-duplicates); a check ending in error fails over', async () => {
    truora.script.push(429);
    const retried = await run({ documentNumber: '1012345680', country: 'CO', consent: true });
    expect(retried.providerCalls).toEqual([expect.objectContaining({ provider: 'truora', outcome: 'SUCCESS', attempts: 2 })]);
    const again = await run({ documentNumber: '1012345680', country: 'CO', consent: true });
    expect(again.summary.steps.identity.output.checkId).toBe(retried.summary.steps.identity.output.checkId);
    const errored = await run({ documentNumber: '1012349005', country: 'CO', consent: true });
    expect(errored.providerCalls).toEqual([expect.objectContaining({ provider: 'truora', outcome: 'FAILURE' }), expect.objectContaining({ provider: 'mock', outcome: 'SUCCESS' })]);
    const rows = await rig.db.sql('select error_code from flow.provider_calls where request_id = $1 order by created_at', [errored.id]);
    expect(rows).toEqual([{ error_code: 'CHECK_ERROR' }, { error_code: null }]);
  });
});
