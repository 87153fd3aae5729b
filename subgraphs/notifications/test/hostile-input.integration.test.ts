import { countWritten, CREATE_TEMPLATE, createGreeting, SEND, SET_CONFIG, startEnv, type Env } from './env';

/**
 * Hostile values in every text argument of the writing operations, sent straight to the subgraph
 * (no gateway in front): each answer is a typed error or userError, never INTERNAL_SERVER_ERROR,
 * and nothing is written (requests, attempts, mailbox, outbox).
 */
const HOSTILE: unknown[] = ['a\u0000b', 'x\uD800y', 'evil\u202Etxt', 'red\u001b[31m', 'a'.repeat(100_000), '', '   ', 12345, true, { a: 1 }, [1, 2]];

describe('notifications: hostile input', () => {
  let env: Env;
  beforeAll(async () => {
    env = await startEnv('notif_hostile');
    await createGreeting(env, 'hostile.test', 'SMS');
  });
  afterAll(async () => { await env?.stop(); });

  const operations: [string, string, Record<string, unknown>][] = [
    ['sendNotification', SEND, { templateKey: 'hostile.test', channel: 'SMS', recipient: '+593991234567', locale: 'es', variables: { name: 'Ana' }, idempotencyKey: 'k' }],
    ['createNotificationTemplate', CREATE_TEMPLATE, { key: 'hostile.new', channel: 'SMS', variables: ['name'], bodies: [{ locale: 'es', body: 'Hola {{name}}' }] }],
    ['setChannelConfig', SET_CONFIG, { channel: 'SMS', provider: 'twilio', priority: 1, settings: { from: '+15005550006' }, credentials: { accountSid: 'AC1', authToken: 't' } }],
    ['requestOtp', `mutation($input: RequestOtpInput!) { requestOtp(input: $input) { challenge { id } userErrors { code field } } }`, { purpose: 'sign.document', destination: '+593991234567', channel: 'SMS', locale: 'es' }],
    ['createNotificationRule', `mutation($input: CreateNotificationRuleInput!) { createNotificationRule(input: $input) { rule { id } userErrors { code field } } }`, { subject: 'lending.credit.disbursed', templateKey: 'hostile.test', channel: 'SMS', recipientPath: 'phone', locale: 'es' }],
  ];

  test.each(operations)('%s: every text field refuses hostile values with a typed answer and writes nothing', async (_name, query, valid) => {
    const before = await countWritten(env, env.tenantA);
    const paths: string[][] = [];
    const walk = (v: unknown, path: string[]) => {
      if (typeof v === 'string') paths.push(path);
      else if (Array.isArray(v)) v.forEach((x, i) => walk(x, [...path, String(i)]));
      else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, [...path, k]);
    };
    walk(valid, []);
    const failures: string[] = [];
    let n = 0;
    for (const path of paths) {
      for (const bad of HOSTILE) {
        // Documented: a variable's value may be a number or a boolean (rendered as text).
        if (path.join('.') === 'variables.name' && (typeof bad === 'number' || typeof bad === 'boolean')) continue;
        const input = structuredClone(valid);
        // A fresh idempotency key per case, so a replay of an earlier case never hides the answer.
        if ('idempotencyKey' in input) input.idempotencyKey = `hostile-${n++}`;
        let target = input as Record<string, unknown>;
        for (const k of path.slice(0, -1)) target = target[k] as Record<string, unknown>;
        target[path.at(-1)!] = bad;
        const r = await env.call(query, { input }, env.admin);
        const internal = (r.errors ?? []).filter((e) => !e.extensions?.code || e.extensions.code === 'INTERNAL_SERVER_ERROR');
        const data = r.data ? (Object.values(r.data)[0] as { userErrors?: unknown[] }) : null;
        const refused = (r.errors?.length ?? 0) > 0 || (data?.userErrors?.length ?? 0) > 0;
        if (internal.length || !refused) failures.push(`${path.join('.')}=${JSON.stringify(bad).slice(0, 40)} -> ${JSON.stringify(r.errors ?? r.data).slice(0, 200)}`);
      }
    }
    expect(failures).toEqual([]);
    expect(await countWritten(env, env.tenantA)).toEqual(before);
  });
});
