/**
 * OTP for other subgraphs over the signed internal call (platform events/rpc.ts): the same codes,
 * limits and events as requestOtp/verifyOtp, bound to the purpose they were sent for, and refused
 * when the call is not signed with the installation's key.
 */
import crypto from 'node:crypto';
import { EventSigner, RpcClient, RpcSigner, RpcUnavailableError } from '@imagy/platform/events';
import { MAILBOX, startEnv, type Env } from './env';

describe('notifications: OTP over the internal call', () => {
  let env: Env;
  let rpc: RpcClient;
  const actor = { kind: 'system' as const, userId: null };
  beforeAll(async () => {
    env = await startEnv('notif_otp_rpc', { otp: { resendCooldownMs: 0 } });
    rpc = new RpcClient(env.bus.nc, env.bus.ns, new RpcSigner(env.bus.signer));
  });
  afterAll(async () => { await env?.stop(); });

  const deliveredCode = async (destination: string) => {
    const box = await env.call(MAILBOX, { recipient: destination }, env.staff);
    return /(\d{6})/.exec(box.data.localMailbox.edges[0].node.body as string)![1]!;
  };
  const request = (destination: string, purpose = 'sign.document') => rpc.call('notifications.otp.request', {
    purpose, channel: 'SMS', destination, locale: 'es', recipientUserId: null, ip: '203.0.113.7',
  }, { tenantId: env.tenantA, actor });
  const verify = (challengeId: string, code: string, purpose = 'sign.document') => rpc.call('notifications.otp.verify', { challengeId, code, purpose, ip: null }, { tenantId: env.tenantA, actor });

  test('a code sent by call verifies once, for its purpose only, and each check is an event', async () => {
    const sent = await request('+593991120001');
    if (!sent.ok) throw new Error(sent.code);
    expect(sent.data.destinationMasked).toBe('+5939****0001');
    const code = await deliveredCode('+593991120001');

    expect(await verify(sent.data.challengeId, code, 'lending.contact')).toEqual({ ok: false, code: 'OTP_INVALID', field: 'challengeId' });
    expect(await verify(sent.data.challengeId, code)).toEqual({ ok: true, data: { verified: true, attemptsLeft: null } });
    expect(await verify(sent.data.challengeId, code)).toEqual({ ok: false, code: 'OTP_INVALID', field: 'code' });
    const events = await env.sql(`select subject, envelope->'data'->>'reason' as reason from notifications.outbox where envelope->'data'->>'challengeId' = $1 order by created_at`, [sent.data.challengeId]);
    expect(events).toEqual([{ subject: 'notifications.otp.verified', reason: null }, { subject: 'notifications.otp.failed', reason: 'USED' }]);
    const ip = await env.sql(`select ip from notifications.otp_challenges where id = $1`, [sent.data.challengeId]);
    expect(ip).toEqual([{ ip: '203.0.113.7' }]);
  });

  test("a call of tenant B cannot check tenant A's challenge", async () => {
    const sent = await request('+593991120002');
    if (!sent.ok) throw new Error(sent.code);
    const code = await deliveredCode('+593991120002');
    const foreign = await rpc.call('notifications.otp.verify', { challengeId: sent.data.challengeId, code, purpose: 'sign.document', ip: null }, { tenantId: env.tenantB, actor });
    expect(foreign).toEqual({ ok: false, code: 'OTP_INVALID', field: 'challengeId' });
  });

  test('bad data is a typed refusal that sends nothing', async () => {
    expect(await request('not a phone')).toMatchObject({ ok: false, field: 'destination' });
    const before = await env.sql(`select count(*)::int as n from notifications.otp_challenges`);
    // @ts-expect-error: a wrong JSON type, as a hostile or buggy caller would send
    expect(await rpc.call('notifications.otp.request', { purpose: 42, channel: 'SMS', destination: '+593991120003' }, { tenantId: env.tenantA, actor })).toEqual({ ok: false, code: 'BAD_REQUEST', field: null });
    expect(await env.sql(`select count(*)::int as n from notifications.otp_challenges`)).toEqual(before);
  });

  test('a call signed with another key gets no answer and sends nothing (a valid call after it is the marker)', async () => {
    const forger = new RpcClient(env.bus.nc, env.bus.ns, new RpcSigner(new EventSigner(crypto.randomBytes(32))));
    const before = (await env.sql(`select count(*)::int as n from notifications.otp_challenges`))[0].n as number;
    const forged = forger.call('notifications.otp.request', { purpose: 'sign.document', channel: 'SMS', destination: '+593991120004', locale: null, recipientUserId: null, ip: null },
      { tenantId: env.tenantA, actor, timeoutMs: 3_000 });
    // The server handles its calls one after another: once the valid call behind it is answered, the forged one was seen.
    const marker = await request('+593991120005');
    expect(marker.ok).toBe(true);
    await expect(forged).rejects.toBeInstanceOf(RpcUnavailableError);
    expect(await env.sql(`select destination_masked from notifications.otp_challenges order by created_at desc limit 1`)).toEqual([{ destination_masked: '+5939****0005' }]);
    expect((await env.sql(`select count(*)::int as n from notifications.otp_challenges`))[0].n).toBe(before + 1);
  });
});
