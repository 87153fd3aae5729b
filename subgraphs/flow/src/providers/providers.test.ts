import crypto from 'node:crypto';
import { SecretBox, UNREADABLE } from './secrets';
import { isPublicAddress, urlProblem } from './network';
import { MockProvider, personaOf } from './mock';
import { maskDocument, ProviderError } from './types';
import { newAccessToken, tenantOfToken } from '../executions/token';

describe('mock providers', () => {
  const mock = new MockProvider();
  const call = (capability: Parameters<MockProvider['call']>[0]['capability'], input: Record<string, unknown>) => mock.call({ capability, input, choice: { provider: 'mock' }, secret: null, signal: new AbortController().signal });

  test('personas by document number are deterministic for every capability', async () => {
    expect([personaOf('12345678'), personaOf('12349001'), personaOf('12349002'), personaOf('12349003'), personaOf(undefined)]).toEqual(['clean', 'thin_file', 'sanctioned', 'fraud', 'clean']);
    expect((await call('CREDIT_BUREAU', { documentNumber: '12349001' })).output).toMatchObject({ thinFile: true, score: null });
    expect((await call('AML_SCREENING', { documentNumber: '12349002' })).output).toMatchObject({ matched: true });
    expect((await call('IDENTITY_DOCUMENT', { documentNumber: '12349003' })).output).toMatchObject({ valid: false });
    expect((await call('LIVENESS', { documentNumber: '12345678' })).output).toMatchObject({ live: true });
    expect((await call('PHONE_LOOKUP', { phone: '+525512349003' })).output).toMatchObject({ risk: 'HIGH' });
    const a = await call('CREDIT_BUREAU', { documentNumber: '12345678' });
    expect(a).toEqual(await call('CREDIT_BUREAU', { documentNumber: '12345678' }));
    expect(a.costReference).toMatch(/^mock:credit_bureau:[0-9a-f]{16}$/);
  });

  test('missing input is a non-retryable provider error', async () => {
    await expect(call('CREDIT_BUREAU', {})).rejects.toEqual(expect.objectContaining({ code: 'INPUT_MISSING', retryable: false }));
    await expect(call('CREDIT_BUREAU', {})).rejects.toBeInstanceOf(ProviderError);
  });
});

describe('masking and tokens', () => {
  test('a document number shows only its last four characters', () => {
    expect(maskDocument('12345678')).toBe('****5678');
    expect(maskDocument('123')).toBe('****');
    expect(maskDocument(undefined)).toBe('****');
  });

  test('an access token names its tenant and nothing else is readable from it', () => {
    const tenant = '0b7c6f1e-8a0d-4b8e-9c51-2f5d7a3e9b10';
    const { token, hash } = newAccessToken(tenant);
    expect(token).toMatch(/^flw_[A-Za-z0-9_-]{64}$/);
    expect(tenantOfToken(token)).toBe(tenant);
    expect(hash).toHaveLength(32);
    expect(newAccessToken(tenant).token).not.toBe(token);
    for (const bad of ['', 'flw_', `${token}x`, token.replace('flw_', 'abc_'), 'flw_' + '!'.repeat(64)]) expect(tenantOfToken(bad)).toBeNull();
  });
});

describe('outbound address policy', () => {
  test('private, loopback, link-local and mapped addresses are not public', () => {
    for (const a of ['127.0.0.1', '10.0.0.1', '172.16.5.4', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '::1', 'fe80::1', 'fd00::1', '::ffff:127.0.0.1', 'not-an-ip']) expect([a, isPublicAddress(a)]).toEqual([a, false]);
    for (const a of ['8.8.8.8', '1.1.1.1', '2606:4700:4700::1111']) expect([a, isPublicAddress(a)]).toEqual([a, true]);
  });

  test('URLs: https only unless private networks are allowed; no credentials; literal private hosts refused', async () => {
    expect(await urlProblem('http://8.8.8.8', { allowPrivateNetworks: false })).toBe('https is required');
    expect(await urlProblem('https://user:pw@8.8.8.8', { allowPrivateNetworks: false })).toBe('credentials in the URL');
    expect(await urlProblem('https://10.0.0.1/x', { allowPrivateNetworks: false })).toBe('the host has a private or loopback address');
    expect(await urlProblem('https://8.8.8.8/x', { allowPrivateNetworks: false })).toBeNull();
    expect(await urlProblem('http://127.0.0.1:9', { allowPrivateNetworks: true })).toBeNull();
  });
});

describe('provider secrets at rest', () => {
  test('sealed per tenant and provider: another tenant, provider or key opens nothing', () => {
    const box = new SecretBox(crypto.randomBytes(32));
    const sealed = box.seal('tenant-a', 'opensanctions', { apiKey: 'k-123', baseUrl: 'https://x.example' });
    expect(sealed).not.toContain('k-123');
    expect(box.open('tenant-a', 'opensanctions', sealed)).toEqual({ apiKey: 'k-123', baseUrl: 'https://x.example' });
    expect(box.open('tenant-b', 'opensanctions', sealed)).toBe(UNREADABLE);
    expect(box.open('tenant-a', 'truora', sealed)).toBe(UNREADABLE);
    expect(new SecretBox(crypto.randomBytes(32)).open('tenant-a', 'opensanctions', sealed)).toBe(UNREADABLE);
    expect(box.open('tenant-a', 'opensanctions', sealed.slice(0, -2) + (sealed.endsWith('A') ? 'BB' : 'AA'))).toBe(UNREADABLE);
  });
});
