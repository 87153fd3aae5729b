/**
 * Gateway process entry.
 *
 *   tsx gateway/src/main.ts [--supergraph <file>] [--port <n>] [--host <addr>] [--allow-anonymous]
 *
 * Defaults: `schema/supergraph.graphql` at the repository root, port `PORT` or 4000, host 0.0.0.0.
 * `--allow-anonymous` (no token verification) is for development, conformance suites and
 * benchmarks only: with NODE_ENV=production the process refuses to start.
 */
import './telemetry-off'; // first: before any @apollo module is loaded
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { logger } from '@imagy/platform/logger';
import { TokenVerifier, trustedIssuersFromEnv } from '@imagy/platform/auth';
import { startGateway, type RunningGateway } from './server';
import { attachSubscriptions, type GatewaySubscriptions } from './subscriptions';

const STOP_DEADLINE_MS = 8_000;

function fail(message: string): never {
  process.stderr.write(`imagy-gateway: ${message}\n`);
  process.exit(2);
}

async function main(): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        supergraph: { type: 'string' },
        port: { type: 'string' },
        host: { type: 'string' },
        'allow-anonymous': { type: 'boolean', default: false },
      },
      strict: true,
    }));
  } catch (e) {
    fail((e as Error).message);
  }
  const allowAnonymous = values['allow-anonymous'] === true;
  if (allowAnonymous && process.env.NODE_ENV === 'production') {
    fail('--allow-anonymous is a development switch and is refused when NODE_ENV=production');
  }
  const rawPort = values.port ?? process.env.PORT ?? '4000';
  const port = Number(rawPort);
  if (!Number.isInteger(port) || port < 0 || port > 65535) fail(`invalid port "${rawPort}"`);
  const file = values.supergraph ? path.resolve(values.supergraph) : path.resolve(__dirname, '..', '..', 'schema', 'supergraph.graphql');
  if (!fs.existsSync(file)) fail(`supergraph file not found: ${file} (run \`npm run compose\` or pass --supergraph)`);

  let stopping = false;
  let running: RunningGateway | null = null;
  let subscriptions: GatewaySubscriptions | null = null;
  const shutdown = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'gateway shutting down');
    setTimeout(() => process.exit(1), STOP_DEADLINE_MS).unref();
    void (subscriptions?.close().catch(() => undefined) ?? Promise.resolve()).then(() => running?.stop()).then(() => process.exit(0), (e: unknown) => {
      logger.error({ err: e }, 'gateway stop failed');
      process.exit(1);
    });
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);

  const supergraphSdl = fs.readFileSync(file, 'utf8');
  // One verifier for HTTP and graphql-ws (its cache of verified tokens is shared).
  const verifier = allowAnonymous ? undefined : new TokenVerifier(trustedIssuersFromEnv());
  running = await startGateway({ supergraphSdl, port, host: values.host, allowAnonymous, verifier });
  if (stopping) await running.stop().finally(() => process.exit(0));
  // graphql-ws on the same server and path (/graphql): federated subscriptions.
  subscriptions = attachSubscriptions({ httpServer: running.httpServer, supergraphSdl, verifier, allowAnonymous });
  logger.info({ url: running.url, supergraph: file }, 'gateway ready');
}

main().catch((e: unknown) => {
  process.stderr.write(`imagy-gateway: failed to start: ${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
