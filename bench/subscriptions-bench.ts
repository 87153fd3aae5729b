/**
 * Subscription delivery through the gateway: from the NATS publish of `audit.event.recorded` to
 * the client's receipt of the completed event (audit row re-read under RLS by the audit subgraph,
 * actor completed by identity through the gateway), with N subscribers of one tenant, each on its
 * own graphql-ws connection.
 *
 *   LOG_LEVEL=silent npx tsx bench/subscriptions-bench.ts [--events 20] [--subscribers 100,1000] [--settle-ms N] [--profile DIR]
 *
 * Every published envelope names its own stored audit event, so each receipt is matched to its
 * publish by the event id (no guessing which publish a late delivery belongs to). Before measuring,
 * warm-up events are published until every subscriber has received one (the marker that every
 * subscription is live end to end: gateway, upstream, subgraph hub); `--settle-ms N` instead just
 * waits N ms, as the first version of this bench did (1500 + 3 ms per subscriber), to show what a
 * fixed wait loses. Each event is awaited by every subscriber (or 5 s) before the next; after the
 * last one, stragglers get 5 s more and are counted as late.
 *
 * `--profile DIR` writes a V8 CPU profile of each measurement phase only (not start-up or warm-up)
 * to DIR/subscriptions-<n>.cpuprofile; gateway, subgraphs and clients share this process.
 *
 * Uses the same in-process platform as the e2e tests (real PostgreSQL and NATS). Prints a markdown
 * table with the 1-minute load average at the end of each row's run (the machine may be shared).
 */
import fs from 'node:fs';
import inspector from 'node:inspector/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import WebSocket from 'ws';
import { createClient, type Client } from 'graphql-ws';
import { wireSubject } from '@imagy/platform/events';
import { DEV_PASSWORD, startPlatform } from '../e2e/harness';


const { values } = parseArgs({ options: {
  events: { type: 'string', default: '20' },
  subscribers: { type: 'string', default: '100,1000' },
  'settle-ms': { type: 'string' },
  profile: { type: 'string' },
} });
const EVENTS = Number(values.events);
const COUNTS = values.subscribers!.split(',').map(Number);
const SETTLE_MS = values['settle-ms'] === undefined ? null : Number(values['settle-ms']);
const WINDOW_MS = 5000;

const pct = (sorted: number[], p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]! : NaN);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Stored { id: string; classUid: number; activityId: number; time: string }

async function main() {
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
  const publish = (stored: Stored) => {
    const envelope = p.bus.signer.sign({
      id: crypto.randomUUID(), subject: 'audit.event.recorded', tenantId: admin.user.tenantId, occurredAt: new Date().toISOString(),
      actor: { kind: 'system', userId: null }, requestId: null, schemaVersion: 1,
      data: { eventId: stored.id, classUid: stored.classUid, activityId: stored.activityId, time: stored.time },
    });
    p.bus.nc.publish(wireSubject(p.bus.ns, 'audit.event.recorded'), JSON.stringify(envelope));
  };

  const rows: string[] = [
    '| subscribers | events | delivered in 5 s / expected | late | lost | p50 ms | p95 ms | p99 ms | max ms | load avg (1 min) |',
    '|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const n of COUNTS) {
    const probes: Stored[] = [];
    for (let e = 0; e < EVENTS; e++) probes.push(await record(`latency probe ${n}/${e}`));
    const sentAt = new Map<string, number>();
    const latencies: number[] = [];
    const received = probes.map(() => 0);
    const index = new Map(probes.map((s, i) => [s.id, i]));
    let late = 0;
    let duplicates = 0;
    let warmed = 0;
    let lastMessageAt = 0;
    const errors = new Map<string, number>();
    const clients: Client[] = [];
    for (let i = 0; i < n; i++) {
      const seen = new Set<string>();
      let warm = false;
      const client = createClient({ url: p.gatewayWsUrl, webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${admin.accessToken}` }, retryAttempts: 0, lazy: true });
      clients.push(client);
      client.subscribe<{ auditEvents: { id: string } }>({ query: 'subscription { auditEvents { id message actor { email } } }' }, {
        next: (v) => {
          const now = performance.now();
          lastMessageAt = now;
          const id = v.data?.auditEvents?.id;
          if (v.errors?.length) errors.set(`next: ${v.errors[0]!.message}`, (errors.get(`next: ${v.errors[0]!.message}`) ?? 0) + 1);
          if (!id) return;
          if (id === warmup.id) { if (!warm) { warm = true; warmed++; } return; }
          const at = sentAt.get(id);
          const k = index.get(id);
          if (at === undefined || k === undefined) return;
          if (seen.has(id)) { duplicates++; return; }
          seen.add(id);
          const ms = now - at;
          if (ms > WINDOW_MS) { late++; return; }
          received[k]!++;
          latencies.push(ms);
        },
        error: (err) => {
          const key = `error: ${err instanceof Error ? err.message : Array.isArray(err) ? (err[0] as { message?: string })?.message : (err as { code?: number })?.code}`;
          errors.set(key, (errors.get(key) ?? 0) + 1);
        },
        complete: () => undefined,
      });
    }
    const setupStart = performance.now();
    if (SETTLE_MS !== null) {
      await sleep(SETTLE_MS);
    } else {
      // Warm-up events until every subscriber got one: all n subscriptions are live end to end. A
      // new warm-up is published only when the last one stopped making progress (a subscription
      // that was not live yet missed it), so no backlog builds up.
      const until = Date.now() + 60_000;
      while (warmed < n && Date.now() < until) {
        publish(warmup);
        let progress = warmed;
        let stalledSince = Date.now();
        while (warmed < n && Date.now() - stalledSince < 2000) {
          await sleep(10);
          if (warmed !== progress) { progress = warmed; stalledSince = Date.now(); }
        }
        process.stderr.write(`  warm-up: ${warmed}/${n} live\n`);
      }
      if (warmed < n) throw new Error(`only ${warmed} of ${n} subscriptions became live in 60 s`);
      // Duplicate warm-ups still on their way: measure on a quiet line.
      while (performance.now() - lastMessageAt < 1000) await sleep(50);
    }
    const setupMs = performance.now() - setupStart;
    const profiler = values.profile ? new inspector.Session() : null;
    if (profiler) { profiler.connect(); await profiler.post('Profiler.enable'); await profiler.post('Profiler.start'); }
    for (let e = 0; e < EVENTS; e++) {
      const probe = probes[e]!;
      sentAt.set(probe.id, performance.now());
      publish(probe);
      const deadline = Date.now() + WINDOW_MS;
      while (received[e]! < n && Date.now() < deadline) await sleep(1);
    }
    // Stragglers of the last events: counted as late (after 5 s), or lost.
    const graceEnd = Date.now() + WINDOW_MS;
    while (latencies.length + late < EVENTS * n && Date.now() < graceEnd) await sleep(10);
    if (profiler) {
      const { profile } = await profiler.post('Profiler.stop');
      fs.mkdirSync(values.profile!, { recursive: true });
      fs.writeFileSync(path.join(values.profile!, `subscriptions-${n}.cpuprofile`), JSON.stringify(profile));
      profiler.disconnect();
    }
    const load = os.loadavg()[0]!.toFixed(1);
    const sorted = [...latencies].sort((a, b) => a - b);
    const lost = EVENTS * n - latencies.length - late;
    const f = (x: number) => x.toFixed(1);
    rows.push(`| ${n} | ${EVENTS} | ${latencies.length} / ${EVENTS * n} | ${late} | ${lost} | ${f(pct(sorted, 50))} | ${f(pct(sorted, 95))} | ${f(pct(sorted, 99))} | ${f(sorted.at(-1) ?? NaN)} | ${load} |`);
    process.stderr.write(`${rows.at(-1)}\n`);
    process.stderr.write(`  n=${n}: setup ${setupMs.toFixed(0)} ms${SETTLE_MS === null ? ' (warm-up until all live)' : ' (fixed wait)'}; per event delivered in 5 s: ${received.join(',')}; duplicates ${duplicates}; upstream sockets ${p.gateway.subscriptions?.upstreamConnections() ?? '?'}\n`);
    for (const [k, v] of errors) process.stderr.write(`  ${v} x ${k}\n`);
    await Promise.all(clients.map((c) => c.dispose()));
    await sleep(500);
  }
  process.stdout.write(`${rows.join('\n')}\n`);
  await p.stop();
  process.exit(0);
}

main().catch((e) => { console.error(e); process.exit(1); });
