/** A running notifications subgraph on a fresh database and a private NATS namespace, with tokens of two tenants. */
import crypto from 'node:crypto';
import { createTestBus, createTestDb, createTestIssuer, gql, sqlRows, type TestBus, type TestDb, type TestIssuer } from '@imagy/platform/testing';
import { startNotifications, type NotificationsTestOptions, type RunningNotifications } from '../src/app';

export interface Env {
  db: TestDb;
  bus: TestBus;
  issuer: TestIssuer;
  running: RunningNotifications;
  tenantA: string;
  tenantB: string;
  /** Tokens by role in tenant A, and an admin of tenant B. */
  admin: string;
  staff: string;
  borrower: string;
  adminB: string;
  call<T = any>(query: string, variables?: Record<string, unknown>, token?: string, headers?: Record<string, string>): Promise<{ data?: T; errors?: { message: string; extensions?: { code?: string } }[] }>;
  sql<T extends Record<string, unknown> = any>(query: string, params?: unknown[]): Promise<T[]>;
  stop(): Promise<void>;
}

export async function startEnv(label: string, options: NotificationsTestOptions = {}): Promise<Env> {
  const db = await createTestDb(label);
  const bus = await createTestBus();
  const issuer = await createTestIssuer();
  const running = await startNotifications({ adminUrl: db.adminUrl, port: 0, host: '127.0.0.1', nc: bus.nc, ns: bus.ns, signer: bus.signer, verifier: issuer.verifier, options });
  const tenantA = crypto.randomUUID();
  const tenantB = crypto.randomUUID();
  return {
    db, bus, issuer, running, tenantA, tenantB,
    admin: await issuer.mint({ tenantId: tenantA, roles: ['tenant_admin'] }),
    staff: await issuer.mint({ tenantId: tenantA, roles: ['staff'] }),
    borrower: await issuer.mint({ tenantId: tenantA, roles: ['borrower'] }),
    adminB: await issuer.mint({ tenantId: tenantB, roles: ['tenant_admin'] }),
    call: (query, variables, token, headers) => gql(running.url, query, variables, { token, headers }),
    sql: (query, params) => sqlRows(db.adminUrl, query, params),
    async stop() {
      await running.stop();
      await bus.close();
      await db.drop();
    },
  };
}

export const CREATE_TEMPLATE = `mutation($input: CreateNotificationTemplateInput!) { createNotificationTemplate(input: $input) {
  template { id key channel currentVersion archived versions { version variables bodies { locale subject body } } } userErrors { code message field } } }`;
export const PUBLISH_VERSION = `mutation($input: PublishNotificationTemplateVersionInput!) { publishNotificationTemplateVersion(input: $input) {
  template { id currentVersion versions { version variables bodies { locale body } } } userErrors { code message field } } }`;
export const SEND = `mutation($input: SendNotificationInput!) { sendNotification(input: $input) { replayed
  request { id source templateKey templateVersion locale channel recipient contentHash status provider providerMessageId error sentAt
    attempts { number provider status providerMessageId error } }
  userErrors { code message field } } }`;
export const MAILBOX = `query($recipient: String) { localMailbox(first: 50, recipient: $recipient) { edges { node { id requestId channel recipient subject body } } } }`;
export const REQUESTS = `query($filter: NotificationRequestFilter, $first: Int, $after: String) { notificationRequests(first: $first, after: $after, filter: $filter) {
  edges { node { id templateKey channel recipient status provider attempts { number provider status error } } } pageInfo { hasNextPage endCursor } } }`;
export const SET_CONFIG = `mutation($input: SetChannelConfigInput!) { setChannelConfig(input: $input) { config { id channel provider priority settings hasCredentials enabled } userErrors { code message field } } }`;

/** A tenant-A template of `key` on `channel` with es and en bodies using {{name}}. */
export async function createGreeting(env: Env, key: string, channel: string): Promise<string> {
  const subject = channel === 'EMAIL' ? { en: 'Hello {{name}}', es: 'Hola {{name}}' } : { en: null, es: null };
  const r = await env.call(CREATE_TEMPLATE, { input: { key, channel, variables: ['name'], bodies: [
    { locale: 'en', subject: subject.en, body: 'Hi {{name}}, your application was approved.' },
    { locale: 'es', subject: subject.es, body: 'Hola {{name}}, su solicitud fue aprobada.' },
  ] } }, env.admin);
  if (r.errors || r.data.createNotificationTemplate.userErrors.length) throw new Error(JSON.stringify(r.errors ?? r.data.createNotificationTemplate.userErrors));
  return r.data.createNotificationTemplate.template.id as string;
}

/** Rows of notifications' own tables written for a tenant (what "nothing written" checks). */
export async function countWritten(env: Env, tenantId: string): Promise<Record<string, number>> {
  const tables = ['requests', 'attempts', 'local_mailbox', 'outbox'];
  const out: Record<string, number> = {};
  for (const t of tables) out[t] = Number((await env.sql(`select count(*)::int as n from notifications.${t} where tenant_id = $1`, [tenantId]))[0].n);
  return out;
}
