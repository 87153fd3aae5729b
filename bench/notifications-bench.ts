/**
 * Notifications benchmark (not run by `npm test`): `npx tsx bench/notifications-bench.ts`.
 * Messages/s of `sendNotification` through the built-in `local` provider, with everything a real
 * send writes: the request row, its attempt, the local mailbox row and the outbox event (relayed to
 * JetStream): each send commits its request QUEUED in one short transaction, then its first delivery
 * round (local mailbox row, attempt, SENT, event) in a second one. Measured twice on the platform the e2e harness
 * starts: straight to the notifications subgraph, and through the gateway; every request carries
 * its own valid token (../shared/perf "fair protocol"). Prints a markdown table.
 * Options: `--messages N` (default 2000 per run), `--concurrency C` (default 16).
 */
import crypto from 'node:crypto';
import { gql } from '@imagy/platform/testing';
import { startPlatform } from '../e2e/harness';
import { arg } from './args';

process.env.APOLLO_TELEMETRY_DISABLED = '1';
process.env.LOG_LEVEL = process.env.LOG_LEVEL ?? 'warn';

const MESSAGES = arg('messages', 2000);
const CONCURRENCY = arg('concurrency', 16);

const SEND = `mutation($input: SendNotificationInput!) { sendNotification(input: $input) { request { status } userErrors { code } } }`;

async function main() {
  const p = await startPlatform({ label: 'benchnotif' });
  const rows: [string, string, string][] = [];
  try {
    const [demo] = await p.sql<{ id: string }>(`select id from identity.tenants where slug = 'demo'`);
    // 256 staff callers of the demo tenant, each with its own token (the gateway rate-limits per user).
    const tokens = await Promise.all(Array.from({ length: 256 }, () => p.issuer.mint({ tenantId: demo!.id, userId: crypto.randomUUID(), roles: ['tenant_admin'] })));
    const created = await gql(p.notificationsUrl, `mutation { createNotificationTemplate(input: { key: "bench.greeting", channel: SMS, variables: ["name", "amount"],
      bodies: [{ locale: "es", body: "Hola {{name}}, su pago de {{amount}} fue recibido." }, { locale: "en", body: "Hi {{name}}, your payment of {{amount}} was received." }] }) { userErrors { code } } }`, {}, { token: tokens[0] });
    if (created.errors || created.data.createNotificationTemplate.userErrors.length) throw new Error(JSON.stringify(created.errors ?? created.data));

    const run = async (label: string, url: string) => {
      const prefix = crypto.randomBytes(4).toString('hex');
      let next = 0;
      let failures = 0;
      const one = async (i: number) => {
        const r = await gql(url, SEND, { input: { templateKey: 'bench.greeting', channel: 'SMS', recipient: `+5939912${String(i % 100000).padStart(5, '0')}`, locale: 'es-EC', variables: { name: 'Ana', amount: '125.00' }, idempotencyKey: `${prefix}-${i}` } }, { token: tokens[i % tokens.length] });
        if (r.errors || r.data?.sendNotification.request?.status !== 'SENT') failures++;
      };
      // Warm-up (JIT, connection pools), not counted.
      for (let i = 0; i < 50; i++) await one(MESSAGES + i);
      const started = performance.now();
      await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
        for (let i = next++; i < MESSAGES; i = next++) await one(i);
      }));
      const secs = (performance.now() - started) / 1000;
      if (failures) throw new Error(`${label}: ${failures} sends failed`);
      rows.push([label, `${(MESSAGES / secs).toFixed(0)} messages/s`, `${MESSAGES} sends, ${CONCURRENCY} concurrent, ${secs.toFixed(2)} s`]);
    };
    await run('sendNotification -> local provider, straight to the subgraph', p.notificationsUrl);
    await run('sendNotification -> local provider, through the gateway', p.gatewayUrl);
    const [written] = await p.sql<{ requests: string; attempts: string; mailbox: string }>(`select (select count(*) from notifications.requests) as requests, (select count(*) from notifications.attempts) as attempts, (select count(*) from notifications.local_mailbox) as mailbox`);
    rows.push(['rows written (requests / attempts / mailbox)', `${written!.requests} / ${written!.attempts} / ${written!.mailbox}`, 'every send wrote its log and mailbox row']);
  } finally {
    await p.stop();
  }
  process.stdout.write(`\n| measurement | result | detail |\n|---|---|---|\n${rows.map((r) => `| ${r.join(' | ')} |`).join('\n')}\n`);
}

main().then(() => process.exit(0), (e) => { console.error(e); process.exit(1); });
