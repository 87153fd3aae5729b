/**
 * Subscription delivery latency through the gateway: from the NATS publish of
 * `audit.event.recorded` to the client's receipt of the completed event (audit row re-read under
 * RLS by the audit subgraph, actor completed by identity through the gateway), with 1, 100 and 1000
 * subscribers, each on its own graphql-ws connection.
 *
 *   npx tsx bench/subscriptions-bench.ts [--events 40] [--subscribers 1,100,1000]
 *
 * Uses the same in-process platform as the e2e tests (real PostgreSQL and NATS). Prints a markdown table.
 */
import crypto from 'node:crypto';
import { parseArgs } from 'node:util';
import WebSocket from 'ws';
import { createClient, type Client } from 'graphql-ws';
import { wireSubject } from '@imagy/platform/events';
import { DEV_PASSWORD, startPlatform } from '../e2e/harness';

process.env.LOG_LEVEL ??= 'silent';

const { values } = parseArgs({ options: { events: { type: 'string', default: '40' }, subscribers: { type: 'string', default: '1,100,1000' } } });
const EVENTS = Number(values.events);
const COUNTS = values.subscribers!.split(',').map(Number);

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

async function main() {
  const p = await startPlatform({ label: 'benchsubs' });
  const admin = await p.login('demo', 'admin@demo.localhost', DEV_PASSWORD);
  const recorded = await p.call(`mutation($input: RecordAuditEventInput!) { recordAuditEvent(input: $input) { event { id classUid activityId time } userErrors { message } } }`,
    { input: { kind: 'API_ACTIVITY', activity: 'READ', operation: 'bench', resourceType: 'bench', message: 'latency probe' } }, admin.accessToken);
  const stored = recorded.data?.recordAuditEvent?.event;
  if (!stored) throw new Error(`could not record the probe event: ${JSON.stringify(recorded)}`);
  const rows: string[] = ['| subscribers | events | deliveries | p50 ms | p99 ms | max ms |', '|---|---|---|---|---|---|'];

  for (const n of COUNTS) {
    const clients: Client[] = [];
    const latencies: number[] = [];
    const sentAt = new Map<string, number>();
    let ready = 0;
    for (let i = 0; i < n; i++) {
      const client = createClient({ url: p.gatewayWsUrl, webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${admin.accessToken}` }, retryAttempts: 0, lazy: true });
      clients.push(client);
      client.subscribe({ query: 'subscription { auditEvents { id message actor { email } } }' }, {
        next: (v) => {
          const probe = (v.extensions as any)?.probe ?? null;
          void probe;
          const now = performance.now();
          // The envelope id is not visible to the client; deliveries are matched to the last send.
          const last = [...sentAt.values()].at(-1);
          if (last !== undefined) latencies.push(now - last);
        },
        error: () => undefined,
        complete: () => undefined,
      });
      ready++;
    }
    await new Promise((r) => setTimeout(r, 1500 + n * 3)); // connections and upstream subscriptions established
    for (let e = 0; e < EVENTS; e++) {
      const id = crypto.randomUUID();
      const envelope = p.bus.signer.sign({
        id, subject: 'audit.event.recorded', tenantId: admin.user.tenantId, occurredAt: new Date().toISOString(),
        actor: { kind: 'system', userId: null }, requestId: null, schemaVersion: 1,
        data: { eventId: stored.id, classUid: stored.classUid, activityId: stored.activityId, time: stored.time },
      });
      sentAt.clear();
      sentAt.set(id, performance.now());
      p.bus.nc.publish(wireSubject(p.bus.ns, 'audit.event.recorded'), JSON.stringify(envelope));
      // Wait until every subscriber got this event (or 5 s) before the next one, so latencies don't overlap.
      const target = (e + 1) * n;
      const deadline = Date.now() + 5000;
      while (latencies.length < target && Date.now() < deadline) await new Promise((r) => setTimeout(r, 2));
    }
    const sorted = [...latencies].sort((a, b) => a - b);
    rows.push(`| ${n} | ${EVENTS} | ${latencies.length} / ${EVENTS * n} | ${pct(sorted, 50).toFixed(1)} | ${pct(sorted, 99).toFixed(1)} | ${sorted.at(-1)!.toFixed(1)} |`);
    process.stderr.write(`${rows.at(-1)}\n`);
    await Promise.all(clients.map((c) => c.dispose()));
    void ready;
  }
  process.stdout.write(`${rows.join('\n')}\n`);
  await p.stop();
  process.exit(0);
}

main().catch((e) => { console.error(e); process.exit(1); });
