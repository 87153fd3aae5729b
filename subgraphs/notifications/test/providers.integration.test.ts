import crypto from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { twilioSignature } from '../src/delivery/callbacks';
import { createGreeting, MAILBOX, SEND, SET_CONFIG, startEnv, type Env } from './env';
import { startFakeProvider, type FakeProvider } from './fake-provider';

const CONFIGS = `query($channel: NotificationChannel) { channelConfigs(channel: $channel) { id provider priority settings hasCredentials } }`;

describe('notifications: provider adapters, failover, retries and the circuit breaker', () => {
  let env: Env;
  let fake: FakeProvider;

  // Tenant-supplied URLs here are loopback: these tests allow private addresses explicitly.
  beforeAll(async () => {
    env = await startEnv('notif_providers', { allowPrivateUrls: true, dispatch: { maxAttempts: 3, initialDelayMs: 5, maxDelayMs: 50, breakerThreshold: 3, halfOpenAfterMs: 60_000 } });
    fake = await startFakeProvider();
  });
  afterAll(async () => { await fake?.close(); await env?.stop(); });
  beforeEach(() => { fake.requests.length = 0; fake.fallback = { status: 200, body: {} }; });

  /** A fresh tenant (its own configs and circuit breakers) with an admin token and an SMS+webhook template. */
  async function freshTenant() {
    const tenantId = crypto.randomUUID();
    const token = await env.issuer.mint({ tenantId, roles: ['tenant_admin'] });
    const scoped: Env = { ...env, admin: token, staff: token };
    await createGreeting(scoped, 'provider.test', 'SMS');
    await createGreeting(scoped, 'provider.test', 'WEBHOOK');
    return { tenantId, token, env: scoped };
  }

  const twilio = (priority: number, extra: Record<string, unknown> = {}) => ({
    channel: 'SMS', provider: 'twilio', priority,
    settings: { baseUrl: fake.url, from: '+15005550006', ...extra },
    credentials: { accountSid: 'AC0123456789abcdef', authToken: 'tw-secret-token' },
  });
  const send = (token: string, key: string, channel = 'SMS', recipient = '+593991234567') =>
    env.call(SEND, { input: { templateKey: 'provider.test', channel, recipient, locale: 'en', variables: { name: 'Ana' }, idempotencyKey: key } }, token);

  test('webhook messages carry Standard Webhooks signatures that the standardwebhooks library verifies', async () => {
    const t = await freshTenant();
    const secret = `whsec_${crypto.randomBytes(32).toString('base64')}`;
    const set = await env.call(SET_CONFIG, { input: { channel: 'WEBHOOK', provider: 'webhook', priority: 1, settings: {}, credentials: { signingSecret: secret } } }, t.token);
    expect(set.data.setChannelConfig).toMatchObject({ config: { provider: 'webhook', priority: 1, settings: {}, hasCredentials: true }, userErrors: [] });
    fake.fallback = { status: 204 };
    const sent = await send(t.token, 'wh-1', 'WEBHOOK', `${fake.url}/hooks/imagy?x=1`);
    expect(sent.data.sendNotification.request).toMatchObject({ status: 'SENT', provider: 'webhook', recipient: `${fake.url}/…` });
    expect(fake.requests).toHaveLength(1);
    const req = fake.requests[0]!;
    expect(req).toMatchObject({ method: 'POST', url: '/hooks/imagy?x=1' });
    const payload = new Webhook(secret).verify(req.body, { 'webhook-id': String(req.headers['webhook-id']), 'webhook-timestamp': String(req.headers['webhook-timestamp']), 'webhook-signature': String(req.headers['webhook-signature']) });
    expect(payload).toMatchObject({ type: 'provider.test', data: { body: 'Hi Ana, your application was approved.', variables: { name: 'Ana' } } });
    expect(() => new Webhook(`whsec_${crypto.randomBytes(32).toString('base64')}`).verify(req.body, { 'webhook-id': String(req.headers['webhook-id']), 'webhook-timestamp': String(req.headers['webhook-timestamp']), 'webhook-signature': String(req.headers['webhook-signature']) })).toThrow();
  });

  test('credentials are encrypted at rest and never returned; bad provider settings are refused', async () => {
    const t = await freshTenant();
    const set = await env.call(SET_CONFIG, { input: twilio(1) }, t.token);
    expect(set.data.setChannelConfig.userErrors).toEqual([]);
    const listed = await env.call(CONFIGS, { channel: 'SMS' }, t.token);
    expect(JSON.stringify(listed.data)).not.toContain('tw-secret-token');
    expect(listed.data.channelConfigs).toEqual([{ id: expect.any(String), provider: 'twilio', priority: 1, settings: { baseUrl: fake.url, from: '+15005550006' }, hasCredentials: true }]);
    const stored = await env.sql(`select credentials_enc from notifications.channel_configs where tenant_id = $1`, [t.tenantId]);
    expect(stored[0].credentials_enc).toMatch(/^v1\./);
    expect(stored[0].credentials_enc).not.toContain('tw-secret');
    const unknown = await env.call(SET_CONFIG, { input: { ...twilio(2), provider: 'carrier-pigeon' } }, t.token);
    expect(unknown.data.setChannelConfig.userErrors[0]).toMatchObject({ code: 'PROVIDER_UNKNOWN', field: 'provider' });
    const noCreds = await env.call(SET_CONFIG, { input: { ...twilio(2), credentials: {} } }, t.token);
    expect(noCreds.data.setChannelConfig.userErrors[0]).toMatchObject({ code: 'PROVIDER_SETTINGS_INVALID', field: 'credentials' });
    const shortSecret = await env.call(SET_CONFIG, { input: { channel: 'WEBHOOK', provider: 'webhook', priority: 1, settings: {}, credentials: { signingSecret: 'whsec_c2hvcnQ=' } } }, t.token);
    expect(shortSecret.data.setChannelConfig.userErrors[0]).toMatchObject({ code: 'PROVIDER_SETTINGS_INVALID', field: 'credentials' });
    const staff = await env.call(CONFIGS, {}, env.staff);
    expect(staff.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  test('Twilio is called with basic auth and a form body; its message sid is the provider message id', async () => {
    const t = await freshTenant();
    await env.call(SET_CONFIG, { input: twilio(1) }, t.token);
    fake.script({ status: 201, body: { sid: 'SM0123456789abcdef0123456789abcdef', status: 'queued' } });
    const sent = await send(t.token, 'tw-1');
    expect(sent.data.sendNotification.request).toMatchObject({ status: 'SENT', provider: 'twilio', providerMessageId: 'SM0123456789abcdef0123456789abcdef' });
    const req = fake.requests[0]!;
    expect(req.method).toBe('POST');
    expect(req.url).toBe('/2010-04-01/Accounts/AC0123456789abcdef/Messages.json');
    expect(req.headers.authorization).toBe(`Basic ${Buffer.from('AC0123456789abcdef:tw-secret-token').toString('base64')}`);
    expect(req.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(Object.fromEntries(new URLSearchParams(req.body))).toEqual({ To: '+593991234567', Body: 'Hi Ana, your application was approved.', From: '+15005550006' });
  });

  test('a 429 is retried with backoff on the same provider and every attempt is logged', async () => {
    const t = await freshTenant();
    await env.call(SET_CONFIG, { input: twilio(1) }, t.token);
    fake.script({ status: 429, body: { code: 20429, message: 'Too Many Requests' }, headers: { 'retry-after': '1' } }, { status: 201, body: { sid: 'SMretry' } });
    const sent = await send(t.token, 'tw-429');
    expect(sent.data.sendNotification.request.attempts).toEqual([
      { number: 1, provider: 'twilio', status: 'FAILED', providerMessageId: null, error: 'twilio: answered HTTP 429: 20429 Too Many Requests' },
      { number: 2, provider: 'twilio', status: 'SENT', providerMessageId: 'SMretry', error: null },
    ]);
  });

  test('a failing primary makes the next provider deliver: a 400 fails over at once, 5xx after the retries', async () => {
    const t = await freshTenant();
    await env.call(SET_CONFIG, { input: twilio(1) }, t.token);
    await env.call(SET_CONFIG, { input: { channel: 'SMS', provider: 'local', priority: 2, settings: {} } }, t.token);
    fake.script({ status: 400, body: { code: 21211, message: "The 'To' number is not a valid phone number." } });
    const refused = await send(t.token, 'fo-400');
    expect(refused.data.sendNotification.request).toMatchObject({ status: 'SENT', provider: 'local' });
    expect(refused.data.sendNotification.request.attempts.map((a: { provider: string; status: string }) => `${a.provider}:${a.status}`)).toEqual(['twilio:FAILED', 'local:SENT']);
    fake.script({ status: 503 }, { status: 503 }, { status: 500 });
    const down = await send(t.token, 'fo-500');
    expect(down.data.sendNotification.request.attempts.map((a: { provider: string; status: string }) => `${a.provider}:${a.status}`)).toEqual(['twilio:FAILED', 'twilio:FAILED', 'twilio:FAILED', 'local:SENT']);
    const mailbox = await env.call(MAILBOX, { recipient: '+593991234567' }, t.token);
    expect(mailbox.data.localMailbox.edges).toHaveLength(2);
  });

  test('after consecutive failures the circuit opens: the primary is skipped without a call and the fallback delivers', async () => {
    const t = await freshTenant();
    await env.call(SET_CONFIG, { input: twilio(1) }, t.token);
    await env.call(SET_CONFIG, { input: { channel: 'SMS', provider: 'local', priority: 2, settings: {} } }, t.token);
    fake.fallback = { status: 500 };
    await send(t.token, 'cb-1'); // three 500s: the breaker's threshold
    const calls = fake.requests.length;
    expect(calls).toBe(3);
    const skipped = await send(t.token, 'cb-2');
    expect(skipped.data.sendNotification.request.attempts).toEqual([
      { number: 1, provider: 'twilio', status: 'FAILED', providerMessageId: null, error: 'twilio: circuit open' },
      { number: 2, provider: 'local', status: 'SENT', providerMessageId: expect.stringMatching(/^local-/), error: null },
    ]);
    expect(fake.requests.length).toBe(calls);
  });

  test('a signed Twilio status callback marks the message delivered once; a bad signature changes nothing', async () => {
    const t = await freshTenant();
    const first = await env.call(SET_CONFIG, { input: twilio(1) }, t.token);
    const configId = first.data.setChannelConfig.config.id as string;
    const callbackUrl = `${env.running.url.replace(/\/graphql$/, '')}/callbacks/twilio/${t.tenantId}/${configId}`;
    // Settings change alone: the stored credentials are kept.
    const again = await env.call(SET_CONFIG, { input: { channel: 'SMS', provider: 'twilio', priority: 1, settings: { baseUrl: fake.url, from: '+15005550006', statusCallback: callbackUrl } } }, t.token);
    expect(again.data.setChannelConfig.config).toMatchObject({ id: configId, hasCredentials: true });
    fake.script({ status: 201, body: { sid: 'SMcallback0001' } });
    const sent = await send(t.token, 'tw-cb');
    expect(new URLSearchParams(fake.requests[0]!.body).get('StatusCallback')).toBe(callbackUrl);
    const report = { MessageSid: 'SMcallback0001', MessageStatus: 'delivered', AccountSid: 'AC0123456789abcdef' };
    const post = (signature: string) => fetch(callbackUrl, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature }, body: new URLSearchParams(report).toString() });
    expect((await post(twilioSignature('wrong-token', callbackUrl, report))).status).toBe(403);
    const READ = `query($id: ID!) { notificationRequest(id: $id) { status deliveredAt } }`;
    expect((await env.call(READ, { id: sent.data.sendNotification.request.id }, t.token)).data.notificationRequest).toEqual({ status: 'SENT', deliveredAt: null });
    expect((await post(twilioSignature('tw-secret-token', callbackUrl, report))).status).toBe(204);
    expect((await post(twilioSignature('tw-secret-token', callbackUrl, report))).status).toBe(204);
    expect((await env.call(READ, { id: sent.data.sendNotification.request.id }, t.token)).data.notificationRequest).toEqual({ status: 'DELIVERED', deliveredAt: expect.any(String) });
    const events = await env.sql(`select envelope->'data' as data from notifications.outbox where subject = 'notifications.message.delivered' and tenant_id = $1`, [t.tenantId]);
    expect(events.map((e) => e.data)).toEqual([expect.objectContaining({ requestId: sent.data.sendNotification.request.id, status: 'DELIVERED', provider: 'twilio' })]);
    const otherTenant = `${env.running.url.replace(/\/graphql$/, '')}/callbacks/twilio/${crypto.randomUUID()}/${configId}`;
    expect((await fetch(otherTenant, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'MessageSid=x' })).status).toBe(404);
  });

  test('with every provider failing the request is FAILED, with the last error, and a failed event', async () => {
    const t = await freshTenant();
    await env.call(SET_CONFIG, { input: twilio(1) }, t.token);
    fake.fallback = { status: 401, body: { code: 20003, message: 'Authenticate' } };
    const failed = await send(t.token, 'all-fail');
    expect(failed.data.sendNotification.request).toMatchObject({ status: 'FAILED', provider: null, error: 'twilio: answered HTTP 401: 20003 Authenticate' });
    const events = await env.sql(`select envelope from notifications.outbox where subject = 'notifications.message.failed' and tenant_id = $1`, [t.tenantId]);
    expect(events.map((e) => e.envelope.data)).toEqual([expect.objectContaining({ requestId: failed.data.sendNotification.request.id, attempts: 1, recipient: '+5939****4567' })]);
  });
});

describe('notifications: outbound calls to private addresses', () => {
  let env: Env;
  let fake: FakeProvider;
  beforeAll(async () => {
    env = await startEnv('notif_ssrf', { allowPrivateUrls: false });
    fake = await startFakeProvider({ status: 204 });
  });
  afterAll(async () => { await fake?.close(); await env?.stop(); });

  test('a webhook to a loopback address is refused unless configuration allows it; nothing reaches the server', async () => {
    await createGreeting(env, 'ssrf.test', 'WEBHOOK');
    await env.call(SET_CONFIG, { input: { channel: 'WEBHOOK', provider: 'webhook', priority: 1, settings: {}, credentials: { signingSecret: `whsec_${crypto.randomBytes(32).toString('base64')}` } } }, env.admin);
    const sent = await env.call(SEND, { input: { templateKey: 'ssrf.test', channel: 'WEBHOOK', recipient: `${fake.url}/hook`, variables: { name: 'x' }, idempotencyKey: 'ssrf-1' } }, env.staff);
    expect(sent.data.sendNotification.request).toMatchObject({ status: 'FAILED', error: 'webhook: private or loopback addresses are not allowed' });
    expect(sent.data.sendNotification.request.attempts).toHaveLength(1);
    expect(fake.requests).toHaveLength(0);
  });
});
