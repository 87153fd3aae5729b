/**
 * A notifications process killed (SIGKILL) between the send's commit and the delivery: the message
 * is delivered exactly once by the sweeper of the restarted process. The subgraph runs as a real
 * child process (src/main.ts) on a free port with its own database and NATS namespace; the provider
 * is a local server playing Twilio that holds the first call open (never accepting it), which is
 * the marker that the request was committed and its delivery had started when the process died.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { natsUrl } from '@imagy/platform/config';
import { connectNats, deleteStreams, namespace, type NatsConnection } from '@imagy/platform/events';
import { createTestDb, createTestIssuer, freePort, gql, sqlRows, uniqueSuffix, waitFor, type TestDb, type TestIssuer } from '@imagy/platform/testing';
import { CREATE_TEMPLATE, SET_CONFIG } from './env';
import { startFakeProvider, type FakeProvider } from './fake-provider';

const root = path.resolve(__dirname, '..', '..', '..');
const SEND = `mutation($input: SendNotificationInput!) { sendNotification(input: $input) { request { id status } userErrors { code } } }`;

async function stopProcess(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await new Promise<void>((resolve) => { child.once('exit', () => resolve()); child.kill(signal); });
}

describe('notifications: a process killed between commit and delivery', () => {
  let db: TestDb;
  let issuer: TestIssuer;
  let fake: FakeProvider;
  let nc: NatsConnection;
  let stateDir: string;
  let child: ChildProcess | null = null;
  const rawNs = `c${uniqueSuffix()}`;

  beforeAll(async () => {
    db = await createTestDb('notif_crash');
    issuer = await createTestIssuer();
    fake = await startFakeProvider({ status: 201, body: { sid: 'SMdelivered' } });
    nc = await connectNats(natsUrl(), 'notif-crash-test');
    stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'notif-crash-'));
  });
  afterAll(async () => {
    if (child) await stopProcess(child, 'SIGKILL');
    await fake?.close();
    await deleteStreams(nc, namespace(rawNs)).catch(() => undefined);
    await nc?.close();
    await db?.drop();
    fs.rmSync(stateDir, { recursive: true, force: true });
  });

  test('the sweeper of the restarted process delivers the committed message once', async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}/graphql`;
    const env = {
      ...process.env,
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      PORT: String(port),
      HOST: '127.0.0.1',
      DATABASE_URL: db.adminUrl,
      NATS_URL: natsUrl(),
      NATS_NAMESPACE: rawNs,
      IMAGY_STATE_DIR: stateDir,
      EVENT_SIGNING_KEY: crypto.randomBytes(32).toString('base64'),
      JWT_ISSUERS: JSON.stringify([{ issuer: issuer.issuer, audience: issuer.audience, jwks: issuer.jwks }]),
      // The same key across restarts: it unseals the queued message and the provider credentials.
      NOTIFICATIONS_SECRET_KEY: crypto.randomBytes(32).toString('base64'),
      NOTIFICATIONS_ALLOW_PRIVATE_URLS: '1',
      NOTIFICATIONS_OUTBOUND_TIMEOUT_MS: '120000',
      NOTIFICATIONS_MAX_ATTEMPTS: '1',
      NOTIFICATIONS_DELIVERY_LEASE_MS: '1500',
      NOTIFICATIONS_SWEEP_MS: '200',
      NOTIFICATIONS_RETRY_SCHEDULE: '200ms,400ms',
    };
    const start = async () => {
      child = spawn(process.execPath, ['--import', 'tsx', 'subgraphs/notifications/src/main.ts'], { cwd: root, stdio: 'ignore', env });
      await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/ready`).catch(() => null))?.ok, 90_000, 200);
    };
    const tenantId = crypto.randomUUID();
    const token = await issuer.mint({ tenantId, roles: ['tenant_admin'] });
    const call = (query: string, variables: Record<string, unknown>) => gql(url, query, variables, { token });
    const sql = <T extends Record<string, unknown>>(query: string, params: unknown[]) => sqlRows<T>(db.adminUrl, query, params);
    const send = (key: string, recipient: string) => call(SEND, { input: { templateKey: 'crash.test', channel: 'SMS', recipient, locale: 'en', variables: { name: 'Ana' }, idempotencyKey: key } });

    await start();
    const template = await call(CREATE_TEMPLATE, { input: { key: 'crash.test', channel: 'SMS', variables: ['name'], bodies: [{ locale: 'en', body: 'Hi {{name}}' }] } });
    expect(template.data.createNotificationTemplate.userErrors).toEqual([]);
    const config = await call(SET_CONFIG, { input: { channel: 'SMS', provider: 'twilio', priority: 1, settings: { baseUrl: fake.url, from: '+15005550006' }, credentials: { accountSid: 'ACcrash', authToken: 'tok' } } });
    expect(config.data.setChannelConfig.userErrors).toEqual([]);

    // The provider holds the first call: once it has it, the request is committed and its delivery under way.
    fake.script({ status: 0, hold: true });
    const inflight = send('crash-1', '+593991110001').catch((e: unknown) => e);
    await waitFor(async () => fake.requests.length === 1, 30_000);
    await stopProcess(child!, 'SIGKILL');
    await inflight;

    // What the dead process left: the request committed QUEUED (message sealed), no attempt, no event.
    const [queued] = await sql<{ id: string; status: string; delivery_rounds: number; payload_enc: string }>(
      `select id, status, delivery_rounds, payload_enc from notifications.requests where tenant_id = $1 and idempotency_key = 'api:crash-1'`, [tenantId]);
    expect(queued).toMatchObject({ status: 'QUEUED', delivery_rounds: 1, payload_enc: expect.stringMatching(/^v1\./) });
    expect(queued!.payload_enc).not.toContain('593991110001');
    expect(await sql(`select 1 from notifications.attempts where request_id = $1`, [queued!.id])).toEqual([]);
    expect(fake.requests.filter((r) => r.answered !== null)).toEqual([]);

    // Restarted: once the killed round's lease ends, the sweeper claims and delivers the request.
    await start();
    await waitFor(async () => (await sql<{ status: string }>(`select status from notifications.requests where id = $1`, [queued!.id]))[0]?.status === 'SENT', 60_000);
    // Marker that the sweeper ran again after that: a second message whose first round fails
    // transiently is delivered by a later sweep.
    fake.script({ status: 503 });
    const marker = await send('crash-marker', '+593991110002');
    expect(marker.data.sendNotification.request.status).toBe('QUEUED');
    await waitFor(async () => (await sql<{ status: string }>(`select status from notifications.requests where id = $1`, [marker.data.sendNotification.request.id]))[0]?.status === 'SENT', 60_000);

    const accepted = fake.requests.filter((r) => r.answered === 201 && new URLSearchParams(r.body).get('To') === '+593991110001');
    expect(accepted).toHaveLength(1);
    const [sent] = await sql(`select status, provider, provider_message_id, delivery_rounds, payload_enc from notifications.requests where id = $1`, [queued!.id]);
    expect(sent).toEqual({ status: 'SENT', provider: 'twilio', provider_message_id: 'SMdelivered', delivery_rounds: 2, payload_enc: null });
    expect(await sql(`select number, status from notifications.attempts where request_id = $1`, [queued!.id])).toEqual([{ number: 1, status: 'SENT' }]);
    const events = await sql(`select subject from notifications.outbox where envelope->'data'->>'requestId' = $1`, [queued!.id]);
    expect(events).toEqual([{ subject: 'notifications.message.sent' }]);
  }, 240_000);
});
