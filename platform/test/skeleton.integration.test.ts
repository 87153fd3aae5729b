/**
 * The subgraph skeleton on real PostgreSQL and JetStream: a small definition started in-process as
 * the subgraphs' test harnesses and the e2e suite start theirs.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { inTenantTx, Migration, tenantRlsSql } from '../src/db';
import { eventTablesSql } from '../src/events';
import { defineSubgraph, startSubgraphInstance, type BaseContext, type Caller, type RunningSubgraphInstance } from '../src/server';
import { createTestBus, createTestDb, createTestIssuer, gql, waitFor, type TestBus, type TestDb, type TestIssuer } from '../src/testing';

class Init extends Migration {
  async up() {
    for (const s of eventTablesSql()) this.addSql(s);
    this.addSql('create table seen (tenant_id uuid not null, event_id uuid not null, email text not null)');
    for (const s of tenantRlsSql('seen')) this.addSql(s);
  }
}

const SDL = `
extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])
type Query { whoami: String! seen: [String!]! }
type Mutation { announce(email: String!): String! }
`;

type Ctx = BaseContext & { caller: Caller };

describe('subgraph skeleton: defineSubgraph + startSubgraphInstance', () => {
  let db: TestDb;
  let bus: TestBus;
  let issuer: TestIssuer;
  let running: RunningSubgraphInstance<{ marks: string[] }>;
  const marks: string[] = [];
  const tenantId = crypto.randomUUID();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skeleton-'));

  const definition = defineSubgraph<{ marks: string[] }, { caller: Caller }>({
    name: 'skeltest',
    port: 4999,
    schemaFile: path.join(dir, 'schema.graphql'),
    migrations: [{ name: 'Init', class: Init }],
    relay: true,
    services: () => { marks.push('services'); return { marks }; },
    setup: () => { marks.push('setup'); },
    consumers: () => [{
      name: 'skeltest', domains: ['identity'], filters: ['identity.user.created'],
      handler: async (em, event) => {
        await em.execute('insert into seen (tenant_id, event_id, email) values (?, ?, ?)', [event.tenantId, event.id, (event.data as { email: string }).email]);
      },
    }],
    jobs: [
      { name: 'ticker', start: () => { marks.push('job started'); return () => { marks.push('job stopped'); }; } },
      { name: 'disabled', start: () => null },
    ],
    resolvers: (_services, { orm, outbox }) => ({
      Query: {
        whoami: (_: unknown, __: unknown, ctx: Ctx) => `${ctx.caller.ip}|${ctx.caller.userAgent}|${ctx.requestId}`,
        seen: (_: unknown, __: unknown, ctx: Ctx) => inTenantTx(orm, { tenantId: ctx.auth.tenantId }, async (em) =>
          (await em.execute<{ email: string }[]>('select email from seen order by email')).map((r) => r.email)),
      },
      Mutation: {
        announce: (_: unknown, args: { email: string }, ctx: Ctx) => inTenantTx(orm, { tenantId: ctx.auth.tenantId }, async (em) =>
          (await outbox.publish(em, 'identity.user.created', { userId: crypto.randomUUID(), email: args.email, roles: [] }, { tenantId: ctx.auth.tenantId, actor: { kind: 'system', userId: null } })).id),
      },
    }),
    context: (_base, { caller }) => ({ caller }),
    routes: (app, { name }) => { app.get('/hello', (_req, res) => { res.json({ hello: name }); }); },
  });

  beforeAll(async () => {
    fs.writeFileSync(definition.schemaFile, SDL);
    db = await createTestDb('skeleton');
    bus = await createTestBus();
    issuer = await createTestIssuer();
    running = await startSubgraphInstance(definition, { adminUrl: db.adminUrl, port: 0, nc: bus.nc, ns: bus.ns, signer: bus.signer, verifier: issuer.verifier });
  });

  afterAll(async () => {
    await running?.stop();
    await bus.close();
    await db.drop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('without a host it listens on the loopback interface only, with health, readiness and its own routes', async () => {
    expect((running.server.address() as AddressInfo).address).toBe('127.0.0.1');
    expect(running.url).toBe(`http://127.0.0.1:${running.port}/graphql`);
    const base = running.url.replace(/\/graphql$/, '');
    expect(await (await fetch(`${base}/health`)).json()).toEqual({ status: 'ok', service: 'skeltest' });
    expect(await (await fetch(`${base}/ready`)).json()).toEqual({ status: 'ready', failures: [] });
    expect(await (await fetch(`${base}/hello`)).json()).toEqual({ hello: 'skeltest' });
    expect(marks.slice(0, 3)).toEqual(['services', 'setup', 'job started']);
  });

  test('each request gets the caller from the context hook', async () => {
    const r = await gql(running.url, '{ whoami }', undefined, { headers: { 'user-agent': 'skeleton-test/1', 'x-request-id': 'req-skeleton-0001' } });
    expect(r.errors).toBeUndefined();
    expect(r.data.whoami).toMatch(/^(::ffff:)?127\.0\.0\.1\|skeleton-test\/1\|req-skeleton-0001$/);
  });

  test('an event written to the outbox is relayed to JetStream and handled by the definition\'s consumer', async () => {
    const token = await issuer.mint({ tenantId, roles: ['tenant_admin'] });
    const announced = await gql(running.url, 'mutation { announce(email: "ana@skeleton.test") }', undefined, { token });
    expect(announced.errors).toBeUndefined();
    const seen = await waitFor(async () => {
      const r = await gql(running.url, '{ seen }', undefined, { token });
      return r.data?.seen?.length ? r.data.seen : undefined;
    }, 15_000);
    expect(seen).toEqual(['ana@skeleton.test']);
  });

  test('stop ends the jobs and closes the HTTP server, and a second stop is a no-op', async () => {
    await running.stop();
    await running.stop();
    expect(marks).toContain('job stopped');
    expect(running.server.listening).toBe(false);
  });
});
