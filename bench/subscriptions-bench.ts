/**
 * Subscription delivery through the gateway: from the NATS publish of `audit.event.recorded` to
 * the client's receipt of the completed event (audit row re-read under RLS by the audit subgraph,
 * actor completed by identity through the gateway), with N subscribers of one tenant (one token),
 * each on its own graphql-ws connection.
 *
 *   LOG_LEVEL=silent npx tsx bench/subscriptions-bench.ts [--events 20] [--subscribers 100,1000] [--distinct-users] [--settle-ms N] [--profile DIR]
 *
 * By default every subscriber uses the admin's one token (they share one upstream subscription at
 * the gateway); `--distinct-users` gives each subscriber its own user of the tenant (role auditor)
 * and token, so nothing is shared by credentials: N upstream subscriptions, N completions.
 *
 * The platform (gateway, subgraphs; real PostgreSQL and NATS) runs in this process as in the e2e
 * tests; the N clients run in a worker thread, as clients would be elsewhere (their own parsing does
 * not queue behind the gateway's sends; bench/subscriptions-bench.clients.ts). Times are on the process clock shared by both threads
 * (performance.timeOrigin + now()).
 *
 * Every published envelope names its own stored audit event, so each receipt is matched to its
 * publish by the event id. Before measuring, warm-up events are published until every subscriber
 * has received one (the marker that every subscription is live end to end: gateway, upstream,
 * subgraph hub; NATS core does not replay, so an event published before that is missed);
 * `--settle-ms N` instead just waits N ms, as the first version of this bench did (1500 + 3 ms per
 * subscriber), to show what a fixed wait loses. Each event is awaited by every subscriber (or 5 s)
 * before the next; after the last one, stragglers get 5 s more. "late" = received after 5 s,
 * "lost" = not received by the end.
 *
 * `--profile DIR` writes a V8 CPU profile of the main thread (gateway and subgraphs) during each
 * measurement phase only to DIR/subscriptions-<n>.cpuprofile.
 *
 * "CPU ms / event" is the whole process's CPU time (platform and clients, user + system) during the
 * measurement phase divided by the events: less sensitive to a busy machine than the latencies.
 *
 * Prints a markdown table with the 1-minute load average at the end of each row's run (the machine
 * may be shared).
 */
import fs from 'node:fs';
import inspector from 'node:inspector/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import { wireSubject } from '@imagy/platform/events';
import { DEV_PASSWORD, startPlatform } from '../e2e/harness';
import { clock, type FromClients, type ToClients } from './subscriptions-bench.clients';

const WINDOW_MS = 5000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const pct = (sorted: number[], p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]! : NaN);

interface Stored { id: string; classUid: number; activityId: number; time: string }

async function main() {
  const { values } = parseArgs({ options: {
    events: { type: 'string', default: '20' },
    subscribers: { type: 'string', default: '100,1000' },
    'settle-ms': { type: 'string' },
    profile: { type: 'string' },
    'distinct-users': { type: 'boolean', default: false },
  } });
  const EVENTS = Number(values.events);
  const COUNTS = values.subscribers!.split(',').map(Number);
  const SETTLE_MS = values['settle-ms'] === undefined ? null : Number(values['settle-ms']);
  const DISTINCT = values['distinct-users'] === true;

  const p = await startPlatform({ label: 'benchsubs' });
  const admin = await p.login('demo', 'admin@demo.localhost', DEV_PASSWORD);
  const record = async (message: string): Promise<Stored> => {
    const r = await p.call(`mutation($input: RecordAuditEventInput!) { recordAuditEvent(input: $input) { event { id classUid activityId time } userErrors { message } } }`,
      { input: { kind: 'API_ACTIVITY', activity: 'READ', operation: 'bench', resourceType: 'bench', message } }, admin.accessToken);
    const event = r.data?.recordAuditEvent?.event as Stored | undefined;
    if (!event) throw new Error(`could not record a probe event: ${JSON.stringify(r)}`);
    return event;
  };
  const warmup = await record('warm-up');
  // --distinct-users: one user of the tenant per subscriber, each with its own token, as N
  // different screens would be (created before any measurement; not timed).
  let tokens = [admin.accessToken];
  if (DISTINCT) tokens = await benchUserTokens(p, admin, Math.max(...COUNTS));
  const publish = (stored: Stored) => {
    const envelope = p.bus.signer.sign({
      id: crypto.randomUUID(), subject: 'audit.event.recorded', tenantId: admin.user.tenantId, occurredAt: new Date().toISOString(),
      actor: { kind: 'system', userId: null }, requestId: null, schemaVersion: 1,
      data: { eventId: stored.id, classUid: stored.classUid, activityId: stored.activityId, time: stored.time },
    });
    p.bus.nc.publish(wireSubject(p.bus.ns, 'audit.event.recorded'), JSON.stringify(envelope));
  };

  const rows: string[] = [
    '| subscribers | users (tokens) | events | delivered in 5 s / expected | late | lost | p50 ms | p95 ms | p99 ms | max ms | CPU ms / event | load avg (1 min) |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const n of COUNTS) {
    const probes: Stored[] = [];
    for (let e = 0; e < EVENTS; e++) probes.push(await record(`latency probe ${n}/${e}`));
    // tsx's CommonJS hook, so the worker can load this TypeScript file.
    const worker = new Worker(`require('tsx/cjs'); require(${JSON.stringify(path.join(__dirname, 'subscriptions-bench.clients.ts'))});`, { eval: true });
    let progress: Extract<FromClients, { type: 'progress' }> = { type: 'progress', warmed: 0, counts: {}, lastMessageAt: 0, upstreamErrors: {} };
    const replies: ((m: FromClients) => void)[] = [];
    worker.on('message', (m: FromClients) => { if (m.type === 'progress') progress = m; else replies.shift()?.(m); });
    const ask = <T extends FromClients['type']>(msg: ToClients) => new Promise<Extract<FromClients, { type: T }>>((resolve) => { replies.push(resolve as (m: FromClients) => void); worker.postMessage(msg); });
    worker.postMessage({ type: 'start', url: p.gatewayWsUrl, tokens: tokens.slice(0, DISTINCT ? n : 1), n, warmupId: warmup.id } satisfies ToClients);

    const setupStart = performance.now();
    if (SETTLE_MS !== null) {
      await sleep(SETTLE_MS);
    } else {
      // A new warm-up is published only when the last one stopped making progress (subscriptions
      // that were not live yet missed it), so no backlog builds up.
      // First the upstream sockets (one per credentials): every warm-up makes each live subscription
      // complete an event, so publishing them while 1000 users' sockets were still opening slowed
      // the opening itself (531 of 1000 live after 60 s).
      const sockets = DISTINCT ? n : 1;
      const socketsBy = Date.now() + 60_000;
      while ((p.gateway.subscriptions?.upstreamConnections() ?? sockets) < sockets && Date.now() < socketsBy) await sleep(50);
      process.stderr.write(`  upstream sockets open: ${p.gateway.subscriptions?.upstreamConnections() ?? '?'}/${sockets} after ${((performance.now() - setupStart) / 1000).toFixed(1)} s\n`);
      const until = Date.now() + 60_000;
      while (progress.warmed < n && Date.now() < until) {
        publish(warmup);
        let seen = progress.warmed;
        let stalledSince = Date.now();
        while (progress.warmed < n && Date.now() - stalledSince < 2000) {
          await sleep(10);
          if (progress.warmed !== seen) { seen = progress.warmed; stalledSince = Date.now(); }
        }
        process.stderr.write(`  warm-up: ${progress.warmed}/${n} live\n`);
      }
      if (progress.warmed < n) throw new Error(`only ${progress.warmed} of ${n} subscriptions became live in 60 s`);
      // Duplicate warm-ups still on their way: measure on a quiet line.
      while (clock() - progress.lastMessageAt < 1000) await sleep(50);
    }
    const setupMs = performance.now() - setupStart;
    const profiler = values.profile ? new inspector.Session() : null;
    if (profiler) { profiler.connect(); await profiler.post('Profiler.enable'); await profiler.post('Profiler.start'); }

    const cpu0 = process.cpuUsage();
    const sentAt = new Map<string, number>();
    for (const probe of probes) {
      sentAt.set(probe.id, clock());
      publish(probe);
      const deadline = Date.now() + WINDOW_MS;
      while ((progress.counts[probe.id] ?? 0) < n && Date.now() < deadline) await sleep(1);
    }
    // Stragglers of the last events: late (after 5 s) or lost.
    const graceEnd = Date.now() + WINDOW_MS;
    const total = () => probes.reduce((sum, s) => sum + (progress.counts[s.id] ?? 0), 0);
    while (total() < EVENTS * n && Date.now() < graceEnd) await sleep(10);

    const cpu = process.cpuUsage(cpu0);
    if (profiler) {
      const { profile } = await profiler.post('Profiler.stop');
      fs.mkdirSync(values.profile!, { recursive: true });
      fs.writeFileSync(path.join(values.profile!, `subscriptions-${n}${DISTINCT ? "-distinct" : ""}.cpuprofile`), JSON.stringify(profile));
      profiler.disconnect();
    }
    const load = os.loadavg()[0]!.toFixed(1);
    const { receipts, duplicates } = await ask<'results'>({ type: 'results' });
    const latencies: number[] = [];
    const perEvent = new Map(probes.map((s) => [s.id, 0]));
    let late = 0;
    for (const [id, at] of receipts) {
      const ms = at - sentAt.get(id)!;
      if (ms > WINDOW_MS) { late++; continue; }
      latencies.push(ms);
      perEvent.set(id, perEvent.get(id)! + 1);
    }
    const sorted = latencies.sort((a, b) => a - b);
    const lost = EVENTS * n - latencies.length - late;
    const f = (x: number) => x.toFixed(1);
    rows.push(`| ${n} | ${DISTINCT ? n : 1} | ${EVENTS} | ${latencies.length} / ${EVENTS * n} | ${late} | ${lost} | ${f(pct(sorted, 50))} | ${f(pct(sorted, 95))} | ${f(pct(sorted, 99))} | ${f(sorted.at(-1) ?? NaN)} | ${f((cpu.user + cpu.system) / 1000 / EVENTS)} | ${load} |`);
    process.stderr.write(`${rows.at(-1)}\n`);
    process.stderr.write(`  n=${n}: setup ${setupMs.toFixed(0)} ms${SETTLE_MS === null ? ' (warm-up until all live)' : ' (fixed wait)'}; per event delivered in 5 s: ${[...perEvent.values()].join(',')}; duplicates ${duplicates}; upstream sockets ${p.gateway.subscriptions?.upstreamConnections() ?? '?'}, upstream subscriptions ${p.gateway.subscriptions?.upstreamSubscriptions?.() ?? '?'}\n`);
    for (const [k, v] of Object.entries(progress.upstreamErrors)) process.stderr.write(`  ${v} x ${k}\n`);
    await ask<'stopped'>({ type: 'stop' });
    await worker.terminate();
    await sleep(500);
  }
  process.stdout.write(`${rows.join('\n')}\n`);
  await p.stop();
  process.exit(0);
}

/**
 * `count` auditors of the demo tenant and a token for each. The user rows are written in one
 * statement into identity's schema (what createUser stores, the admin's password hash reused):
 * createUser through the API costs a scrypt hash each, 100 took 86 s on the shared machine. The
 * tokens are minted by the test issuer with the claims login gives (tenant, user id, roles), as
 * logging in 1000 users would add 1000 scrypt checks. Nothing on the subscription path needs the
 * user.created events createUser would also publish.
 */
async function benchUserTokens(p: Awaited<ReturnType<typeof startPlatform>>, admin: { accessToken: string; user: { id: string; tenantId: string } }, count: number): Promise<string[]> {
  const rows = await p.sql(
    `insert into identity.users (id, tenant_id, email, display_name, roles, password_hash)
     select gen_random_uuid(), a.tenant_id, 'bench-sub-' || g || '@demo.localhost', 'Bench subscriber ' || g, '{auditor}', a.password_hash
       from identity.users a, generate_series(0, $2::int - 1) g where a.id = $1::uuid
     returning id::text as id`, [admin.user.id, count]);
  if (rows.length !== count) throw new Error(`created ${rows.length} of ${count} bench users`);
  return Promise.all(rows.map((r: { id: string }) => p.issuer.mint({ tenantId: admin.user.tenantId, userId: r.id, roles: ['auditor'], ttlSeconds: 3600 })));
}

main().catch((e) => { console.error(e); process.exit(1); });
