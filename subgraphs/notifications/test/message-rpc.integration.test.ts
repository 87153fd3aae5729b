/**
 * Sending a caller-rendered message over the signed internal call (notifications.message.send):
 * delivered by the channel's provider (the local mailbox here), logged, idempotent by key, and
 * refused with a typed code (nothing sent) on bad data.
 */
import { RpcClient, RpcSigner } from '@imagy/platform/events';
import { countWritten, MAILBOX, startEnv, type Env } from './env';

describe('notifications: message.send over the internal call', () => {
  let env: Env;
  let rpc: RpcClient;
  const actor = { kind: 'system' as const, userId: null };
  beforeAll(async () => {
    env = await startEnv('notif_msg_rpc');
    rpc = new RpcClient(env.bus.nc, env.bus.ns, new RpcSigner(env.bus.signer));
  });
  afterAll(async () => { await env?.stop(); });

  const send = (over: Record<string, unknown> = {}) => rpc.call('notifications.message.send', {
    templateKey: 'sign.invitation', channel: 'EMAIL', recipient: 'Signer@Example.com', subject: 'Firme su contrato', body: 'Abra https://portal.example/sign/abc para firmar.',
    locale: 'es', idempotencyKey: 'sign:s1:1', recipientUserId: null, ...over,
  }, { tenantId: env.tenantA, actor });

  test('the message reaches the mailbox once; a replay of the key sends nothing more', async () => {
    const first = await send();
    if (!first.ok) throw new Error(first.code);
    expect(first.data).toEqual({ requestId: expect.any(String), status: 'SENT', replayed: false });
    const again = await send();
    expect(again).toEqual({ ok: true, data: { requestId: first.data.requestId, status: 'SENT', replayed: true } });
    const box = await env.call(MAILBOX, { recipient: 'signer@example.com' }, env.staff);
    expect(box.data.localMailbox.edges.map((e: { node: { subject: string; body: string } }) => e.node)).toEqual([
      expect.objectContaining({ subject: 'Firme su contrato', body: 'Abra https://portal.example/sign/abc para firmar.' }),
    ]);
    const logged = await env.sql(`select template_key, source, recipient_masked from notifications.requests where id = $1`, [first.data.requestId]);
    expect(logged).toEqual([{ template_key: 'sign.invitation', source: 'API', recipient_masked: 's***@example.com' }]);
  });

  test('bad data is a typed refusal naming the field, and nothing is written', async () => {
    const before = await countWritten(env, env.tenantA);
    expect(await send({ recipient: 'not an address', idempotencyKey: 'k2' })).toMatchObject({ ok: false, field: 'recipient' });
    expect(await send({ templateKey: 'Bad Key', idempotencyKey: 'k3' })).toEqual({ ok: false, code: 'TEMPLATE_KEY_INVALID', field: 'templateKey' });
    expect(await send({ body: 'x'.repeat(4001), idempotencyKey: 'k4' })).toEqual({ ok: false, code: 'TEXT_TOO_LONG', field: 'body' });
    expect(await send({ recipientUserId: 'nope', idempotencyKey: 'k5' })).toEqual({ ok: false, code: 'RECIPIENT_USER_INVALID', field: 'recipientUserId' });
    // A wrong JSON type, as a hostile or buggy caller would send:
    expect(await send({ body: 42, idempotencyKey: 'k6' })).toEqual({ ok: false, code: 'BAD_REQUEST', field: null });
    expect(await countWritten(env, env.tenantA)).toEqual(before);
  });
});
