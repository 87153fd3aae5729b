/**
 * runSubgraphProcess(): the whole process entry of a subgraph (`src/main.ts` is one call of it).
 *
 *   environment -> subgraph options -> token verifier -> NATS (+ streams) -> startSubgraphInstance
 *   -> SIGINT/SIGTERM: stop the instance in reverse start order, then drain NATS, exit 0.
 *
 * A start failure is logged as fatal and the process exits 1 (whatever had started is stopped first),
 * so a supervisor (npm start, docker, systemd) sees it and can restart it.
 *
 * Environment (every subgraph):
 *   DATABASE_URL     admin URL used to provision the subgraph's schema and role (default postgres://postgres@127.0.0.1:5432/imagy)
 *   NATS_URL         default nats://127.0.0.1:4222
 *   NATS_NAMESPACE   prefix of subjects and streams (tests; default none)
 *   PORT             or <NAME>_PORT, else the definition's port
 *   HOST             interface to listen on, default 127.0.0.1 (containers set 0.0.0.0)
 *   TRUST_PROXY      whose X-Forwarded-For to believe (express `trust proxy`; unset: nobody's)
 *   IMAGY_ISSUER / IMAGY_AUDIENCE / IMAGY_JWKS_URL / JWT_ISSUERS   trusted token issuers
 *   EVENT_SIGNING_KEY  base64 key of the event envelopes (default: generated into IMAGY_STATE_DIR)
 *   LOG_LEVEL        pino level
 */
import { TokenVerifier, trustedIssuersFromEnv } from '../auth/verifier';
import { adminDatabaseUrl, envInt, listenHost, natsNamespace, natsUrl } from '../config';
import { signerFromEnv } from '../events/envelope';
import { connectNats, ensureStreams, namespace } from '../events/nats';
import { logger } from '../logger';
import { trustProxySetting, type TrustProxy } from './caller';
import type { SubgraphDefinition } from './define';
import { startInstance, type RunningSubgraphInstance } from './instance';
import { Lifecycle } from './lifecycle';

/** What a subgraph process reads from the environment (besides the definition's own options). */
export interface SubgraphProcessEnv {
  adminUrl: string;
  natsUrl: string;
  namespace: string;
  port: number;
  host: string;
  trustProxy: TrustProxy | undefined;
}

/** Reads the process environment of subgraph `name` (default port `defaultPort`). */
export function subgraphProcessEnv(name: string, defaultPort: number): SubgraphProcessEnv {
  const portVar = `${name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_PORT`;
  return {
    adminUrl: adminDatabaseUrl(),
    natsUrl: natsUrl(),
    namespace: natsNamespace(),
    port: envInt('PORT', envInt(portVar, defaultPort)),
    host: listenHost(),
    trustProxy: trustProxySetting(),
  };
}

/**
 * Runs `definition` as this process's subgraph until SIGINT/SIGTERM. Resolves with the running
 * instance once it serves; never rejects (a failed start exits the process with status 1).
 */
export async function runSubgraphProcess<TServices, TExtra extends object, TOptions>(
  definition: SubgraphDefinition<TServices, TExtra, TOptions>,
): Promise<RunningSubgraphInstance<TServices>> {
  const log = logger.child({ service: definition.name });
  const lifecycle = new Lifecycle();
  let started = false;
  let stopping = false;

  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    if (!started) {
      // Still starting (e.g. waiting for NATS or PostgreSQL): nothing serves yet, so give back what
      // is already held and leave; the exit ends whatever is half started.
      log.info({ signal }, `${definition.name} stopping before it finished starting`);
      await lifecycle.abort();
      process.exit(0);
    }
    log.info({ signal }, `${definition.name} stopping`);
    try {
      await lifecycle.stop();
      log.info(`${definition.name} stopped`);
      process.exit(0);
    } catch (err) {
      log.error({ err }, `${definition.name} did not stop cleanly`);
      process.exit(1);
    }
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));

  try {
    const env = subgraphProcessEnv(definition.name, definition.port);
    log.info({ host: env.host, port: env.port, nats: env.natsUrl, namespace: env.namespace || undefined }, `${definition.name} starting`);
    // OptionsFromEnv lets a definition omit optionsFromEnv only when undefined is a valid TOptions.
    const options = (definition.optionsFromEnv ? await definition.optionsFromEnv() : undefined) as TOptions;
    const verifier = definition.verifierFromEnv ? await definition.verifierFromEnv(options) : new TokenVerifier(trustedIssuersFromEnv());
    const nc = await connectNats(env.natsUrl, definition.name);
    // Drained last: the relay and consumers stop first and may still publish or ack.
    lifecycle.add(() => nc.drain().catch(() => undefined));
    const ns = namespace(env.namespace);
    await ensureStreams(nc, ns);
    const instance = await startInstance(definition, {
      adminUrl: env.adminUrl, port: env.port, host: env.host, nc, ns, signer: signerFromEnv(), verifier, trustProxy: env.trustProxy,
    }, options);
    lifecycle.add(() => instance.stop());
    started = true;
    log.info({ url: instance.url }, `${definition.name} ready`);
    return instance;
  } catch (err) {
    log.fatal({ err }, `${definition.name} failed to start`);
    await lifecycle.abort();
    process.exit(1);
  }
}
