/**
 * SES delivery reports through SNS HTTP(S) notifications: the message's signature is verified per
 * AWS's algorithm with the certificate at SigningCertURL. The test plays SNS: it makes its own RSA
 * key and self-signed certificate (openssl), serves the certificate from a local server that the
 * configuration allows (`snsCertUrlPrefixes`), and signs the messages it posts.
 */
import crypto from 'node:crypto';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { snsStringToSign, type SnsMessage } from '../src/delivery/sns';
import { createGreeting, SEND, SET_CONFIG, startEnv, type Env } from './env';
import { startFakeProvider, type FakeProvider } from './fake-provider';

const TOPIC = 'arn:aws:sns:us-east-1:123456789012:imagy-ses-events';

describe('notifications: SES delivery reports through signed SNS notifications', () => {
  let env: Env;
  let ses: FakeProvider;
  let snsServer: http.Server;
  let snsUrl: string;
  let dir: string;
  let privateKey: string;
  const hits: string[] = [];

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'notif-sns-'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem'), '-days', '2', '-subj', '/CN=sns.amazonaws.com'], { stdio: 'ignore' });
    privateKey = fs.readFileSync(path.join(dir, 'key.pem'), 'utf8');
    const cert = fs.readFileSync(path.join(dir, 'cert.pem'), 'utf8');
    snsServer = http.createServer((req, res) => {
      hits.push(req.url ?? '');
      if (req.url === '/SimpleNotificationService-test.pem') { res.writeHead(200, { 'content-type': 'application/x-pem-file' }); res.end(cert); return; }
      if (req.url?.startsWith('/confirm')) { res.writeHead(200, { 'content-type': 'text/xml' }); res.end('<ConfirmSubscriptionResponse/>'); return; }
      res.writeHead(404).end();
    });
    await new Promise<void>((r) => snsServer.listen(0, '127.0.0.1', r));
    snsUrl = `http://127.0.0.1:${(snsServer.address() as AddressInfo).port}`;
    env = await startEnv('notif_ses', { allowPrivateUrls: true, snsCertUrlPrefixes: [`${snsUrl}/`] });
    ses = await startFakeProvider();
  });
  afterAll(async () => {
    await ses?.close();
    await env?.stop();
    await new Promise<void>((r) => { snsServer?.closeAllConnections(); snsServer?.close(() => r()); });
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** An SNS message signed with `key` (SignatureVersion 2 = SHA256, 1 = SHA1). */
  function signed(fields: Omit<SnsMessage, 'Signature' | 'SignatureVersion' | 'SigningCertURL' | 'Timestamp' | 'MessageId'> & { SigningCertURL?: string }, version: '1' | '2' = '2', key = privateKey): SnsMessage {
    const m: SnsMessage = { MessageId: crypto.randomUUID(), Timestamp: new Date().toISOString(), SignatureVersion: version, SigningCertURL: `${snsUrl}/SimpleNotificationService-test.pem`, Signature: '', ...fields };
    m.Signature = crypto.sign(version === '1' ? 'RSA-SHA1' : 'RSA-SHA256', Buffer.from(snsStringToSign(m)), key).toString('base64');
    return m;
  }
  const sesEvent = (messageId: string, kind: 'Delivery' | 'Bounce') => JSON.stringify(kind === 'Delivery'
    ? { notificationType: 'Delivery', mail: { messageId, destination: ['ana@example.com'] }, delivery: { smtpResponse: '250 ok' } }
    : { notificationType: 'Bounce', mail: { messageId }, bounce: { bounceType: 'Permanent', bounceSubType: 'General' } });

  test('a signed delivery marks the message DELIVERED once; forged, foreign-topic and unallowed-certificate messages change nothing', async () => {
    await createGreeting(env, 'ses.report', 'EMAIL');
    const set = await env.call(SET_CONFIG, { input: { channel: 'EMAIL', provider: 'ses', priority: 1, settings: { region: 'us-east-1', endpoint: ses.url, from: 'avisos@imagy.test', snsTopicArn: TOPIC }, credentials: { accessKeyId: 'AKIAEXAMPLE', secretAccessKey: 'ses-secret' } } }, env.admin);
    expect(set.data.setChannelConfig.userErrors).toEqual([]);
    const badTopic = await env.call(SET_CONFIG, { input: { channel: 'EMAIL', provider: 'ses', priority: 2, settings: { region: 'us-east-1', from: 'a@imagy.test', snsTopicArn: 'not-an-arn' }, credentials: { accessKeyId: 'A', secretAccessKey: 'B' } } }, env.admin);
    expect(badTopic.data.setChannelConfig.userErrors[0]).toMatchObject({ code: 'PROVIDER_SETTINGS_INVALID' });
    const configId = set.data.setChannelConfig.config.id as string;
    const callback = `${env.running.url.replace(/\/graphql$/, '')}/callbacks/ses/${env.tenantA}/${configId}`;
    const post = (m: unknown) => fetch(callback, { method: 'POST', headers: { 'content-type': 'text/plain; charset=UTF-8', 'x-amz-sns-message-type': 'Notification' }, body: JSON.stringify(m) });
    const READ = `query($id: ID!) { notificationRequest(id: $id) { status error deliveredAt } }`;

    // The subscription is confirmed by visiting its SubscribeURL (SignatureVersion 1 here).
    const confirmation = signed({ Type: 'SubscriptionConfirmation', TopicArn: TOPIC, Message: 'You have chosen to subscribe to the topic.', SubscribeURL: `${snsUrl}/confirm?Token=tok-1`, Token: 'tok-1' }, '1');
    expect((await post(confirmation)).status).toBe(204);
    expect(hits).toContain('/confirm?Token=tok-1');

    ses.script({ status: 200, body: { MessageId: 'ses-delivered-1' } }, { status: 200, body: { MessageId: 'ses-bounced-1' } });
    const send = (key: string) => env.call(SEND, { input: { templateKey: 'ses.report', channel: 'EMAIL', recipient: 'ana@example.com', locale: 'en', variables: { name: 'Ana' }, idempotencyKey: key } }, env.staff);
    const delivered = (await send('ses-r1')).data.sendNotification.request;
    const bounced = (await send('ses-r2')).data.sendNotification.request;
    expect([delivered.providerMessageId, bounced.providerMessageId]).toEqual(['ses-delivered-1', 'ses-bounced-1']);

    const { privateKey: otherKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
    const forged = signed({ Type: 'Notification', TopicArn: TOPIC, Message: sesEvent('ses-delivered-1', 'Delivery') }, '2', otherKey);
    expect((await post(forged)).status).toBe(403);
    const tampered = { ...signed({ Type: 'Notification', TopicArn: TOPIC, Message: sesEvent('ses-delivered-1', 'Bounce') }), Message: sesEvent('ses-delivered-1', 'Delivery') };
    expect((await post(tampered)).status).toBe(403);
    const foreignTopic = signed({ Type: 'Notification', TopicArn: 'arn:aws:sns:us-east-1:123456789012:someone-else', Message: sesEvent('ses-delivered-1', 'Delivery') });
    expect((await post(foreignTopic)).status).toBe(403);
    const before = hits.length;
    // The same certificate, served from a URL outside the allow-list (localhost is not the allowed 127.0.0.1 prefix): never fetched.
    const elsewhere = signed({ Type: 'Notification', TopicArn: TOPIC, Message: sesEvent('ses-delivered-1', 'Delivery'), SigningCertURL: snsUrl.replace('127.0.0.1', 'localhost') + '/SimpleNotificationService-test.pem' });
    expect((await post(elsewhere)).status).toBe(403);
    expect(hits.length).toBe(before);
    expect((await env.call(READ, { id: delivered.id }, env.staff)).data.notificationRequest).toEqual({ status: 'SENT', error: null, deliveredAt: null });

    const report = signed({ Type: 'Notification', TopicArn: TOPIC, Message: sesEvent('ses-delivered-1', 'Delivery'), Subject: 'Amazon SES Email Event Notification' });
    expect((await post(report)).status).toBe(204);
    expect((await post(report)).status).toBe(204); // SNS retries: the same report again changes nothing
    expect((await env.call(READ, { id: delivered.id }, env.staff)).data.notificationRequest).toEqual({ status: 'DELIVERED', error: null, deliveredAt: expect.any(String) });
    expect((await post(signed({ Type: 'Notification', TopicArn: TOPIC, Message: sesEvent('ses-bounced-1', 'Bounce') }))).status).toBe(204);
    expect((await env.call(READ, { id: bounced.id }, env.staff)).data.notificationRequest).toEqual({ status: 'BOUNCED', error: 'ses: bounce Permanent/General', deliveredAt: null });

    const events = await env.sql(`select envelope->'data' as data from notifications.outbox where subject = 'notifications.message.delivered' and tenant_id = $1 order by created_at`, [env.tenantA]);
    expect(events.map((e) => [e.data.requestId, e.data.status, e.data.provider])).toEqual([[delivered.id, 'DELIVERED', 'ses'], [bounced.id, 'BOUNCED', 'ses']]);
    expect((await fetch(`${env.running.url.replace(/\/graphql$/, '')}/callbacks/ses/${env.tenantB}/${configId}`, { method: 'POST', body: JSON.stringify(report) })).status).toBe(404);
  });
});
