/**
 * Process entry point: environment -> verifier -> NATS streams -> startLending.
 *
 * Env: DATABASE_URL, NATS_URL, NATS_NAMESPACE, PORT (4002), HOST, the trusted issuers as every
 * subgraph reads them (trustedIssuersFromEnv: IMAGY_ISSUER, IMAGY_JWKS_URL, JWT_ISSUERS),
 * EVENT_SIGNING_KEY, DELINQUENCY_INTERVAL_MS (3600000; 0 disables the timer).
 */
import { TokenVerifier, trustedIssuersFromEnv } from '@imagy/platform/auth';
import { adminDatabaseUrl, envInt, natsNamespace, natsUrl } from '@imagy/platform/config';
import { connectNats, ensureStreams, namespace, signerFromEnv } from '@imagy/platform/events';
import { logger } from '@imagy/platform/logger';
import { startLending } from './app';

async function main(): Promise<void> {
  const verifier = new TokenVerifier(trustedIssuersFromEnv());
  const nc = await connectNats(natsUrl(), 'lending');
  const ns = namespace(natsNamespace());
  await ensureStreams(nc, ns);
  const lending = await startLending({
    adminUrl: adminDatabaseUrl(),
    port: envInt('PORT', 4002),
    host: process.env.HOST,
    nc,
    ns,
    signer: signerFromEnv(),
    verifier,
    delinquencyIntervalMs: envInt('DELINQUENCY_INTERVAL_MS', 3_600_000),
  });
  logger.info({ url: lending.url }, 'lending ready');

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'lending stopping');
    await lending.stop().catch((err) => logger.error({ err }, 'error while stopping'));
    await nc.drain().catch(() => undefined);
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

main().catch((err) => {
  logger.fatal({ err }, 'lending failed to start');
  process.exit(1);
});
