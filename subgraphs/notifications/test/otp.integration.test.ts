import { MAILBOX, startEnv, type Env } from './env';

const REQUEST = `mutation($input: RequestOtpInput!) { requestOtp(input: $input) { challenge { id purpose channel destination status expiresAt } userErrors { code message field } } }`;
const VERIFY = `mutation($input: VerifyOtpInput!) { verifyOtp(input: $input) { verified attemptsLeft userErrors { code field } } }`;
const PREFERENCE = `mutation($input: SetNotificationPreferenceInput!) { setNotificationPreference(input: $input) { preference { recipient channel optedOut } userErrors { code field } } }`;

describe('notifications: one-time codes', () => {
  let env: Env;
  beforeAll(async () => { env = await startEnv('notif_otp', { otp: { maxAttempts: 3, resendCooldownMs: 60_000, perDestinationPerHour: 3, perIpPerHour: 100 } }); });
  afterAll(async () => { await env?.stop(); });

  /** The code the local provider delivered to a destination (its newest message). */
  async function deliveredCode(destination: string): Promise<string> {
    const box = await env.call(MAILBOX, { recipient: destination }, env.staff);
    const body = box.data.localMailbox.edges[0].node.body as string;
    return /(\d{6})/.exec(body)![1]!;
  }
  const request = (destination: string, channel = 'SMS', locale = 'es') => env.call(REQUEST, { input: { purpose: 'sign.document', destination, channel, locale } }, env.borrower);
  const verify = (challengeId: string, code: string) => env.call(VERIFY, { input: { challengeId, code } }, env.borrower);

  test('a correct code verifies once; a replayed verification fails; the code is stored only hashed', async () => {
    const r = await request('+593991110001');
    expect(r.data.requestOtp.userErrors).toEqual([]);
    const challenge = r.data.requestOtp.challenge;
    expect(challenge).toMatchObject({ purpose: 'sign.document', channel: 'SMS', destination: '+5939****0001', status: 'PENDING' });
    const code = await deliveredCode('+593991110001');
    const box = await env.call(MAILBOX, { recipient: '+593991110001' }, env.staff);
    expect(box.data.localMailbox.edges[0].node.body).toBe(`Su código de verificación de Imagy es ${code}. Vence en 5 minutos. No lo comparta.`);
    const stored = await env.sql(`select * from notifications.otp_challenges where id = $1`, [challenge.id]);
    expect(JSON.stringify(stored)).not.toContain(code);
    const logged = await env.sql(`select content_hash, source from notifications.requests where idempotency_key = $1`, [`otp:${challenge.id}`]);
    expect(logged).toEqual([{ content_hash: null, source: 'OTP' }]);

    expect((await verify(challenge.id, code)).data.verifyOtp).toEqual({ verified: true, attemptsLeft: null, userErrors: [] });
    expect((await verify(challenge.id, code)).data.verifyOtp).toEqual({ verified: false, attemptsLeft: 0, userErrors: [{ code: 'OTP_INVALID', field: 'code' }] });
    const events = await env.sql(`select subject, envelope->'data'->>'reason' as reason from notifications.outbox where subject like 'notifications.otp.%' and envelope->'data'->>'challengeId' = $1 order by created_at`, [challenge.id]);
    expect(events).toEqual([{ subject: 'notifications.otp.verified', reason: null }, { subject: 'notifications.otp.failed', reason: 'USED' }]);
  });

  test('wrong codes count down and lock the challenge; then even the right code fails', async () => {
    const r = await request('+593991110002');
    const id = r.data.requestOtp.challenge.id;
    const code = await deliveredCode('+593991110002');
    const wrong = code === '000000' ? '111111' : '000000';
    expect((await verify(id, wrong)).data.verifyOtp).toEqual({ verified: false, attemptsLeft: 2, userErrors: [{ code: 'OTP_INVALID', field: 'code' }] });
    expect((await verify(id, wrong)).data.verifyOtp.attemptsLeft).toBe(1);
    expect((await verify(id, wrong)).data.verifyOtp).toEqual({ verified: false, attemptsLeft: 0, userErrors: [{ code: 'OTP_LOCKED', field: 'code' }] });
    expect((await verify(id, code)).data.verifyOtp).toEqual({ verified: false, attemptsLeft: 0, userErrors: [{ code: 'OTP_LOCKED', field: 'code' }] });
    const badFormat = await verify(id, '12ab');
    expect(badFormat.data.verifyOtp.userErrors).toEqual([{ code: 'OTP_CODE_FORMAT', field: 'code' }]);
  });

  test('an expired code fails', async () => {
    const r = await request('otp-expiry@example.com', 'EMAIL', 'en');
    const id = r.data.requestOtp.challenge.id;
    const code = await deliveredCode('otp-expiry@example.com');
    await env.sql(`update notifications.otp_challenges set expires_at = now() - interval '1 second' where id = $1`, [id]);
    expect((await verify(id, code)).data.verifyOtp).toEqual({ verified: false, attemptsLeft: 0, userErrors: [{ code: 'OTP_INVALID', field: 'code' }] });
    const reason = await env.sql(`select envelope->'data'->>'reason' as reason from notifications.outbox where subject = 'notifications.otp.failed' and envelope->'data'->>'challengeId' = $1`, [id]);
    expect(reason).toEqual([{ reason: 'EXPIRED' }]);
  });

  test('a resend within the cooldown is refused; the hourly limit per destination holds', async () => {
    await request('+593991110003');
    const again = await request('+593991110003');
    expect(again.data.requestOtp).toEqual({ challenge: null, userErrors: [expect.objectContaining({ code: 'OTP_COOLDOWN', field: 'destination' })] });
    // The cooldown is per purpose: a phone verified a moment ago may still get its signing code.
    const otherPurpose = await env.call(REQUEST, { input: { purpose: 'lending.contact', destination: '+593991110013', channel: 'SMS', locale: 'es' } }, env.borrower);
    expect(otherPurpose.data.requestOtp.userErrors).toEqual([]);
    expect((await request('+593991110013')).data.requestOtp.userErrors).toEqual([]);
    expect((await request('+593991110013')).data.requestOtp.userErrors).toEqual([expect.objectContaining({ code: 'OTP_COOLDOWN' })]);
    // Past the cooldown (moved back in time), up to the hourly limit of 3.
    for (let i = 0; i < 2; i++) {
      await env.sql(`update notifications.otp_challenges set created_at = created_at - interval '2 minutes' where tenant_id = $1`, [env.tenantA]);
      expect((await request('+593991110003')).data.requestOtp.userErrors).toEqual([]);
    }
    await env.sql(`update notifications.otp_challenges set created_at = created_at - interval '2 minutes' where tenant_id = $1`, [env.tenantA]);
    expect((await request('+593991110003')).data.requestOtp.userErrors).toEqual([expect.objectContaining({ code: 'OTP_RATE_LIMITED' })]);
    // Only the newest code of the destination is live: each new one superseded the one before.
    const statuses = await env.sql(`select status from notifications.otp_challenges where destination_masked = '+5939****0003' order by created_at`);
    expect(statuses.map((r) => r.status)).toEqual(['LOCKED', 'LOCKED', 'PENDING']);
  });

  test('bad destinations are userErrors; OTP ignores an opt-out that stops ordinary messages', async () => {
    expect((await request('12345')).data.requestOtp.userErrors).toEqual([expect.objectContaining({ code: 'INVALID_PHONE', field: 'destination' })]);
    expect((await env.call(REQUEST, { input: { purpose: 'x', destination: 'https://x.example.com', channel: 'WEBHOOK' } }, env.borrower)).data.requestOtp.userErrors[0].code).toBe('OTP_CHANNEL_UNSUPPORTED');
    const opt = await env.call(PREFERENCE, { input: { recipient: '+593991110004', channel: 'SMS', optedOut: true } }, env.staff);
    expect(opt.data.setNotificationPreference).toEqual({ preference: { recipient: '+5939****0004', channel: 'SMS', optedOut: true }, userErrors: [] });
    expect((await request('+593991110004')).data.requestOtp.userErrors).toEqual([]);
    expect(await deliveredCode('+593991110004')).toMatch(/^\d{6}$/);
  });
});

describe('notifications: one-time codes per client address', () => {
  let env: Env;
  beforeAll(async () => { env = await startEnv('notif_otp_ip', { otp: { perIpPerHour: 2 } }); });
  afterAll(async () => { await env?.stop(); });

  test('the hourly limit per client address holds across destinations', async () => {
    const ask = (destination: string) => env.call(REQUEST, { input: { purpose: 'lending.contact', destination, channel: 'SMS' } }, env.borrower);
    expect((await ask('+593991120001')).data.requestOtp.userErrors).toEqual([]);
    expect((await ask('+593991120002')).data.requestOtp.userErrors).toEqual([]);
    expect((await ask('+593991120003')).data.requestOtp).toEqual({ challenge: null, userErrors: [expect.objectContaining({ code: 'OTP_RATE_LIMITED', field: null })] });
    const stored = await env.sql(`select ip from notifications.otp_challenges where tenant_id = $1`, [env.tenantA]);
    expect(stored).toHaveLength(2);
    expect(stored[0].ip).toMatch(/127\.0\.0\.1|::1/);
  });
});
