/**
 * Notifications through the gateway: templates in es and en, a message by each channel to local
 * servers that play the providers (Twilio, SMTP, WhatsApp Cloud API, FCM, a webhook receiver) and to
 * the built-in local provider, the delivery log with its attempts, failover from a failing primary, a rule turning
 * identity's real user.created event into exactly one message (also when JetStream delivers it
 * again), OTP, and bad input refused with nothing sent.
 */
import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { Webhook } from 'standardwebhooks';
import { publishEnvelope, waitFor } from '@imagy/platform/testing';
import type { EventEnvelope } from '@imagy/platform/events';
import { CREATE_USER, DEV_PASSWORD, startPlatform, type Platform } from './harness';

const CREATE_TEMPLATE = `mutation($input: CreateNotificationTemplateInput!) { createNotificationTemplate(input: $input) { template { id key channel currentVersion } userErrors { code field } } }`;
const SET_CONFIG = `mutation($input: SetChannelConfigInput!) { setChannelConfig(input: $input) { config { provider priority hasCredentials } userErrors { code field message } } }`;
const SEND = `mutation($input: SendNotificationInput!) { sendNotification(input: $input) { replayed request { id status provider locale recipient attempts { number provider status error } } userErrors { code field } } }`;
const LOG = `query($filter: NotificationRequestFilter) { notificationRequests(first: 20, filter: $filter) { edges { node { id channel templateKey status provider recipient attempts { provider status } } } } }`;
const MAILBOX = `query($recipient: String) { localMailbox(first: 20, recipient: $recipient) { edges { node { channel recipient subject body } } } }`;
const CREATE_RULE = `mutation($input: CreateNotificationRuleInput!) { createNotificationRule(input: $input) { rule { id } userErrors { code field } } }`;

/** A throwaway FCM service account whose token endpoint is the local server. */
let tokenUri = '';
function serviceAccount() {
  const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { client_email: 'push@imagy-e2e.iam.gserviceaccount.com', private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), token_uri: tokenUri };
}

interface Hit { url: string; headers: http.IncomingHttpHeaders; body: string }

describe('notifications, end to end through the gateway', () => {
  let p: Platform;
  let admin: string;
  let http1: http.Server;
  let httpUrl: string;
  const hits: Hit[] = [];
  let twilioStatus = 201;
  let smtp: SMTPServer;
  let smtpPort: number;
  const mails: string[] = [];
  const secret = `whsec_${crypto.randomBytes(32).toString('base64')}`;

  beforeAll(async () => {
    // The provider-playing servers are on loopback: the subgraph is told explicitly to allow it.
    p = await startPlatform({ label: 'e2enotif', notifications: { allowPrivateUrls: true, dispatch: { maxAttempts: 2, initialDelayMs: 5, maxDelayMs: 20 } } });
    http1 = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        hits.push({ url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
        if (req.url?.startsWith('/2010-04-01/')) {
          res.writeHead(twilioStatus, { 'content-type': 'application/json' });
          res.end(JSON.stringify(twilioStatus === 201 ? { sid: `SM${crypto.randomBytes(16).toString('hex')}` } : { code: 20500, message: 'Internal Server Error' }));
        } else if (req.url === '/v21.0/1234567890/messages') {
          res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ messaging_product: 'whatsapp', messages: [{ id: 'wamid.e2e' }] }));
        } else if (req.url === '/token') {
          res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ access_token: 'ya29.e2e', expires_in: 3600 }));
        } else if (req.url === '/v1/projects/imagy-e2e/messages:send') {
          res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ name: 'projects/imagy-e2e/messages/1' }));
        } else {
          res.writeHead(204).end();
        }
      });
    });
    await new Promise<void>((r) => http1.listen(0, '127.0.0.1', r));
    httpUrl = `http://127.0.0.1:${(http1.address() as AddressInfo).port}`;
    tokenUri = `${httpUrl}/token`;
    smtp = new SMTPServer({
      disabledCommands: ['STARTTLS', 'AUTH'],
      onData(stream, _s, cb) {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => { mails.push(Buffer.concat(chunks).toString('utf8')); cb(); });
      },
    });
    await new Promise<void>((r) => smtp.listen(0, '127.0.0.1', () => r()));
    smtpPort = (smtp.server.address() as AddressInfo).port;
    admin = (await p.login('demo', 'admin@demo.localhost', DEV_PASSWORD)).accessToken;
  });
  afterAll(async () => {
    await new Promise<void>((r) => smtp?.close(() => r()));
    await new Promise<void>((r) => { http1?.closeAllConnections(); http1?.close(() => r()); });
    await p?.stop();
  });

  const template = (key: string, channel: string, variables: string[], es: string, en: string) =>
    p.call(CREATE_TEMPLATE, { input: { key, channel, variables, bodies: [
      { locale: 'es', subject: channel === 'EMAIL' ? 'Aviso' : null, body: es },
      { locale: 'en', subject: channel === 'EMAIL' ? 'Notice' : null, body: en },
    ] } }, admin);

  test('a template in es and en goes out by every channel to the provider-playing servers; the log shows the attempts; a failing primary falls back', async () => {
    for (const channel of ['EMAIL', 'SMS', 'WHATSAPP', 'PUSH', 'WEBHOOK']) {
      const r = await template('lending.application.approved', channel, ['name'], 'Hola {{name}}, su crédito fue aprobado.', 'Hi {{name}}, your credit was approved.');
      expect(r.data.createNotificationTemplate.userErrors).toEqual([]);
    }
    const configs = [
      { channel: 'SMS', provider: 'twilio', priority: 1, settings: { baseUrl: httpUrl, from: '+15005550006' }, credentials: { accountSid: 'ACe2e', authToken: 'e2e-token' } },
      { channel: 'SMS', provider: 'local', priority: 2, settings: {} },
      { channel: 'EMAIL', provider: 'smtp', priority: 1, settings: { host: '127.0.0.1', port: smtpPort, from: 'avisos@demo.test' } },
      { channel: 'WEBHOOK', provider: 'webhook', priority: 1, settings: {}, credentials: { signingSecret: secret } },
      { channel: 'WHATSAPP', provider: 'whatsapp', priority: 1, settings: { baseUrl: httpUrl, phoneNumberId: '1234567890' }, credentials: { accessToken: 'wa-e2e-token' } },
      { channel: 'PUSH', provider: 'fcm', priority: 1, settings: { baseUrl: httpUrl, projectId: 'imagy-e2e' }, credentials: { serviceAccount: serviceAccount() } },
    ];
    for (const input of configs) expect((await p.call(SET_CONFIG, { input }, admin)).data.setChannelConfig.userErrors).toEqual([]);

    const send = (channel: string, recipient: string, key: string, locale = 'es-EC') =>
      p.call(SEND, { input: { templateKey: 'lending.application.approved', channel, recipient, locale, variables: { name: 'Ana' }, idempotencyKey: key } }, admin);
    const sms = await send('SMS', '+593991234567', 'e2e-sms');
    expect(sms.data.sendNotification.request).toMatchObject({ status: 'SENT', provider: 'twilio', locale: 'es', recipient: '+5939****4567' });
    const email = await send('EMAIL', 'ana@example.com', 'e2e-email', 'en');
    expect(email.data.sendNotification.request).toMatchObject({ status: 'SENT', provider: 'smtp', locale: 'en' });
    const hook = await send('WEBHOOK', `${httpUrl}/hooks/credit`, 'e2e-hook');
    expect(hook.data.sendNotification.request).toMatchObject({ status: 'SENT', provider: 'webhook' });
    const wa = await send('WHATSAPP', '+593991234567', 'e2e-wa');
    const push = await send('PUSH', 'device-token-0123456789abcdef', 'e2e-push');
    expect([wa.data.sendNotification.request.provider, push.data.sendNotification.request.provider]).toEqual(['whatsapp', 'fcm']);
    expect(JSON.parse(hits.find((h) => h.url === '/v21.0/1234567890/messages')!.body).template).toEqual({ name: 'lending_application_approved', language: { code: 'es' }, components: [{ type: 'body', parameters: [{ type: 'text', text: 'Ana' }] }] });
    expect(hits.find((h) => h.url === '/v1/projects/imagy-e2e/messages:send')!.headers.authorization).toBe('Bearer ya29.e2e');

    expect(hits.find((h) => h.url === '/2010-04-01/Accounts/ACe2e/Messages.json')!.body).toContain('Body=Hola+Ana%2C+su+cr%C3%A9dito+fue+aprobado.');
    expect(mails[0]).toContain('Hi Ana, your credit was approved.');
    const hookHit = hits.find((h) => h.url === '/hooks/credit')!;
    expect(new Webhook(secret).verify(hookHit.body, { 'webhook-id': String(hookHit.headers['webhook-id']), 'webhook-timestamp': String(hookHit.headers['webhook-timestamp']), 'webhook-signature': String(hookHit.headers['webhook-signature']) }))
      .toMatchObject({ data: { body: 'Hola Ana, su crédito fue aprobado.' } });

    // Twilio fails: the local provider (priority 2) delivers, and the log shows both tries.
    twilioStatus = 500;
    const fallback = await send('SMS', '+593991234568', 'e2e-sms-fallback');
    expect(fallback.data.sendNotification.request.attempts.map((a: { provider: string; status: string }) => `${a.provider}:${a.status}`)).toEqual(['twilio:FAILED', 'twilio:FAILED', 'local:SENT']);
    const box = await p.call(MAILBOX, { recipient: '+593991234568' }, admin);
    expect(box.data.localMailbox.edges).toEqual([{ node: { channel: 'SMS', recipient: '+593991234568', subject: null, body: 'Hola Ana, su crédito fue aprobado.' } }]);

    const log = await p.call(LOG, { filter: { templateKey: 'lending.application.approved' } }, admin);
    expect(log.data.notificationRequests.edges.map((e: { node: { channel: string; provider: string; status: string } }) => `${e.node.channel}:${e.node.provider}:${e.node.status}`).sort())
      .toEqual(['EMAIL:smtp:SENT', 'PUSH:fcm:SENT', 'SMS:local:SENT', 'SMS:twilio:SENT', 'WEBHOOK:webhook:SENT', 'WHATSAPP:whatsapp:SENT']);
  });

  test("a rule turns identity's user.created into exactly one message, even when the event is delivered again", async () => {
    expect((await template('identity.user.welcome', 'EMAIL', ['email'], 'Bienvenido, {{email}}', 'Welcome, {{email}}')).data.createNotificationTemplate.userErrors).toEqual([]);
    await p.call(SET_CONFIG, { input: { channel: 'EMAIL', provider: 'local', priority: 1, settings: {} } }, admin);
    const rule = await p.call(CREATE_RULE, { input: { subject: 'identity.user.created', templateKey: 'identity.user.welcome', channel: 'EMAIL', recipientPath: 'email', locale: 'es' } }, admin);
    expect(rule.data.createNotificationRule.userErrors).toEqual([]);
    const created = await p.call(CREATE_USER, { input: { email: 'nuevo@demo.test', displayName: 'Nuevo', roles: ['borrower'], password: 'nuevo-password-1' } }, admin);
    expect(created.data.createUser.userErrors).toEqual([]);
    await waitFor(async () => (await p.call(MAILBOX, { recipient: 'nuevo@demo.test' }, admin)).data.localMailbox.edges.length > 0, 20_000);

    // JetStream delivers identity's event again (another message id: past the stream's dedupe window).
    const [row] = await p.sql<{ envelope: EventEnvelope }>(`select envelope from identity.outbox where subject = 'identity.user.created' and envelope->'data'->>'email' = 'nuevo@demo.test'`);
    await publishEnvelope(p.bus, row!.envelope, { msgId: `${row!.envelope.id}-redelivered` });
    // Marker: a later user's message exists only after the redelivered copy before it was handled.
    await p.call(CREATE_USER, { input: { email: 'marcador@demo.test', displayName: 'Marcador', roles: ['borrower'], password: 'marker-password-1' } }, admin);
    await waitFor(async () => (await p.call(MAILBOX, { recipient: 'marcador@demo.test' }, admin)).data.localMailbox.edges.length > 0, 20_000);
    const box = await p.call(MAILBOX, { recipient: 'nuevo@demo.test' }, admin);
    expect(box.data.localMailbox.edges).toEqual([{ node: { channel: 'EMAIL', recipient: 'nuevo@demo.test', subject: 'Aviso', body: 'Bienvenido, nuevo@demo.test' } }]);
  });

  test('OTP through the gateway: the delivered code verifies once; a replay fails', async () => {
    const otp = await p.call(`mutation { requestOtp(input: { purpose: "sign.document", destination: "+593991230000", channel: SMS }) { challenge { id destination } userErrors { code } } }`, {}, admin);
    expect(otp.data.requestOtp.userErrors).toEqual([]);
    const box = await p.call(MAILBOX, { recipient: '+593991230000' }, admin);
    const code = /(\d{6})/.exec(box.data.localMailbox.edges[0].node.body)![1];
    const VERIFY = `mutation($input: VerifyOtpInput!) { verifyOtp(input: $input) { verified userErrors { code } } }`;
    expect((await p.call(VERIFY, { input: { challengeId: otp.data.requestOtp.challenge.id, code } }, admin)).data.verifyOtp).toEqual({ verified: true, userErrors: [] });
    expect((await p.call(VERIFY, { input: { challengeId: otp.data.requestOtp.challenge.id, code } }, admin)).data.verifyOtp).toEqual({ verified: false, userErrors: [{ code: 'OTP_INVALID' }] });
    // The client portal's view: the signed-in user's own messages, joined to identity's `me`.
    const me = await p.call(`{ me { email notifications(first: 5) { edges { node { templateKey channel recipient source status } } } } }`, {}, admin);
    expect(me.errors).toBeUndefined();
    expect(me.data.me).toEqual({ email: 'admin@demo.localhost', notifications: { edges: [{ node: { templateKey: 'notifications.otp', channel: 'SMS', recipient: '+5939****0000', source: 'OTP', status: 'SENT' } }] } });
  });

  test('bad input through the gateway is a typed userError and nothing is sent', async () => {
    const before = await p.sql<{ n: string }>(`select count(*) as n from notifications.requests`);
    const base = { templateKey: 'lending.application.approved', channel: 'SMS', recipient: '+593991234567', variables: { name: 'Ana' }, idempotencyKey: 'e2e-bad' };
    const cases: [Record<string, unknown>, string][] = [
      [{ templateKey: 'nope.nope' }, 'TEMPLATE_NOT_FOUND'], [{ variables: {} }, 'MISSING_VARIABLE'], [{ recipient: '+12' }, 'INVALID_PHONE'], [{ channel: 'EMAIL', recipient: 'ana@' }, 'INVALID_EMAIL'],
    ];
    for (const [change, code] of cases) {
      expect((await p.call(SEND, { input: { ...base, ...change } }, admin)).data.sendNotification.userErrors).toEqual([expect.objectContaining({ code })]);
    }
    const after = await p.sql<{ n: string }>(`select count(*) as n from notifications.requests`);
    expect(after).toEqual(before);
  });
});
