import crypto from 'node:crypto';
import { metaSignature } from '../src/delivery/callbacks';
import { createGreeting, SEND, SET_CONFIG, startEnv, type Env } from './env';
import { startFakeProvider, type FakeProvider } from './fake-provider';

/** WhatsApp Cloud API, FCM HTTP v1, AWS SES v2 and SNS, each against a local server that plays it. */
describe('notifications: cloud provider adapters', () => {
  let env: Env;
  let fake: FakeProvider;
  beforeAll(async () => {
    env = await startEnv('notif_cloud', { allowPrivateUrls: true, dispatch: { maxAttempts: 2, initialDelayMs: 5, maxDelayMs: 20 } });
    fake = await startFakeProvider();
  });
  afterAll(async () => { await fake?.close(); await env?.stop(); });
  beforeEach(() => { fake.requests.length = 0; });

  async function tenantWith(channel: string, config: Record<string, unknown>) {
    const tenantId = crypto.randomUUID();
    const token = await env.issuer.mint({ tenantId, roles: ['tenant_admin'] });
    await createGreeting({ ...env, admin: token }, 'lending.application.approved', channel);
    const set = await env.call(SET_CONFIG, { input: { channel, priority: 1, ...config } }, token);
    expect(set.data.setChannelConfig.userErrors).toEqual([]);
    return token;
  }
  const send = (token: string, channel: string, recipient: string, key: string) =>
    env.call(SEND, { input: { templateKey: 'lending.application.approved', channel, recipient, locale: 'es-EC', variables: { name: 'Ana' }, idempotencyKey: key } }, token);

  test('WhatsApp: a template message with the variables as body parameters, bearer token; rate-limit codes retry', async () => {
    const token = await tenantWith('WHATSAPP', { provider: 'whatsapp', settings: { baseUrl: fake.url, phoneNumberId: '1234567890', templates: { 'lending.application.approved': 'credito_aprobado' } }, credentials: { accessToken: 'EAAG-wa-token' } });
    fake.script(
      { status: 400, body: { error: { message: '(#130429) Rate limit hit', type: 'OAuthException', code: 130429, fbtrace_id: 'x' } } },
      { status: 200, body: { messaging_product: 'whatsapp', contacts: [{ input: '593991234567', wa_id: '593991234567' }], messages: [{ id: 'wamid.HBgM' }] } },
    );
    const sent = await send(token, 'WHATSAPP', '+593991234567', 'wa-1');
    expect(sent.data.sendNotification.request).toMatchObject({ status: 'SENT', provider: 'whatsapp', providerMessageId: 'wamid.HBgM' });
    expect(sent.data.sendNotification.request.attempts.map((a: { status: string }) => a.status)).toEqual(['FAILED', 'SENT']);
    const req = fake.requests[1]!;
    expect(req.url).toBe('/v21.0/1234567890/messages');
    expect(req.headers.authorization).toBe('Bearer EAAG-wa-token');
    expect(JSON.parse(req.body)).toEqual({ messaging_product: 'whatsapp', recipient_type: 'individual', to: '593991234567', type: 'template',
      template: { name: 'credito_aprobado', language: { code: 'es' }, components: [{ type: 'body', parameters: [{ type: 'text', text: 'Ana' }] }] } });
    fake.script({ status: 400, body: { error: { message: 'Template name does not exist in the translation', code: 132001 } } });
    const refused = await send(token, 'WHATSAPP', '+593991234567', 'wa-2');
    expect(refused.data.sendNotification.request).toMatchObject({ status: 'FAILED', error: 'whatsapp: answered HTTP 400: 132001 Template name does not exist in the translation' });
    expect(refused.data.sendNotification.request.attempts).toHaveLength(1);
  });

  test('a signed WhatsApp status webhook marks the message delivered; the subscription check needs the verify token', async () => {
    const tenantId = crypto.randomUUID();
    const token = await env.issuer.mint({ tenantId, roles: ['tenant_admin'] });
    await createGreeting({ ...env, admin: token }, 'lending.application.approved', 'WHATSAPP');
    const set = await env.call(SET_CONFIG, { input: { channel: 'WHATSAPP', provider: 'whatsapp', priority: 1, settings: { baseUrl: fake.url, phoneNumberId: '1234567890', verifyToken: 'meta-verify' }, credentials: { accessToken: 'EAAG', appSecret: 'meta-app-secret' } } }, token);
    const url = `${env.running.url.replace(/\/graphql$/, '')}/callbacks/whatsapp/${tenantId}/${set.data.setChannelConfig.config.id}`;
    expect(await (await fetch(`${url}?hub.mode=subscribe&hub.verify_token=meta-verify&hub.challenge=12345`)).text()).toBe('12345');
    expect((await fetch(`${url}?hub.mode=subscribe&hub.verify_token=wrong&hub.challenge=12345`)).status).toBe(403);
    fake.script({ status: 200, body: { messages: [{ id: 'wamid.status1' }] } });
    const sent = await send(token, 'WHATSAPP', '+593991234567', 'wa-status');
    const body = Buffer.from(JSON.stringify({ object: 'whatsapp_business_account', entry: [{ id: 'WABA', changes: [{ field: 'messages', value: { statuses: [{ id: 'wamid.status1', status: 'delivered', recipient_id: '593991234567' }] } }] }] }));
    const post = (signature: string) => fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-hub-signature-256': signature }, body });
    expect((await post(metaSignature('not-the-secret', body))).status).toBe(403);
    expect((await post(metaSignature('meta-app-secret', body))).status).toBe(200);
    const read = await env.call(`query($id: ID!) { notificationRequest(id: $id) { status } }`, { id: sent.data.sendNotification.request.id }, token);
    expect(read.data.notificationRequest.status).toBe('DELIVERED');
  });

  test('FCM HTTP v1: a service-account JWT is exchanged for an access token (cached), then the message is sent', async () => {
    const { privateKey, publicKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
    const account = { client_email: 'push@imagy-test.iam.gserviceaccount.com', private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), token_uri: `${fake.url}/token` };
    const token = await tenantWith('PUSH', { provider: 'fcm', settings: { baseUrl: fake.url, projectId: 'imagy-test' }, credentials: { serviceAccount: account } });
    fake.script(
      { status: 200, body: { access_token: 'ya29.fcm-access', expires_in: 3599, token_type: 'Bearer' } },
      { status: 200, body: { name: 'projects/imagy-test/messages/0:1500415314455276%31bd1c9631bd1c96' } },
      { status: 200, body: { name: 'projects/imagy-test/messages/2' } },
    );
    const device = 'fcm-device-token-0123456789:APA91b';
    const sent = await send(token, 'PUSH', device, 'fcm-1');
    expect(sent.data.sendNotification.request).toMatchObject({ status: 'SENT', provider: 'fcm', providerMessageId: 'projects/imagy-test/messages/0:1500415314455276%31bd1c9631bd1c96' });
    const [tokenReq, sendReq] = fake.requests;
    expect(tokenReq!.url).toBe('/token');
    const form = new URLSearchParams(tokenReq!.body);
    expect(form.get('grant_type')).toBe('urn:ietf:params:oauth:grant-type:jwt-bearer');
    const [h, c, sig] = form.get('assertion')!.split('.');
    expect(crypto.verify('RSA-SHA256', Buffer.from(`${h}.${c}`), publicKey, Buffer.from(sig!, 'base64url'))).toBe(true);
    expect(JSON.parse(Buffer.from(c!, 'base64url').toString())).toMatchObject({ iss: account.client_email, scope: 'https://www.googleapis.com/auth/firebase.messaging', aud: `${fake.url}/token` });
    expect(sendReq!.url).toBe('/v1/projects/imagy-test/messages:send');
    expect(sendReq!.headers.authorization).toBe('Bearer ya29.fcm-access');
    expect(JSON.parse(sendReq!.body)).toMatchObject({ message: { token: device, notification: { body: 'Hola Ana, su solicitud fue aprobada.' } } });
    await send(token, 'PUSH', device, 'fcm-2');
    expect(fake.requests.map((r) => r.url)).toEqual(['/token', '/v1/projects/imagy-test/messages:send', '/v1/projects/imagy-test/messages:send']);
    fake.script({ status: 404, body: { error: { code: 404, message: 'Requested entity was not found.', status: 'NOT_FOUND' } } });
    const gone = await send(token, 'PUSH', device, 'fcm-3');
    expect(gone.data.sendNotification.request).toMatchObject({ status: 'FAILED', error: 'fcm: answered HTTP 404: NOT_FOUND Requested entity was not found.' });
  });

  test('AWS SES v2 through the SDK pointed at a local endpoint: SigV4-signed SendEmail; throttling retries', async () => {
    const token = await tenantWith('EMAIL', { provider: 'ses', settings: { region: 'us-east-1', endpoint: fake.url, from: 'avisos@imagy.test' }, credentials: { accessKeyId: 'AKIAEXAMPLE', secretAccessKey: 'ses-secret' } });
    fake.script(
      { status: 429, body: { message: 'Maximum sending rate exceeded.' }, headers: { 'x-amzn-errortype': 'TooManyRequestsException' } },
      { status: 200, body: { MessageId: '010001-ses-message-id' } },
    );
    const sent = await send(token, 'EMAIL', 'ana@example.com', 'ses-1');
    expect(sent.data.sendNotification.request).toMatchObject({ status: 'SENT', provider: 'ses', providerMessageId: '010001-ses-message-id' });
    expect(sent.data.sendNotification.request.attempts.map((a: { status: string; error: string | null }) => [a.status, a.error])).toEqual([['FAILED', 'ses: TooManyRequestsException (HTTP 429)'], ['SENT', null]]);
    const req = fake.requests[1]!;
    expect(req).toMatchObject({ method: 'POST', url: '/v2/email/outbound-emails' });
    expect(req.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIAEXAMPLE\/\d{8}\/us-east-1\/ses\/aws4_request, SignedHeaders=.+, Signature=[0-9a-f]{64}$/);
    expect(JSON.parse(req.body)).toMatchObject({ FromEmailAddress: 'avisos@imagy.test', Destination: { ToAddresses: ['ana@example.com'] }, Content: { Simple: { Subject: { Data: 'Hola Ana' }, Body: { Html: { Data: 'Hola Ana, su solicitud fue aprobada.' } } } } });
  });

  test('AWS SNS through the SDK: a Publish to the phone number as a transactional SMS', async () => {
    const token = await tenantWith('SMS', { provider: 'sns', settings: { region: 'us-east-1', endpoint: fake.url, senderId: 'IMAGY' }, credentials: { accessKeyId: 'AKIAEXAMPLE', secretAccessKey: 'sns-secret' } });
    fake.script({ status: 200, headers: { 'content-type': 'text/xml' }, body: '<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><PublishResult><MessageId>sns-0001</MessageId></PublishResult><ResponseMetadata><RequestId>r-1</RequestId></ResponseMetadata></PublishResponse>' });
    const sent = await send(token, 'SMS', '+593991234567', 'sns-1');
    expect(sent.data.sendNotification.request).toMatchObject({ status: 'SENT', provider: 'sns', providerMessageId: 'sns-0001' });
    const form = new URLSearchParams(fake.requests[0]!.body);
    expect(Object.fromEntries(form)).toMatchObject({ Action: 'Publish', PhoneNumber: '+593991234567', Message: 'Hola Ana, su solicitud fue aprobada.' });
    expect(fake.requests[0]!.headers.authorization).toMatch(/Credential=AKIAEXAMPLE\/\d{8}\/us-east-1\/sns\/aws4_request/);
    fake.script({ status: 400, headers: { 'content-type': 'text/xml' }, body: '<ErrorResponse><Error><Type>Sender</Type><Code>InvalidParameter</Code><Message>Invalid parameter: PhoneNumber</Message></Error><RequestId>r-2</RequestId></ErrorResponse>' });
    const refused = await send(token, 'SMS', '+593991234567', 'sns-2');
    expect(refused.data.sendNotification.request).toMatchObject({ status: 'FAILED', error: 'sns: InvalidParameterException (HTTP 400)' });
  });
});
