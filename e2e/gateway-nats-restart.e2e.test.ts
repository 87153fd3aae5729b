/**
 * Fault test of the gateway's NATS-backed rate limiting (gateway/src/api-keys): the platform runs
 * on its OWN nats-server (a free port, its own store directory; the machine's NATS on 4222 is
 * never touched), which is restarted while authenticated writes keep coming. A restart loses the
 * memory-stored rate-limit bucket. Required:
 *  - while NATS is away every request is still answered (fail open behind the circuit breaker:
 *    the breaker is open and writes keep succeeding);
 *  - within 5 s of NATS being back the bucket exists again and requests are metered in it again
 *    (the breaker closed, no request let through unmetered any more);
 *  - nothing is lost or doubled: every write answered with a user is one row, no e-mail twice.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { Kvm } from '@nats-io/kv';
import { connectNats, ensureStreams, EventSigner, namespace, type NatsConnection } from '@imagy/platform/events';
import { uniqueSuffix, waitFor } from '@imagy/platform/testing';
import { counterId, WINDOW_MS } from '../gateway/src/api-keys/rate-limit';
import { CREATE_USER, DEV_PASSWORD, startPlatform, type Platform } from './harness';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
    srv.once('error', reject);
  });
}

const natsServer = (port: number, storeDir: string): ChildProcess =>
  spawn('/usr/sbin/nats-server', ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', storeDir], { stdio: 'ignore' });

const listening = (port: number) => new Promise<boolean>((resolve) => {
  const s = net.connect(port, '127.0.0.1', () => { s.destroy(); resolve(true); });
  s.once('error', () => resolve(false));
});

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await new Promise<void>((resolve) => { child.once('exit', () => resolve()); child.kill('SIGTERM'); });
}

interface Outcome { email: string; userId: string | null; error: string | null }

/** `workers` loops each sending createUser with a fresh e-mail until `running()` turns false. */
function writeLoad(p: Platform, token: string, workers: number, running: () => boolean): { outcomes: Outcome[]; done: Promise<void> } {
  const outcomes: Outcome[] = [];
  const prefix = `nr${uniqueSuffix()}`;
  let n = 0;
  const worker = async () => {
    while (running()) {
      const email = `${prefix}-${n++}@demo.test`;
      try {
        const res = await fetch(p.gatewayUrl, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          body: JSON.stringify({ query: CREATE_USER, variables: { input: { email, displayName: email, roles: ['staff'], password: 'long-enough-password' } } }),
          // Generous for a loaded CI machine; the NATS-related checks are the markers below.
          signal: AbortSignal.timeout(60_000),
        });
        const body = (await res.json()) as { data?: { createUser?: { user?: { id: string } | null; userErrors: unknown[] } }; errors?: unknown[] };
        const userId = body.data?.createUser?.user?.id ?? null;
        outcomes.push({ email, userId, error: userId ? null : JSON.stringify(body.errors ?? body.data) });
      } catch (e) {
        outcomes.push({ email, userId: null, error: (e as Error).message });
      }
    }
  };
  return { outcomes, done: Promise.all(Array.from({ length: workers }, worker)).then(() => undefined) };
}

describe('gateway rate limiting survives a NATS restart', () => {
  test('requests keep being answered while NATS is away, are metered again within 5 s of its return, and no write is lost or doubled', async () => {
    const port = await freePort();
    const storeDir = fs.mkdtempSync(path.join(os.tmpdir(), 'imagy-nats-gw-'));
    let nats = natsServer(port, storeDir);
    let nc: NatsConnection | null = null;
    let p: Platform | null = null;
    let loading = true;
    let load: ReturnType<typeof writeLoad> | null = null;
    try {
      await waitFor(() => listening(port), 10_000);
      nc = await connectNats(`nats://127.0.0.1:${port}`, 'e2e-gateway-nats-restart');
      const ns = namespace(`g${uniqueSuffix()}`);
      await ensureStreams(nc, ns);
      p = await startPlatform({ label: 'e2enatsgw', bus: { nc, ns, signer: new EventSigner(crypto.randomBytes(32)), close: async () => undefined } });
      const platform = p;
      const apiKeys = platform.gateway.apiKeys!;
      expect(apiKeys.rateLimitHealth()).toMatchObject({ shared: true, breaker: 'closed', unmetered: 0, bucketCreations: 1 });
      const admin = await platform.login('demo', 'admin@demo.localhost', DEV_PASSWORD);

      // Warm up (JIT, connection pools) before the load, so the first requests are not the slowest.
      await platform.call('{ currentTenant { id } }', {}, admin.accessToken);
      load = writeLoad(platform, admin.accessToken, 4, () => loading);
      const ok = () => load!.outcomes.filter((o) => o.userId).length;
      await waitFor(async () => ok() >= 8, 60_000, 50);

      // NATS goes away under load.
      await stop(nats);
      await waitFor(async () => apiKeys.rateLimitHealth().unmetered > 0, 15_000, 20);
      const servedWhileDown = ok();
      await waitFor(async () => ok() >= servedWhileDown + 8, 60_000, 50);
      // Open (or, for the instant of a trial call, half open): lookups are short-circuited.
      expect(['open', 'halfOpen']).toContain(apiKeys.rateLimitHealth().breaker);

      // It comes back on the same port, without the memory-stored bucket.
      nats = natsServer(port, storeDir);
      await waitFor(() => listening(port), 10_000, 20);
      await waitFor(async () => {
        const h = apiKeys.rateLimitHealth();
        return h.bucketCreations >= 2 && h.breaker === 'closed';
      }, 5_000, 20);

      // Metered again: the admin's counter is in the re-created bucket and grows with each request.
      const kv = await new Kvm(nc).open(`${ns.streamPrefix}ratelimit`);
      const counterKey = () => `${counterId('u', admin.user.tenantId, admin.user.id)}.${Math.floor(Date.now() / WINDOW_MS)}`;
      await waitFor(async () => Number((await kv.get(counterKey()))?.string() ?? 0) > 0, 5_000, 20);
      const unmetered = apiKeys.rateLimitHealth().unmetered;
      const before = ok();
      await waitFor(async () => ok() >= before + 8, 60_000, 50);
      expect(apiKeys.rateLimitHealth()).toMatchObject({ unmetered, breaker: 'closed' });

      loading = false;
      await load.done;

      // Every request was answered (none failed or was abandoned); nothing lost, nothing doubled.
      expect(load.outcomes.filter((o) => o.error)).toEqual([]);
      const emails = load.outcomes.map((o) => o.email);
      const rows = await platform.sql<{ email: string; id: string }>('select email, id from identity.users where email = any($1)', [emails]);
      expect(rows.length).toBe(emails.length);
      expect(new Set(rows.map((r) => r.email)).size).toBe(rows.length);
      const idByEmail = new Map(rows.map((r) => [r.email, r.id]));
      for (const o of load.outcomes) expect(idByEmail.get(o.email)).toBe(o.userId);
    } finally {
      loading = false;
      await load?.done.catch(() => undefined);
      await p?.stop();
      await nc?.close().catch(() => undefined);
      await stop(nats);
      fs.rmSync(storeDir, { recursive: true, force: true });
    }
  }, 240_000);
});
