import crypto from 'node:crypto';
import { publishEnvelope, signedEnvelope, waitFor } from '@imagy/platform/testing';
import { createGreeting, MAILBOX, REQUESTS, SEND, startEnv, type Env } from './env';

const CREATE_RULE = `mutation($input: CreateNotificationRuleInput!) { createNotificationRule(input: $input) { rule { id subject templateKey channel recipientPath locale enabled } userErrors { code field } } }`;
const PREFERENCE = `mutation($input: SetNotificationPreferenceInput!) { setNotificationPreference(input: $input) { preference { optedOut } userErrors { code field } } }`;

describe('notifications: automatic rules and opt-outs', () => {
  let env: Env;
  beforeAll(async () => { env = await startEnv('notif_rules'); });
  afterAll(async () => { await env?.stop(); });

  test('a rule turns a domain event into exactly one message, even when the event is delivered again', async () => {
    await createGreeting(env, 'identity.user.welcome', 'EMAIL');
    const welcome = await env.call(CREATE_RULE, { input: { subject: 'identity.user.created', templateKey: 'identity.user.welcome', channel: 'EMAIL', recipientPath: 'email', locale: 'es' } }, env.admin);
    expect(welcome.data.createNotificationRule.userErrors).toEqual([]);
    // A second rule whose template fits the event: its declared variable `email` comes from the event data.
    await env.call(`mutation { createNotificationTemplate(input: { key: "identity.user.hello", channel: EMAIL, variables: ["email"],
      bodies: [{ locale: "es", subject: "Bienvenido", body: "Bienvenido {{email}}" }] }) { userErrors { code } } }`, {}, env.admin);
    await env.call(CREATE_RULE, { input: { subject: 'identity.user.created', templateKey: 'identity.user.hello', channel: 'EMAIL', recipientPath: 'email', locale: 'es-EC' } }, env.admin);

    const userId = crypto.randomUUID();
    const event = signedEnvelope(env.bus.signer, 'identity.user.created', { userId, email: 'new.user@example.com', roles: ['borrower'] }, { tenantId: env.tenantA });
    await publishEnvelope(env.bus, event);
    // The same event again under another JetStream message id: a real redelivery, past the stream's dedupe.
    await publishEnvelope(env.bus, event, { msgId: `${event.id}-again` });
    // Marker: a later event on the same stream; once its message exists, both copies before it were handled.
    const marker = signedEnvelope(env.bus.signer, 'identity.user.created', { userId: crypto.randomUUID(), email: 'marker@example.com', roles: [] }, { tenantId: env.tenantA });
    await publishEnvelope(env.bus, marker);
    await waitFor(async () => (await env.call(MAILBOX, { recipient: 'marker@example.com' }, env.staff)).data.localMailbox.edges.length > 0, 20_000);

    const box = await env.call(MAILBOX, { recipient: 'new.user@example.com' }, env.staff);
    expect(box.data.localMailbox.edges.map((e: { node: { subject: string; body: string } }) => e.node)).toEqual([expect.objectContaining({ subject: 'Bienvenido', body: 'Bienvenido new.user@example.com' })]);
    const log = await env.call(REQUESTS, { filter: { recipient: 'new.user@example.com' } }, env.staff);
    // The welcome rule's template needs a name the event lacks: skipped, not sent empty.
    expect(log.data.notificationRequests.edges.map((e: { node: { templateKey: string; status: string } }) => `${e.node.templateKey}:${e.node.status}`)).toEqual(['identity.user.hello:SENT']);
    // The event names its user (userId): the rule's message is listed under that user's notifications.
    const USER_NOTIFICATIONS = `query($reps: [_Any!]!) { _entities(representations: $reps) { ... on User { notifications(first: 5) { edges { node { templateKey source status recipient } } } } } }`;
    const ofUser = await env.call(USER_NOTIFICATIONS, { reps: [{ __typename: 'User', id: userId }] }, env.staff);
    expect(ofUser.data._entities[0].notifications.edges.map((e: { node: unknown }) => e.node)).toEqual([{ templateKey: 'identity.user.hello', source: 'RULE', status: 'SENT', recipient: 'n***@example.com' }]);
    // Tenant B has no rules: its events send nothing (B's own marker proves its event was handled).
    const bMarker = signedEnvelope(env.bus.signer, 'identity.user.created', { userId: crypto.randomUUID(), email: 'b@example.com', roles: [] }, { tenantId: env.tenantB });
    await publishEnvelope(env.bus, bMarker);
    await waitFor(async () => (await env.sql(`select 1 from notifications.inbox where event_id = $1`, [bMarker.id])).length > 0, 20_000);
    expect((await env.call(MAILBOX, {}, env.adminB)).data.localMailbox.edges).toEqual([]);
  });

  test('a disabled rule sends nothing; enabling it again restores it; both changes are events', async () => {
    await env.call(`mutation { createNotificationTemplate(input: { key: "toggle.hello", channel: EMAIL, variables: ["email"], bodies: [{ locale: "en", subject: "Hi", body: "Hi {{email}}" }] }) { userErrors { code } } }`, {}, env.admin);
    const created = await env.call(CREATE_RULE, { input: { subject: 'identity.user.login_succeeded', templateKey: 'toggle.hello', channel: 'EMAIL', recipientPath: 'email' } }, env.admin);
    const id = created.data.createNotificationRule.rule.id;
    const TOGGLE = `mutation($input: SetNotificationRuleEnabledInput!) { setNotificationRuleEnabled(input: $input) { rule { id enabled } userErrors { code field } } }`;
    expect((await env.call(TOGGLE, { input: { id, enabled: false } }, env.admin)).data.setNotificationRuleEnabled).toEqual({ rule: { id, enabled: false }, userErrors: [] });
    const off = signedEnvelope(env.bus.signer, 'identity.user.login_succeeded', { userId: crypto.randomUUID(), email: 'off@example.com', ip: null, userAgent: null }, { tenantId: env.tenantA });
    await publishEnvelope(env.bus, off);
    // The inbox row is the marker that the event was handled while the rule was off; enabling before it
    // would race the consumer (seen once in CI: the message was sent).
    await waitFor(async () => (await env.sql(`select 1 from notifications.inbox where event_id = $1`, [off.id])).length > 0, 20_000);
    await env.call(TOGGLE, { input: { id, enabled: true } }, env.admin);
    const on = signedEnvelope(env.bus.signer, 'identity.user.login_succeeded', { userId: crypto.randomUUID(), email: 'on@example.com', ip: null, userAgent: null }, { tenantId: env.tenantA });
    await publishEnvelope(env.bus, on);
    await waitFor(async () => (await env.call(MAILBOX, { recipient: 'on@example.com' }, env.staff)).data.localMailbox.edges.length > 0, 20_000);
    expect((await env.call(MAILBOX, { recipient: 'off@example.com' }, env.staff)).data.localMailbox.edges).toEqual([]);
    const events = await env.sql(`select envelope->'data'->>'change' as change from notifications.outbox where subject = 'notifications.rule.changed' and envelope->'data'->>'ruleId' = $1 order by created_at`, [id]);
    expect(events.map((e) => e.change)).toEqual(['CREATED', 'DISABLED', 'ENABLED']);
    expect((await env.call(TOGGLE, { input: { id: crypto.randomUUID(), enabled: true } }, env.admin)).data.setNotificationRuleEnabled.userErrors).toEqual([{ code: 'RULE_NOT_FOUND', field: 'id' }]);
  });

  test('rules are validated', async () => {
    const bad = await env.call(CREATE_RULE, { input: { subject: 'notifications.message.sent', templateKey: 'x.y', channel: 'EMAIL', recipientPath: 'email' } }, env.admin);
    expect(bad.data.createNotificationRule.userErrors[0]).toMatchObject({ code: 'RULE_SUBJECT_INVALID', field: 'subject' });
    const path = await env.call(CREATE_RULE, { input: { subject: 'lending.credit.disbursed', templateKey: 'x.y', channel: 'EMAIL', recipientPath: 'a..b' } }, env.admin);
    expect(path.data.createNotificationRule.userErrors[0]).toMatchObject({ code: 'RECIPIENT_PATH_INVALID', field: 'recipientPath' });
    const staff = await env.call(CREATE_RULE, { input: { subject: 'lending.credit.disbursed', templateKey: 'x.y', channel: 'EMAIL', recipientPath: 'email' } }, env.staff);
    expect(staff.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  test('an opted-out recipient is not sent ordinary messages on that channel; opting back in restores them', async () => {
    await createGreeting(env, 'pref.test', 'SMS');
    const optOut = await env.call(PREFERENCE, { input: { recipient: '+593991119999', channel: 'WHATSAPP', optedOut: true } }, env.staff);
    expect(optOut.data.setNotificationPreference.userErrors).toEqual([]);
    const sms = await env.call(SEND, { input: { templateKey: 'pref.test', channel: 'SMS', recipient: '+593991119999', variables: { name: 'A' }, idempotencyKey: 'pref-1' } }, env.staff);
    expect(sms.data.sendNotification.request.status).toBe('SENT'); // the opt-out was for WhatsApp only
    await env.call(PREFERENCE, { input: { recipient: '+593991119999', channel: 'SMS', optedOut: true } }, env.staff);
    const suppressed = await env.call(SEND, { input: { templateKey: 'pref.test', channel: 'SMS', recipient: '+593991119999', variables: { name: 'A' }, idempotencyKey: 'pref-2' } }, env.staff);
    expect(suppressed.data.sendNotification.request).toMatchObject({ status: 'SUPPRESSED', attempts: [], provider: null });
    await env.call(PREFERENCE, { input: { recipient: '+593991119999', channel: 'SMS', optedOut: false } }, env.staff);
    const back = await env.call(SEND, { input: { templateKey: 'pref.test', channel: 'SMS', recipient: '+593991119999', variables: { name: 'A' }, idempotencyKey: 'pref-3' } }, env.staff);
    expect(back.data.sendNotification.request.status).toBe('SENT');
    expect((await env.call(MAILBOX, { recipient: '+593991119999' }, env.staff)).data.localMailbox.edges).toHaveLength(2);
    const events = await env.sql(`select envelope->'data' as data from notifications.outbox where subject = 'notifications.preference.changed' and tenant_id = $1 order by created_at`, [env.tenantA]);
    expect(events.map((e) => e.data)).toEqual([
      { channel: 'WHATSAPP', recipient: '+5939****9999', optedOut: true }, { channel: 'SMS', recipient: '+5939****9999', optedOut: true }, { channel: 'SMS', recipient: '+5939****9999', optedOut: false },
    ]);
  });
});
