/**
 * The clients of bench/subscriptions-bench.ts, run in a worker thread: N graphql-ws connections to
 * the gateway, one subscription each (subscriber i uses tokens[i mod tokens.length]); reports receipts (first per subscriber and event id) with
 * their time on the process clock (performance.timeOrigin + now(), shared with the main thread).
 */
import { parentPort } from 'node:worker_threads';
import WebSocket from 'ws';
import { createClient, type Client } from 'graphql-ws';

export const QUERY = 'subscription { auditEvents { id message actor { email } } }';
export const clock = () => performance.timeOrigin + performance.now();

export type ToClients =
  | { type: 'start'; url: string; tokens: string[]; n: number; warmupId: string }
  | { type: 'results' }
  | { type: 'stop' };
export type FromClients =
  | { type: 'progress'; warmed: number; counts: Record<string, number>; lastMessageAt: number; upstreamErrors: Record<string, number> }
  | { type: 'results'; receipts: [string, number][]; duplicates: number }
  | { type: 'stopped' };

function runClients(): void {
  const port = parentPort!;
  const clients: Client[] = [];
  const receipts: [string, number][] = [];
  const counts: Record<string, number> = {};
  const errors: Record<string, number> = {};
  let warmed = 0;
  let duplicates = 0;
  let lastMessageAt = 0;
  let changed = false;
  const timer = setInterval(() => {
    if (!changed) return;
    changed = false;
    port.postMessage({ type: 'progress', warmed, counts, lastMessageAt, upstreamErrors: errors } satisfies FromClients);
  }, 2);
  port.on('message', async (msg: ToClients) => {
    if (msg.type === 'start') {
      for (let i = 0; i < msg.n; i++) {
        const seen = new Set<string>();
        let warm = false;
        const client = createClient({ url: msg.url, webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${msg.tokens[i % msg.tokens.length]}` }, retryAttempts: 0, lazy: true });
        clients.push(client);
        client.subscribe<{ auditEvents: { id: string } }>({ query: QUERY }, {
          next: (v) => {
            const now = clock();
            lastMessageAt = now;
            changed = true;
            if (v.errors?.length) { const k = `next: ${v.errors[0]!.message}`; errors[k] = (errors[k] ?? 0) + 1; }
            const id = v.data?.auditEvents?.id;
            if (!id) return;
            if (id === msg.warmupId) { if (!warm) { warm = true; warmed++; } return; }
            if (seen.has(id)) { duplicates++; return; }
            seen.add(id);
            counts[id] = (counts[id] ?? 0) + 1;
            receipts.push([id, now]);
          },
          error: (err) => {
            const k = `error: ${err instanceof Error ? err.message : Array.isArray(err) ? (err[0] as { message?: string })?.message : (err as { code?: number })?.code}`;
            errors[k] = (errors[k] ?? 0) + 1;
            changed = true;
          },
          complete: () => undefined,
        });
      }
    } else if (msg.type === 'results') {
      port.postMessage({ type: 'results', receipts, duplicates } satisfies FromClients);
    } else {
      clearInterval(timer);
      await Promise.all(clients.map((c) => c.dispose()));
      port.postMessage({ type: 'stopped' } satisfies FromClients);
    }
  });
}


if (parentPort) runClients();
