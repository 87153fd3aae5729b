import crypto from 'node:crypto';
import { countWritten, CREATE_TEMPLATE, createGreeting, MAILBOX, PUBLISH_VERSION, REQUESTS, SEND, startEnv, type Env } from './env';

const PREVIEW = `query($input: PreviewTemplateInput!) { previewTemplate(input: $input) { preview { templateKey version locale subject body } userErrors { code message field } } }`;
const TEMPLATES = `{ notificationTemplates(first: 10) { edges { node { id key channel } } } }`;
const ONE_TEMPLATE = `query($id: ID!) { notificationTemplate(id: $id) { id key } }`;

describe('notifications: templates, sending and the delivery log', () => {
  let env: Env;

  beforeAll(async () => { env = await startEnv('notif_send'); });
  afterAll(async () => { await env?.stop(); });

  test('a template gets immutable versions; previews follow es-EC -> es -> en and escape HTML in e-mail', async () => {
    const created = await env.call(CREATE_TEMPLATE, { input: { key: 'lending.application.approved', channel: 'EMAIL', variables: ['name'], bodies: [
      { locale: 'en', subject: 'Approved, {{name}}', body: '<p>Dear {{name}}, approved.</p>' },
      { locale: 'es', subject: 'Aprobada, {{name}}', body: '<p>Estimado {{name}}, aprobada.</p>' },
    ] } }, env.admin);
    expect(created.data.createNotificationTemplate.userErrors).toEqual([]);
    const template = created.data.createNotificationTemplate.template;
    expect(template).toMatchObject({ key: 'lending.application.approved', channel: 'EMAIL', currentVersion: 1, archived: false });

    const v2 = await env.call(PUBLISH_VERSION, { input: { templateId: template.id, variables: ['name'], bodies: [
      { locale: 'en', subject: 'Approved v2, {{name}}', body: '<p>v2 {{name}}</p>' },
      { locale: 'es', subject: 'Aprobada v2, {{name}}', body: '<p>v2 es {{name}}</p>' },
    ] } }, env.admin);
    expect(v2.data.publishNotificationTemplateVersion.template.currentVersion).toBe(2);
    expect(v2.data.publishNotificationTemplateVersion.template.versions.map((v: { version: number }) => v.version)).toEqual([2, 1]);

    const es = await env.call(PREVIEW, { input: { templateKey: 'lending.application.approved', channel: 'EMAIL', locale: 'es-EC', variables: { name: '<script>x</script>' } } }, env.staff);
    expect(es.data.previewTemplate).toEqual({ preview: { templateKey: 'lending.application.approved', version: 2, locale: 'es', subject: 'Aprobada v2, <script>x</script>', body: '<p>v2 es &lt;script&gt;x&lt;/script&gt;</p>' }, userErrors: [] });
    const v1fr = await env.call(PREVIEW, { input: { templateKey: 'lending.application.approved', channel: 'EMAIL', locale: 'fr', version: 1, variables: { name: 'Ana' } } }, env.staff);
    expect(v1fr.data.previewTemplate.preview).toMatchObject({ version: 1, locale: 'en', body: '<p>Dear Ana, approved.</p>' });
    const missing = await env.call(PREVIEW, { input: { templateKey: 'lending.application.approved', channel: 'EMAIL', variables: {} } }, env.staff, { 'accept-language': 'es' });
    expect(missing.data.previewTemplate).toEqual({ preview: null, userErrors: [{ code: 'MISSING_VARIABLE', message: 'La plantilla requiere la variable name.', field: 'variables.name' }] });
  });

  test('template writes are refused with a userError naming the field, and only template writers may write', async () => {
    const undeclared = await env.call(CREATE_TEMPLATE, { input: { key: 'x.y', channel: 'SMS', variables: ['a'], bodies: [{ locale: 'en', body: '{{a}} {{b}}' }] } }, env.admin);
    expect(undeclared.data.createNotificationTemplate.userErrors).toEqual([{ code: 'PLACEHOLDER_UNDECLARED', message: 'The text uses b, which is not a declared variable', field: 'bodies.0.body' }]);
    const noSubject = await env.call(CREATE_TEMPLATE, { input: { key: 'x.z', channel: 'EMAIL', variables: [], bodies: [{ locale: 'en', body: 'hi' }] } }, env.admin);
    expect(noSubject.data.createNotificationTemplate.userErrors[0]).toMatchObject({ code: 'SUBJECT_REQUIRED', field: 'bodies.0.subject' });
    const badLocale = await env.call(CREATE_TEMPLATE, { input: { key: 'x.w', channel: 'SMS', variables: [], bodies: [{ locale: 'EN_us', body: 'hi' }] } }, env.admin);
    expect(badLocale.data.createNotificationTemplate.userErrors[0]).toMatchObject({ code: 'LOCALE_INVALID', field: 'bodies.0.locale' });
    const badKey = await env.call(CREATE_TEMPLATE, { input: { key: 'Bad Key', channel: 'SMS', variables: [], bodies: [{ locale: 'en', body: 'hi' }] } }, env.admin);
    expect(badKey.data.createNotificationTemplate.userErrors[0]).toMatchObject({ code: 'TEMPLATE_KEY_INVALID', field: 'key' });
    const staff = await env.call(CREATE_TEMPLATE, { input: { key: 'x.v', channel: 'SMS', variables: [], bodies: [{ locale: 'en', body: 'hi' }] } }, env.staff);
    expect(staff.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    await createGreeting(env, 'dup.key', 'SMS');
    const dup = await env.call(CREATE_TEMPLATE, { input: { key: 'dup.key', channel: 'SMS', variables: [], bodies: [{ locale: 'en', body: 'hi' }] } }, env.admin);
    expect(dup.data.createNotificationTemplate.userErrors[0]).toMatchObject({ code: 'TEMPLATE_EXISTS', field: 'key' });
    const outbox = await env.sql(`select subject from notifications.outbox where tenant_id = $1 and subject like 'notifications.template.%' order by created_at`, [env.tenantA]);
    expect(outbox.map((r) => r.subject)).toEqual(['notifications.template.created', 'notifications.template.version_published', 'notifications.template.created']);
  });

  test('a message sent to the local provider lands in the local mailbox and the log, with the recipient masked', async () => {
    await createGreeting(env, 'lending.application.sms_approved', 'SMS');
    const sent = await env.call(SEND, { input: { templateKey: 'lending.application.sms_approved', channel: 'SMS', recipient: '+593991234567', locale: 'es-EC', variables: { name: 'Ana' }, idempotencyKey: 'send-1' } }, env.staff);
    expect(sent.data.sendNotification.userErrors).toEqual([]);
    const request = sent.data.sendNotification.request;
    expect(request).toMatchObject({ source: 'API', templateKey: 'lending.application.sms_approved', templateVersion: 1, locale: 'es', channel: 'SMS', recipient: '+5939****4567', status: 'SENT', provider: 'local', error: null });
    expect(request.contentHash).toMatch(/^[0-9a-f]{64}$/);
    expect(request.attempts).toEqual([{ number: 1, provider: 'local', status: 'SENT', providerMessageId: request.providerMessageId, error: null }]);

    const mailbox = await env.call(MAILBOX, { recipient: '+593991234567' }, env.staff);
    expect(mailbox.data.localMailbox.edges.map((e: { node: unknown }) => e.node)).toEqual([
      { id: expect.any(String), requestId: request.id, channel: 'SMS', recipient: '+593991234567', subject: null, body: 'Hola Ana, su solicitud fue aprobada.' },
    ]);
    const borrower = await env.call(MAILBOX, {}, env.borrower);
    expect(borrower.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');

    // The log never stores the full number.
    const stored = await env.sql(`select * from notifications.requests where id = $1`, [request.id]);
    expect(JSON.stringify(stored)).not.toContain('991234567');
    const events = await env.sql(`select envelope from notifications.outbox where subject = 'notifications.message.sent' and envelope->'data'->>'requestId' = $1`, [request.id]);
    expect(events).toHaveLength(1);
    expect(events[0].envelope.data).toMatchObject({ recipient: '+5939****4567', provider: 'local', attempts: 1 });
  });

  test('a replayed idempotency key returns the first request and sends nothing; reused for another message it is refused', async () => {
    await createGreeting(env, 'idem.greeting', 'EMAIL');
    const input = { templateKey: 'idem.greeting', channel: 'EMAIL', recipient: 'ana@example.com', locale: 'en', variables: { name: 'Ana' }, idempotencyKey: 'idem-1' };
    const [first, second] = await Promise.all([env.call(SEND, { input }, env.staff), env.call(SEND, { input }, env.staff)]);
    const ids = [first.data.sendNotification.request.id, second.data.sendNotification.request.id];
    expect(ids[0]).toBe(ids[1]);
    expect([first.data.sendNotification.replayed, second.data.sendNotification.replayed].sort()).toEqual([false, true]);
    const third = await env.call(SEND, { input }, env.staff);
    expect(third.data.sendNotification).toMatchObject({ replayed: true, request: { id: ids[0] } });
    const mailbox = await env.call(MAILBOX, { recipient: 'ana@example.com' }, env.staff);
    expect(mailbox.data.localMailbox.edges).toHaveLength(1);
    expect(mailbox.data.localMailbox.edges[0].node).toMatchObject({ subject: 'Hello Ana', body: 'Hi Ana, your application was approved.' });
    const other = await env.call(SEND, { input: { ...input, recipient: 'bo@example.com' } }, env.staff);
    expect(other.data.sendNotification).toMatchObject({ request: null, userErrors: [{ code: 'IDEMPOTENCY_KEY_REUSED', field: 'idempotencyKey' }] });
  });

  test('the channel may be left out when the template key has one channel only', async () => {
    await createGreeting(env, 'one.channel', 'SMS');
    const sent = await env.call(SEND, { input: { templateKey: 'one.channel', recipient: '+593991230001', variables: { name: 'Ana' }, idempotencyKey: 'no-channel-1' } }, env.staff);
    expect(sent.data.sendNotification.request).toMatchObject({ channel: 'SMS', status: 'SENT' });
    await createGreeting(env, 'one.channel', 'EMAIL');
    const ambiguous = await env.call(SEND, { input: { templateKey: 'one.channel', recipient: '+593991230001', variables: { name: 'Ana' }, idempotencyKey: 'no-channel-2' } }, env.staff);
    expect(ambiguous.data.sendNotification.userErrors).toEqual([{ code: 'CHANNEL_REQUIRED', message: 'The template exists for several channels (EMAIL, SMS): choose one', field: 'channel' }]);
  });

  test("a message for a user shows in that user's notifications; another user of the tenant cannot list them", async () => {
    await createGreeting(env, 'user.messages', 'SMS');
    const userId = crypto.randomUUID();
    const sent = await env.call(SEND, { input: { templateKey: 'user.messages', channel: 'SMS', recipient: '+593991230002', variables: { name: 'Ana' }, idempotencyKey: 'user-1', recipientUserId: userId } }, env.staff);
    expect(sent.data.sendNotification.userErrors).toEqual([]);
    const ENTITIES = `query($r: [_Any!]!) { _entities(representations: $r) { ... on User { id notifications(first: 5) { edges { node { id templateKey recipient } } } } } }`;
    const asUser = await env.issuer.mint({ tenantId: env.tenantA, userId, roles: ['borrower'] });
    const other = await env.issuer.mint({ tenantId: env.tenantA, roles: ['borrower'] });
    const own = await env.call(ENTITIES, { r: [{ __typename: 'User', id: userId }] }, asUser);
    expect(own.data._entities).toEqual([{ id: userId, notifications: { edges: [{ node: { id: sent.data.sendNotification.request.id, templateKey: 'user.messages', recipient: '+5939****0002' } }] } }]);
    expect((await env.call(ENTITIES, { r: [{ __typename: 'User', id: userId }] }, other)).data._entities[0].notifications.edges).toEqual([]);
    expect((await env.call(ENTITIES, { r: [{ __typename: 'User', id: userId }] }, env.staff)).data._entities[0].notifications.edges).toHaveLength(1);
    expect((await env.call(ENTITIES, { r: [{ __typename: 'User', id: userId }] }, env.adminB)).data._entities[0].notifications.edges).toEqual([]);
    const bad = await env.call(SEND, { input: { templateKey: 'user.messages', channel: 'SMS', recipient: '+593991230002', variables: { name: 'Ana' }, idempotencyKey: 'user-2', recipientUserId: 'nope' } }, env.staff);
    expect(bad.data.sendNotification.userErrors).toEqual([expect.objectContaining({ code: 'RECIPIENT_USER_INVALID', field: 'recipientUserId' })]);
  });

  test('bad input is a userError naming the field and writes or sends nothing', async () => {
    await createGreeting(env, 'bad.input', 'SMS');
    await createGreeting(env, 'bad.input', 'EMAIL');
    const before = await countWritten(env, env.tenantA);
    const base = { templateKey: 'bad.input', channel: 'SMS', recipient: '+593991234567', variables: { name: 'Ana' }, idempotencyKey: 'bad-1' };
    const cases: [Record<string, unknown>, string, string][] = [
      [{ templateKey: 'no.such.template' }, 'TEMPLATE_NOT_FOUND', 'templateKey'],
      [{ variables: {} }, 'MISSING_VARIABLE', 'variables.name'],
      [{ variables: { name: 'A', other: 'x' } }, 'UNDECLARED_VARIABLE', 'variables.other'],
      [{ variables: { name: { deep: 1 } } }, 'BAD_VARIABLE_VALUE', 'variables.name'],
      [{ recipient: '0991234567' }, 'INVALID_PHONE', 'recipient'],
      [{ recipient: '+1555' }, 'INVALID_PHONE', 'recipient'],
      [{ channel: 'EMAIL', recipient: 'not-an-email' }, 'INVALID_EMAIL', 'recipient'],
      [{ locale: 'xx_YY' }, 'LOCALE_INVALID', 'locale'],
      [{ idempotencyKey: '   ' }, 'IDEMPOTENCY_KEY_INVALID', 'idempotencyKey'],
    ];
    for (const [change, code, field] of cases) {
      const r = await env.call(SEND, { input: { ...base, ...change } }, env.staff);
      expect({ change, result: r.data?.sendNotification }).toEqual({ change, result: { request: null, replayed: false, userErrors: [expect.objectContaining({ code, field })] } });
    }
    // Tenant B cannot send tenant A's template: to B it does not exist.
    const foreign = await env.call(SEND, { input: { ...base, idempotencyKey: 'foreign-1' } }, env.adminB);
    expect(foreign.data.sendNotification.userErrors).toEqual([expect.objectContaining({ code: 'TEMPLATE_NOT_FOUND', field: 'templateKey' })]);
    expect(await countWritten(env, env.tenantA)).toEqual(before);
    expect(await countWritten(env, env.tenantB)).toEqual({ requests: 0, attempts: 0, local_mailbox: 0, outbox: 0 });
    const borrower = await env.call(SEND, { input: { ...base, idempotencyKey: 'borrower-1' } }, env.borrower);
    expect(borrower.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  test('the delivery log is searchable by status, channel, template and recipient, page by page', async () => {
    await createGreeting(env, 'log.search', 'SMS');
    for (let i = 0; i < 3; i++) {
      await env.call(SEND, { input: { templateKey: 'log.search', channel: 'SMS', recipient: `+59399123450${i}`, variables: { name: `N${i}` }, idempotencyKey: `log-${i}` } }, env.staff);
    }
    const byTemplate = await env.call(REQUESTS, { filter: { templateKey: 'log.search' }, first: 2 }, env.staff);
    expect(byTemplate.data.notificationRequests.edges).toHaveLength(2);
    expect(byTemplate.data.notificationRequests.pageInfo.hasNextPage).toBe(true);
    const next = await env.call(REQUESTS, { filter: { templateKey: 'log.search' }, first: 2, after: byTemplate.data.notificationRequests.pageInfo.endCursor }, env.staff);
    expect(next.data.notificationRequests.edges).toHaveLength(1);
    expect(next.data.notificationRequests.pageInfo.hasNextPage).toBe(false);
    const byRecipient = await env.call(REQUESTS, { filter: { recipient: '+593991234501', channel: 'SMS' } }, env.staff);
    expect(byRecipient.data.notificationRequests.edges.map((e: { node: { recipient: string } }) => e.node.recipient)).toEqual(['+5939****4501']);
    const failed = await env.call(REQUESTS, { filter: { status: 'FAILED', templateKey: 'log.search' } }, env.staff);
    expect(failed.data.notificationRequests.edges).toEqual([]);
    const badCursor = await env.call(REQUESTS, { after: Buffer.from('{"createdAt":5}').toString('base64url') }, env.staff);
    expect(badCursor.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const other = await env.call(REQUESTS, { filter: { templateKey: 'log.search' } }, env.adminB);
    expect(other.data.notificationRequests.edges).toEqual([]);
  });

  test("tenant B can neither read nor write tenant A's rows, below the API too", async () => {
    const id = await createGreeting(env, 'rls.check', 'SMS');
    expect((await env.call(ONE_TEMPLATE, { id }, env.admin)).data.notificationTemplate).toEqual({ id, key: 'rls.check' });
    expect((await env.call(ONE_TEMPLATE, { id }, env.adminB)).data.notificationTemplate).toBeNull();
    expect((await env.call(TEMPLATES, {}, env.adminB)).data.notificationTemplates.edges).toEqual([]);
    expect((await env.call(MAILBOX, {}, env.adminB)).data.localMailbox.edges).toEqual([]);

    const em = env.running.orm.em.fork();
    const tables = ['templates', 'template_versions', 'requests', 'attempts', 'local_mailbox'];
    const seen = await em.transactional(async (tx) => {
      await tx.execute("select set_config('app.tenant_id', ?, true)", [env.tenantB]);
      let n = 0;
      for (const t of tables) n += (await tx.execute<{ n: number }[]>(`select count(*)::int as n from ${t}`))[0]!.n;
      n += (await tx.execute<{ id: string }[]>("update templates set key = 'taken' where id = ? returning id", [id])).length;
      return n;
    });
    expect(seen).toBe(0);
    // Writing a row for another tenant is refused by the policy's check.
    await expect(em.transactional(async (tx) => {
      await tx.execute("select set_config('app.tenant_id', ?, true)", [env.tenantB]);
      await tx.execute(`insert into local_mailbox (id, tenant_id, channel, recipient, body) values (gen_random_uuid(), ?, 'SMS', '+1', 'x')`, [env.tenantA]);
    })).rejects.toThrow(/row-level security/);
    // The outbox too: platform's relay-only policy (platform/src/events/outbox.ts).
    const forced = await env.sql(`select relname from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname = 'notifications' and c.relkind = 'r' and c.relrowsecurity and c.relforcerowsecurity order by relname`);
    expect(forced.map((r) => r.relname)).toEqual(['attempts', 'channel_configs', 'local_mailbox', 'otp_challenges', 'outbox', 'preferences', 'requests', 'rules', 'template_versions', 'templates']);
  });

  test('an anonymous caller is refused', async () => {
    const r = await env.call(TEMPLATES, {});
    expect(r.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });
});
