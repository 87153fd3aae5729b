import crypto from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { createGreeting, SET_CONFIG, SEND, startEnv, type Env } from './env';

interface Received { from: string; to: string[]; user: string | null; raw: string }

describe('notifications: e-mail over SMTP (nodemailer) to a local SMTP server', () => {
  let env: Env;
  let server: SMTPServer;
  let port: number;
  const received: Received[] = [];
  /** SMTP reply codes for the next messages' DATA (shifted per message); none: accepted. */
  const replies: number[] = [];

  beforeAll(async () => {
    env = await startEnv('notif_smtp', { allowPrivateUrls: true, dispatch: { maxAttempts: 2, initialDelayMs: 5, maxDelayMs: 20 } });
    server = new SMTPServer({
      disabledCommands: ['STARTTLS'],
      allowInsecureAuth: true,
      authMethods: ['PLAIN', 'LOGIN'],
      onAuth(auth, _session, cb) {
        if (auth.username === 'mailer' && auth.password === 'smtp-secret') cb(null, { user: 'mailer' });
        else cb(Object.assign(new Error('Invalid username or password'), { responseCode: 535 }));
      },
      onData(stream, session, cb) {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          const code = replies.shift();
          if (code) return cb(Object.assign(new Error(`refused ${code}`), { responseCode: code }));
          received.push({ from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '', to: session.envelope.rcptTo.map((r) => r.address), user: typeof session.user === 'string' ? session.user : null, raw: Buffer.concat(chunks).toString('utf8') });
          cb();
        });
      },
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    port = (server.server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise<void>((r) => server?.close(() => r()));
    await env?.stop();
  });

  async function tenantWithSmtp(extra: Record<string, unknown> = {}) {
    const tenantId = crypto.randomUUID();
    const token = await env.issuer.mint({ tenantId, roles: ['tenant_admin'] });
    await createGreeting({ ...env, admin: token }, 'smtp.test', 'EMAIL');
    const set = await env.call(SET_CONFIG, { input: { channel: 'EMAIL', provider: 'smtp', priority: 1, settings: { host: '127.0.0.1', port, from: 'no-reply@imagy.test', ...extra }, credentials: { user: 'mailer', pass: 'smtp-secret' } } }, token);
    expect(set.data.setChannelConfig.userErrors).toEqual([]);
    return token;
  }
  const send = (token: string, key: string, name = 'Ana <b>') => env.call(SEND, { input: { templateKey: 'smtp.test', channel: 'EMAIL', recipient: 'ana@example.com', locale: 'es', variables: { name }, idempotencyKey: key } }, token);

  test('the message is delivered with authentication, subject and an HTML-escaped body', async () => {
    const token = await tenantWithSmtp();
    const sent = await send(token, 'smtp-1');
    expect(sent.data.sendNotification.request).toMatchObject({ status: 'SENT', provider: 'smtp', providerMessageId: expect.stringMatching(/^<.+>$/) });
    expect(received).toHaveLength(1);
    const mail = received[0]!;
    expect(mail).toMatchObject({ from: 'no-reply@imagy.test', to: ['ana@example.com'], user: 'mailer' });
    expect(mail.raw).toContain('Subject: Hola Ana <b>');
    // The HTML part carries the escaped value; the plain-text part the text as typed.
    const html = mail.raw.slice(mail.raw.indexOf('Content-Type: text/html'));
    expect(html).toContain('Hola Ana &lt;b&gt;, su solicitud fue aprobada.');
    expect(html).not.toContain('Ana <b>');
  });

  test('a temporary 4xx is retried; a permanent 5xx fails over to the next provider', async () => {
    const token = await tenantWithSmtp();
    replies.push(451);
    const retried = await send(token, 'smtp-451');
    expect(retried.data.sendNotification.request.attempts.map((a: { provider: string; status: string; error: string | null }) => [a.provider, a.status, a.error])).toEqual([['smtp', 'FAILED', 'smtp: SMTP 451'], ['smtp', 'SENT', null]]);
    await env.call(SET_CONFIG, { input: { channel: 'EMAIL', provider: 'local', priority: 2, settings: {} } }, token);
    replies.push(550);
    const failover = await send(token, 'smtp-550');
    expect(failover.data.sendNotification.request.attempts.map((a: { provider: string; status: string }) => `${a.provider}:${a.status}`)).toEqual(['smtp:FAILED', 'local:SENT']);
  });
});
