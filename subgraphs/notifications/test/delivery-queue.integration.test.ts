/**
 * Queue-then-deliver and the retry schedule over time, through GraphQL on the real database and bus:
 * a transiently failing provider leaves the request QUEUED with its next round scheduled; the
 * sweeper runs the rounds of the (short, configured) schedule; every attempt is in the log with its
 * time and error; the outcome is one event. Waits on markers (the request's status), never on sleeps.
 */
import crypto from 'node:crypto';
import { waitFor } from '@imagy/platform/testing';
import { createGreeting, SET_CONFIG, startEnv, type Env } from './env';
import { startFakeProvider, type FakeProvider } from './fake-provider';

const SCHEDULE = [300, 600];
const SEND = `mutation($input: SendNotificationInput!) { sendNotification(input: $input) {
  request { id status provider error nextAttemptAt deliveryRounds attempts { number provider status error startedAt finishedAt } } userErrors { code } } }`;
const READ = `query($id: ID!) { notificationRequest(id: $id) { id status provider providerMessageId error nextAttemptAt deliveryRounds failedAt sentAt
  attempts { number provider status error startedAt finishedAt } } }`;

describe('notifications: queued delivery and the retry schedule', () => {
  let env: Env;
  let fake: FakeProvider;

  beforeAll(async () => {
    env = await startEnv('notif_queue', {
      allowPrivateUrls: true,
      // One try per route and round, so each round is one attempt; no jitter, so the schedule is exact.
      dispatch: { maxAttempts: 1, breakerThreshold: 100, retryScheduleMs: SCHEDULE, retryJitter: 0, sweepMs: 100, leaseMs: 10_000 },
      // Codes that expire before the schedule's third round could start (300 + 600 ms > 800 ms).
      otp: { ttlMs: 800, resendCooldownMs: 0 },
    });
    fake = await startFakeProvider();
  });
  afterAll(async () => { await fake?.close(); await env?.stop(); });
  beforeEach(() => { fake.requests.length = 0; });

  async function tenantWithTwilio() {
    const tenantId = crypto.randomUUID();
    const token = await env.issuer.mint({ tenantId, roles: ['tenant_admin'] });
    await createGreeting({ ...env, admin: token }, 'queue.test', 'SMS');
    const set = await env.call(SET_CONFIG, { input: { channel: 'SMS', provider: 'twilio', priority: 1, settings: { baseUrl: fake.url, from: '+15005550006' }, credentials: { accountSid: 'ACqueue', authToken: 'tok' } } }, token);
    expect(set.data.setChannelConfig.userErrors).toEqual([]);
    return { tenantId, token };
  }
  const send = (token: string, key: string) => env.call(SEND, { input: { templateKey: 'queue.test', channel: 'SMS', recipient: '+593991234567', locale: 'en', variables: { name: 'Ana' }, idempotencyKey: key } }, token);
  const read = async (token: string, id: string) => (await env.call(READ, { id }, token)).data.notificationRequest;
  const events = (tenantId: string, requestId: string) => env.sql<{ subject: string; data: { attempts: number; error?: string } }>(
    `select subject, envelope->'data' as data from notifications.outbox where tenant_id = $1 and envelope->'data'->>'requestId' = $2 and subject like 'notifications.message.%' order by created_at`, [tenantId, requestId]);

  test('a transient failure is retried on the schedule until it is spent: FAILED with every attempt logged and one failed event', async () => {
    const t = await tenantWithTwilio();
    fake.fallback = { status: 503, body: { code: 20500, message: 'Service Unavailable' } };
    const first = (await send(t.token, 'sched-fail')).data.sendNotification.request;
    // The mutation answers the first round: the request stays QUEUED with its next round scheduled.
    expect(first).toMatchObject({ status: 'QUEUED', provider: null, error: 'twilio: answered HTTP 503: 20500 Service Unavailable', deliveryRounds: 1, nextAttemptAt: expect.any(String) });
    expect(first.attempts).toHaveLength(1);
    expect(Date.parse(first.nextAttemptAt) - Date.parse(first.attempts[0].finishedAt)).toBeGreaterThanOrEqual(SCHEDULE[0]! - 50);

    const done = await waitFor(async () => { const r = await read(t.token, first.id); return r.status === 'FAILED' ? r : null; }, 20_000);
    expect(done).toMatchObject({ status: 'FAILED', deliveryRounds: 3, nextAttemptAt: null, failedAt: expect.any(String), error: 'twilio: answered HTTP 503: 20500 Service Unavailable' });
    expect(done.attempts.map((a: { number: number; status: string; error: string }) => [a.number, a.status, a.error])).toEqual([1, 2, 3].map((n) => [n, 'FAILED', 'twilio: answered HTTP 503: 20500 Service Unavailable']));
    // Each round starts no earlier than its scheduled delay after the previous one ended.
    for (const [i, delay] of SCHEDULE.entries()) {
      expect(Date.parse(done.attempts[i + 1].startedAt) - Date.parse(done.attempts[i].finishedAt)).toBeGreaterThanOrEqual(delay - 50);
    }
    expect(fake.requests).toHaveLength(3);
    expect(await events(t.tenantId, first.id)).toEqual([{ subject: 'notifications.message.failed', data: expect.objectContaining({ attempts: 3, error: 'twilio: answered HTTP 503: 20500 Service Unavailable' }) }]);
  });

  test('a provider that recovers before the schedule is spent delivers on the next round: SENT once, one sent event', async () => {
    const t = await tenantWithTwilio();
    fake.fallback = { status: 201, body: { sid: 'SMrecovered' } };
    fake.script({ status: 429, body: { code: 20429, message: 'Too Many Requests' } });
    const first = (await send(t.token, 'sched-recover')).data.sendNotification.request;
    expect(first).toMatchObject({ status: 'QUEUED', deliveryRounds: 1 });
    const done = await waitFor(async () => { const r = await read(t.token, first.id); return r.status !== 'QUEUED' ? r : null; }, 20_000);
    expect(done).toMatchObject({ status: 'SENT', provider: 'twilio', providerMessageId: 'SMrecovered', deliveryRounds: 2, nextAttemptAt: null, sentAt: expect.any(String) });
    expect(done.attempts.map((a: { status: string }) => a.status)).toEqual(['FAILED', 'SENT']);
    expect(await events(t.tenantId, first.id)).toEqual([{ subject: 'notifications.message.sent', data: expect.objectContaining({ attempts: 2, provider: 'twilio' }) }]);
    // The sealed message is erased once the request is final.
    expect(await env.sql(`select payload_enc, lease_token from notifications.requests where id = $1`, [first.id])).toEqual([{ payload_enc: null, lease_token: null }]);
  });

  test('a definitive refusal is not retried: FAILED at once', async () => {
    const t = await tenantWithTwilio();
    fake.fallback = { status: 400, body: { code: 21211, message: 'Invalid To' } };
    const first = (await send(t.token, 'sched-400')).data.sendNotification.request;
    expect(first).toMatchObject({ status: 'FAILED', deliveryRounds: 1, nextAttemptAt: null });
    expect(await events(t.tenantId, first.id)).toEqual([{ subject: 'notifications.message.failed', data: expect.objectContaining({ attempts: 1 }) }]);
  });

  test('an OTP message is not retried past the expiry of its code', async () => {
    const t = await tenantWithTwilio();
    fake.fallback = { status: 503 };
    const otp = await env.call(`mutation($input: RequestOtpInput!) { requestOtp(input: $input) { challenge { id } userErrors { code } } }`,
      { input: { purpose: 'sign.document', destination: '+593991230009', channel: 'SMS' } }, t.token);
    expect(otp.data.requestOtp.userErrors).toEqual([]);
    const [row] = await env.sql<{ id: string }>(`select id from notifications.requests where tenant_id = $1 and source = 'OTP'`, [t.tenantId]);
    const done = await waitFor(async () => { const r = await read(t.token, row!.id); return r.status === 'FAILED' ? r : null; }, 20_000);
    // The schedule allows three rounds; the expiry cut it short.
    expect(done.attempts.length).toBeLessThan(3);
    expect(await events(t.tenantId, row!.id)).toEqual([{ subject: 'notifications.message.failed', data: expect.objectContaining({ attempts: done.attempts.length }) }]);
  });
});
