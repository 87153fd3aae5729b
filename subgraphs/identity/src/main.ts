/**
 * Process entry point: environment -> signing key -> verifier -> NATS streams -> startIdentity.
 *
 * Env: DATABASE_URL, NATS_URL, NATS_NAMESPACE, PORT (4001), HOST, IMAGY_ISSUER
 * (http://localhost:4000), IMAGY_AUDIENCE (imagy), JWT_ISSUERS (extra trusted issuers, JSON),
 * EVENT_SIGNING_KEY, IDENTITY_SEED (1 = seed the demo tenants), DEMO_ADMIN_PASSWORD,
 * PLATFORM_ADMIN_PASSWORD, TRUST_PROXY, IMAGY_STATE_DIR.
 */
import { jwksOf, loadOrCreateSigningKey, TokenVerifier, trustedIssuersFromEnv, type TrustedIssuer } from '@imagy/platform/auth';
import { adminDatabaseUrl, env, envInt, natsNamespace, natsUrl } from '@imagy/platform/config';
import { connectNats, ensureStreams, namespace, signerFromEnv } from '@imagy/platform/events';
import { logger } from '@imagy/platform/logger';
import { startIdentity } from './app';

async function main(): Promise<void> {
  const issuer = env('IMAGY_ISSUER', 'http://localhost:4000');
  const audience = env('IMAGY_AUDIENCE', 'imagy');
  const signingKey = await loadOrCreateSigningKey();
  // Our own tokens are verified against our own key in memory (no HTTP call to ourselves); other
  // issuers (e.g. Keycloak realms from JWT_ISSUERS) stay trusted as configured.
  const local: TrustedIssuer = { issuer, audience, jwks: jwksOf(signingKey) };
  const verifier = new TokenVerifier([local, ...trustedIssuersFromEnv().filter((i) => i.issuer !== issuer)]);
  const nc = await connectNats(natsUrl(), 'identity');
  const ns = namespace(natsNamespace());
  await ensureStreams(nc, ns);
  const identity = await startIdentity({
    adminUrl: adminDatabaseUrl(),
    port: envInt('PORT', 4001),
    host: process.env.HOST,
    nc,
    ns,
    signer: signerFromEnv(),
    verifier,
    signingKey,
    issuer,
    audience,
    seed: ['1', 'true', 'yes'].includes((process.env.IDENTITY_SEED ?? '').toLowerCase()),
  });
  logger.info({ url: identity.url }, 'identity ready');

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'identity stopping');
    await identity.stop().catch((err) => logger.error({ err }, 'error while stopping'));
    await nc.drain().catch(() => undefined);
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

main().catch((err) => {
  logger.fatal({ err }, 'identity failed to start');
  process.exit(1);
});
