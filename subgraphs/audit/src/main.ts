/** Audit subgraph process: environment -> startAudit. */
import { adminDatabaseUrl, envInt, natsNamespace, natsUrl } from '@imagy/platform/config';
import { TokenVerifier, trustedIssuersFromEnv } from '@imagy/platform/auth';
import { connectNats, ensureStreams, namespace, signerFromEnv } from '@imagy/platform/events';
import { logger } from '@imagy/platform/logger';
import { startAudit } from './app';

async function main(): Promise<void> {
  const nc = await connectNats(natsUrl(), 'audit');
  const ns = namespace(natsNamespace());
  await ensureStreams(nc, ns);
  const audit = await startAudit({
    adminUrl: adminDatabaseUrl(),
    port: envInt('PORT', envInt('AUDIT_PORT', 4007)),
    host: process.env.HOST,
    nc,
    ns,
    signer: signerFromEnv(),
    verifier: new TokenVerifier(trustedIssuersFromEnv()),
  });
  logger.info({ url: audit.url }, 'audit subgraph ready');
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'audit subgraph stopping');
    await audit.stop().catch((err) => logger.error({ err }, 'error while stopping'));
    await nc.drain().catch(() => undefined);
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

main().catch((err) => {
  logger.fatal({ err }, 'audit subgraph failed to start');
  process.exit(1);
});
