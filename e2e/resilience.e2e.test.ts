/**
 * Fault tests of the event path. They start their own nats-server and their own audit process on
 * free ports and stop only those, never the machine's shared services.
 *  - NATS down while identity writes: every event reaches audit once NATS is back, exactly once.
 *  - The audit process killed (SIGKILL) while events flow, then restarted: nothing lost, nothing doubled.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { connectNats, ensureStreams, EventSigner, namespace, deleteStreams } from '@imagy/platform/events';
import { natsUrl } from '@imagy/platform/config';
import { freePort, tcpAnswers, uniqueSuffix, waitFor, waitForConsumerIdle } from '@imagy/platform/testing';
import { CREATE_USER, DEV_PASSWORD, startPlatform, type Platform } from './harness';

const root = path.resolve(__dirname, '..');
/** The audit subgraph's durable consumer (subgraphs/audit/src/app.ts, AUDIT_CONSUMER). */
const AUDIT_CONSUMER = 'audit';

function startNatsServer(port: number, storeDir: string): ChildProcess {
  return spawn('nats-server', ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', storeDir], { stdio: 'ignore' });
}

async function stopProcess(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await new Promise<void>((resolve) => { child.once('exit', () => resolve()); child.kill(signal); });
}

async function auditRowsPerUser(p: Platform, userIds: string[]): Promise<Map<string, number>> {
  const rows = await p.sql<{ resource_id: string; n: string }>(
    `select resource_id, count(*) as n from audit.audit_events where class_uid = 3001 and activity_id = 1 and resource_id = any($1) group by resource_id`, [userIds]);
  return new Map(rows.map((r) => [r.resource_id, Number(r.n)]));
}

async function createUsers(p: Platform, token: string, prefix: string, count: number, between?: (i: number) => Promise<void>): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const r = await p.call(CREATE_USER, { input: { email: `${prefix}-${i}@demo.test`, displayName: `${prefix} ${i}`, roles: ['staff'], password: 'long-enough-password' } }, token);
    if (r.errors || r.data.createUser.userErrors.length) throw new Error(JSON.stringify(r.errors ?? r.data.createUser.userErrors));
    ids.push(r.data.createUser.user.id);
    await between?.(i);
  }
  return ids;
}

/**
 * Every user's creation is in audit exactly once. Not "wait a while and see nothing more": a marker
 * user is created after them (the relay publishes in outbox order, audit consumes in stream order),
 * and once its row is there and audit's consumer has nothing pending or unacknowledged, no earlier
 * event can still be delivered again.
 */
const exactlyOnce = async (p: Platform, token: string, ids: string[]) => {
  await waitFor(async () => (await auditRowsPerUser(p, ids)).size === ids.length, 30_000, 200);
  const [marker] = await createUsers(p, token, `marker-${uniqueSuffix()}`, 1);
  await waitFor(async () => (await auditRowsPerUser(p, [marker!])).size === 1, 30_000, 200);
  await waitForConsumerIdle(p.bus, AUDIT_CONSUMER);
  const counts = await auditRowsPerUser(p, [...ids, marker!]);
  expect([...counts.values()].every((n) => n === 1)).toBe(true);
  expect(counts.size).toBe(ids.length + 1);
};

// Generous limits: a whole platform plus processes of its own, on a machine shared with other suites.
describe('event delivery survives faults', () => {
  test('writes made while NATS is down reach audit exactly once after NATS comes back', async () => {
    const port = await freePort();
    const storeDir = fs.mkdtempSync(path.join(os.tmpdir(), 'imagy-nats-'));
    let nats = startNatsServer(port, storeDir);
    const url = `nats://127.0.0.1:${port}`;
    await waitFor(() => tcpAnswers(port), 10_000);
    const nc = await connectNats(url, 'e2e-outage');
    const ns = namespace(`o${uniqueSuffix()}`);
    await ensureStreams(nc, ns);
    const signer = new EventSigner(crypto.randomBytes(32));
    const p = await startPlatform({ label: 'e2eoutage', bus: { nc, ns, signer, close: async () => undefined } });
    try {
      const admin = await p.login('demo', 'admin@demo.localhost', DEV_PASSWORD);
      const before = await createUsers(p, admin.accessToken, 'before', 2);
      await exactlyOnce(p, admin.accessToken, before);

      await stopProcess(nats);
      const during = await createUsers(p, admin.accessToken, 'during', 5);
      // With NATS down the events wait in identity's outbox, unpublished, and audit has none of them.
      const held = await p.sql<{ n: number }>(`select count(*)::int as n from identity.outbox where published_at is null and subject = 'identity.user.created' and envelope->'data'->>'userId' = any($1)`, [during]);
      expect(held[0]!.n).toBe(during.length);
      expect((await auditRowsPerUser(p, during)).size).toBe(0);

      nats = startNatsServer(port, storeDir);
      await exactlyOnce(p, admin.accessToken, [...before, ...during]);
    } finally {
      await p.stop();
      await nc.close().catch(() => undefined);
      await stopProcess(nats);
      fs.rmSync(storeDir, { recursive: true, force: true });
    }
  }, 180_000);

  test('killing the audit process while events flow and restarting it loses and doubles nothing', async () => {
    const auditPort = await freePort();
    const key = crypto.randomBytes(32);
    const rawNs = `k${uniqueSuffix()}`;
    const nc = await connectNats(natsUrl(), 'e2e-kill');
    const ns = namespace(rawNs);
    await ensureStreams(nc, ns);
    const p = await startPlatform({ label: 'e2ekill', bus: { nc, ns, signer: new EventSigner(key), close: async () => undefined }, withoutAudit: true, auditUrl: `http://127.0.0.1:${auditPort}/graphql` });
    const spawnAudit = () => spawn(process.execPath, ['--import', 'tsx', 'subgraphs/audit/src/main.ts'], {
      cwd: root,
      stdio: 'ignore',
      env: {
        ...process.env,
        NODE_ENV: 'test',
        LOG_LEVEL: 'silent',
        PORT: String(auditPort),
        HOST: '127.0.0.1',
        DATABASE_URL: p.db.adminUrl,
        NATS_URL: natsUrl(),
        NATS_NAMESPACE: rawNs,
        EVENT_SIGNING_KEY: key.toString('base64'),
        JWT_ISSUERS: JSON.stringify([{ issuer: p.issuer.issuer, audience: p.issuer.audience, jwks: p.issuer.jwks }]),
      },
    });
    const ready = () => waitFor(async () => (await fetch(`http://127.0.0.1:${auditPort}/ready`)).ok, 60_000, 200);
    let audit = spawnAudit();
    try {
      await ready();
      const admin = await p.login('demo', 'admin@demo.localhost', DEV_PASSWORD);
      const ids = await createUsers(p, admin.accessToken, 'flow', 24, async (i) => {
        if (i === 8) await stopProcess(audit, 'SIGKILL');
        if (i === 16) { audit = spawnAudit(); }
      });
      await ready();
      await exactlyOnce(p, admin.accessToken, ids);
    } finally {
      await stopProcess(audit);
      await p.stop();
      await deleteStreams(nc, ns);
      await nc.close();
    }
  }, 240_000);
});
