/**
 * Gateway process entry.
 *
 *   tsx gateway/src/main.ts [--supergraph <file>] [--port <n>] [--host <addr>] [--allow-anonymous]
 *     [--workers <n>] [--no-dedup] [--no-fetch-dedup] [--no-fetch-batching] [--jwks <file|url> --issuer <iss> --audience <aud>]
 *     [--no-tenant-check] [--no-telemetry]
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
import { TokenVerifier } from '@imagy/platform/auth';
import { startGateway, type RunningGateway } from './server';
import { defaultWorkers, isClusterWorker, runPrimary } from './cluster';
import { NoTenantStatusCheck, trustedIssuersFromCli } from './cli-auth';
import { telemetryFromEnv } from './metrics';

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
        workers: { type: 'string' },
        'no-dedup': { type: 'boolean', default: false },
        'no-fetch-dedup': { type: 'boolean', default: false },
        'no-fetch-batching': { type: 'boolean', default: false },
        jwks: { type: 'string' },
        issuer: { type: 'string' },
        audience: { type: 'string' },
        'no-tenant-check': { type: 'boolean', default: false },
        'no-telemetry': { type: 'boolean', default: false },
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
  const workers = values.workers === undefined ? defaultWorkers() : Number(values.workers);
  if (!Number.isInteger(workers) || workers < 1 || workers > 256) fail(`invalid --workers "${values.workers}"`);
  let issuers;
  try {
    issuers = allowAnonymous ? [] : trustedIssuersFromCli(values);
  } catch (e) {
    fail((e as Error).message);
  }
  // --no-telemetry wins; otherwise GATEWAY_TELEMETRY (on unless `off`). Checked here so a bad value is exit code 2.
  let telemetry = false;
  try {
    telemetry = values['no-telemetry'] !== true && telemetryFromEnv();
  } catch (e) {
    fail((e as Error).message);
  }
  if (workers > 1 && !isClusterWorker()) {
    // The primary only supervises; every worker runs the whole gateway on the shared port.
    runPrimary(workers, { stopDeadlineMs: STOP_DEADLINE_MS });
    return;
  }

  let stopping = false;
  let running: RunningGateway | null = null;
  const shutdown = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'gateway shutting down');
    setTimeout(() => process.exit(1), STOP_DEADLINE_MS).unref();
    // stop() closes the WebSocket side first, then drains HTTP.
    void Promise.resolve(running?.stop()).then(() => process.exit(0), (e: unknown) => {
      logger.error({ err: e }, 'gateway stop failed');
      process.exit(1);
    });
  };
  // `on`, not `once`: a cluster worker may get the signal twice (its process group and the primary).
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);

  const supergraphSdl = fs.readFileSync(file, 'utf8');
  const verifier = allowAnonymous ? undefined : new TokenVerifier(issuers);
  // --no-tenant-check: for supergraphs without the identity subgraph (see cli-auth.ts).
  const tenantStatus = values['no-tenant-check'] === true ? new NoTenantStatusCheck() : undefined;
  // HTTP and graphql-ws (same port and path) share every object startGateway builds: verifier,
  // tenant status, API keys and rate limits, persisted queries, limits, subgraph connections.
  running = await startGateway({
    supergraphSdl, port, host: values.host, allowAnonymous, verifier, tenantStatus,
    dedup: values['no-dedup'] !== true, fetchDedup: values['no-fetch-dedup'] !== true, fetchBatching: values['no-fetch-batching'] !== true, telemetry,
  });
  if (stopping) await running.stop().finally(() => process.exit(0));
  logger.info({ url: running.url, supergraph: file }, 'gateway ready');
}

main().catch((e: unknown) => {
  process.stderr.write(`imagy-gateway: failed to start: ${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
