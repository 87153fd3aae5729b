/**
 * The flow subgraph on the platform skeleton: its definition (main.ts runs it as a process) and
 * startFlow(), the in-process starter of tests and the e2e harness.
 *
 * Process environment beyond the skeleton's (platform/src/server/process.ts):
 *   OPENSANCTIONS_API_KEY            the installation's default key of the OpenSanctions adapter (a tenant's own key, setProviderSecret, comes first; neither: NOT_CONFIGURED and the router fails over)
 *   TRUORA_API_KEY, TRUORA_URL       the installation's default Truora account (default URL https://api.checks.truora.com); a tenant's secret comes first
 *   FLOW_SECRET_KEY                  base64, 32 bytes: seals tenants' provider secrets (default generated into .imagy/keys/flow-secret.key)
 *   OPENSANCTIONS_URL                its base URL (default https://api.opensanctions.org)
 *   FLOW_ALLOW_PRIVATE_PROVIDER_URLS 1 lets tenant-configured provider URLs reach private/loopback addresses (default 0)
 *   FLOW_PROVIDER_RETRIES, FLOW_BREAKER_FAILURES, FLOW_BREAKER_HALF_OPEN_MS   gateway limits (2, 5, 30000)
 *   FLOW_SESSION_BUCKET_TTL_MS       TTL of the NATS KV session bucket (30 days)
 *   FLOW_EXPIRY_SWEEP_MS             period of the job that marks untouched executions EXPIRED (60000; 0 disables it)
 *   FLOW_RESUME_SWEEP_MS             period of the job that drives executions whose provider call's lease ran out, or never started (5000; 0 disables it)
 *   FLOW_LEASE_MARGIN_MS             added to a provider step's worst-case duration to make its lease (5000)
 *   FLOW_FILES_DIR                   local storage folder (default <IMAGY_STATE_DIR>/flow-files)
 *   FLOW_FILES_BASE_URL              origin of signed storage URLs (default: the public origin the client reached through the gateway, which proxies /flow/files/; called directly, the subgraph's own)
 *   FLOW_STORAGE_SECRET              base64 HMAC key of signed storage URLs (default generated into .imagy/keys/flow-storage.key)
 *   FLOW_STORAGE                     local (default) or s3; s3 reads FLOW_S3_BUCKET, FLOW_S3_REGION (us-east-1), FLOW_S3_ENDPOINT
 *                                    (MinIO...) and the AWS default credential chain
 */
import { accessTokenRpc } from './executions/access-token.rpc';
import path from 'node:path';
import type express from 'express';
import { installationSecret, localStateDir } from '@imagy/platform/config';
import { env, envInt } from '@imagy/platform/config';
import { LocalFileStorage } from './storage/local';
import { S3Storage, type S3StorageOptions } from './storage/s3';
import type { StorageAdapter } from './storage/storage';
import { catalogueIn, combineResolvers, DateTimeScalar, inputTextPlugin, JSONScalar, userErrorResolvers } from '@imagy/platform/graphql';
import { defineSubgraph, isFromGateway, startSubgraphInstance, type RunningSubgraphInstance, type SubgraphInstanceDepsBase } from '@imagy/platform/server';
import { migrations } from '../migrations';
import type { Resolvers } from './__generated__/graphql';
import type { FlowExtra, FlowServices } from './context';
import { Engine } from './executions/engine';
import { executionResolvers } from './executions/executions.resolvers';
import { ExecutionsService } from './executions/executions.service';
import { DEFAULT_BUCKET_TTL_MS, SessionStore } from './executions/session';
import { createFlowLoaders } from './flows/flows.loaders';
import { flowResolvers } from './flows/flows.resolvers';
import { FlowsService } from './flows/flows.service';
import { messages } from './i18n/messages';
import { DEFAULT_LIMITS, ProviderGateway, type GatewayLimits } from './providers/gateway';
import { MockProvider } from './providers/mock';
import { OpenSanctionsProvider } from './providers/opensanctions';
import { TRUORA_DEFAULT_URL, TruoraProvider } from './providers/truora';
import { ProvidersService } from './providers/providers.service';
import { SecretBox } from './providers/secrets';
import { onLendingVerificationRequested, VERIFICATIONS_CONSUMER } from './events/on-lending-verification-requested';

export const resolvers = combineResolvers<Resolvers>(flowResolvers, executionResolvers, { DateTime: DateTimeScalar, JSON: JSONScalar }, userErrorResolvers(messages));

/** Flow's own settings (a process reads them from the environment above). */
export interface FlowSettings {
  openSanctionsApiKey?: string | null;
  openSanctionsUrl?: string;
  truoraApiKey?: string | null;
  truoraUrl?: string;
  /** Between two reads of a running Truora check (default 1000 ms). */
  truoraPollMs?: number;
  /** Tenant-configured provider URLs may reach private and loopback addresses (tests, on-premise providers). Default false. */
  allowPrivateProviderUrls?: boolean;
  gatewayLimits?: Partial<GatewayLimits>;
  sessionBucketTtlMs?: number;
  /** Local storage folder (default `<state dir>/flow-files`). */
  filesDir?: string;
  /** Origin of signed storage URLs (default: the origin of the request). */
  filesBaseUrl?: string;
  /** Store documents in an S3-compatible bucket instead of the local folder. */
  s3?: S3StorageOptions;
  /** Period of the expiry sweep (default 60 s; 0 disables it). */
  expirySweepMs?: number;
  /** Period of the resume sweep (default 5 s; 0 disables it). */
  resumeSweepMs?: number;
}

/** The document store: S3 when configured, else the local folder (whose signed URLs are routes of this subgraph). */
function storageOf(options: FlowSettings | undefined): { storage: StorageAdapter; local: LocalFileStorage | null } {
  if (options?.s3) return { storage: new S3Storage(options.s3), local: null };
  const local = new LocalFileStorage(options?.filesDir ?? path.join(localStateDir(), 'flow-files'), installationSecret('FLOW_STORAGE_SECRET', 'flow-storage.key'));
  return { storage: local, local };
}

const DEFAULT_RESUME_SWEEP_MS = 5_000;
const FORWARDED_HOST = /^[A-Za-z0-9.\-[\]:]{1,300}$/;

/**
 * Where signed document URLs point without FLOW_FILES_BASE_URL: the public origin the client
 * reached when the request came through our gateway (x-forwarded-host/proto, believed only with the
 * gateway proof; the gateway passes /flow/files/ through to this subgraph), else the origin the
 * request reached this subgraph on.
 */
function publicOrigin(req: express.Request | undefined): string {
  if (!req) return 'http://localhost:4004';
  const host = req.headers['x-forwarded-host'];
  if (typeof host === 'string' && FORWARDED_HOST.test(host) && isFromGateway(req.headers)) {
    return `${req.headers['x-forwarded-proto'] === 'https' ? 'https' : 'http'}://${host}`;
  }
  return `${req.protocol}://${req.get('host') ?? 'localhost'}`;
}

/** Runs `work` every `ms` (never two at once); null when disabled (0). */
function every(ms: number, work: () => Promise<unknown>, onError: (err: unknown) => void): (() => void) | null {
  if (ms <= 0) return null;
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    work().catch(onError).finally(() => { running = false; });
  }, ms);
  timer.unref();
  return () => clearInterval(timer);
}

export const flow = defineSubgraph<FlowServices, FlowExtra, FlowSettings | undefined>({
  name: 'flow',
  port: 4004,
  schemaFile: path.join(__dirname, '..', 'schema.graphql'),
  migrations,
  relay: true,
  messages: catalogueIn(messages, 'es'),
  optionsFromEnv: () => ({
    openSanctionsApiKey: process.env.OPENSANCTIONS_API_KEY || null,
    openSanctionsUrl: env('OPENSANCTIONS_URL', 'https://api.opensanctions.org'),
    truoraApiKey: process.env.TRUORA_API_KEY || null,
    truoraUrl: env('TRUORA_URL', TRUORA_DEFAULT_URL),
    allowPrivateProviderUrls: env('FLOW_ALLOW_PRIVATE_PROVIDER_URLS', '0') === '1',
    gatewayLimits: {
      retries: envInt('FLOW_PROVIDER_RETRIES', DEFAULT_LIMITS.retries),
      breakerFailures: envInt('FLOW_BREAKER_FAILURES', DEFAULT_LIMITS.breakerFailures),
      halfOpenAfterMs: envInt('FLOW_BREAKER_HALF_OPEN_MS', DEFAULT_LIMITS.halfOpenAfterMs),
      leaseMarginMs: envInt('FLOW_LEASE_MARGIN_MS', DEFAULT_LIMITS.leaseMarginMs),
    },
    sessionBucketTtlMs: envInt('FLOW_SESSION_BUCKET_TTL_MS', DEFAULT_BUCKET_TTL_MS),
    filesDir: process.env.FLOW_FILES_DIR || undefined,
    filesBaseUrl: process.env.FLOW_FILES_BASE_URL || undefined,
    expirySweepMs: envInt('FLOW_EXPIRY_SWEEP_MS', 60_000),
    resumeSweepMs: envInt('FLOW_RESUME_SWEEP_MS', DEFAULT_RESUME_SWEEP_MS),
    s3: env('FLOW_STORAGE', 'local') === 's3'
      ? { bucket: env('FLOW_S3_BUCKET'), region: env('FLOW_S3_REGION', 'us-east-1'), endpoint: process.env.FLOW_S3_ENDPOINT || undefined }
      : undefined,
  }),
  services: ({ orm, outbox, nc, ns, options, log }) => {
    const network = { allowPrivateNetworks: options?.allowPrivateProviderUrls ?? false };
    const gateway = new ProviderGateway([
      new MockProvider(),
      new OpenSanctionsProvider({ apiKey: options?.openSanctionsApiKey ?? null, baseUrl: options?.openSanctionsUrl, ...network }),
      new TruoraProvider({ apiKey: options?.truoraApiKey ?? null, baseUrl: options?.truoraUrl, pollMs: options?.truoraPollMs, ...network }),
    ], { ...DEFAULT_LIMITS, ...options?.gatewayLimits });
    const box = SecretBox.installation();
    const sessions = new SessionStore(nc, ns, options?.sessionBucketTtlMs ?? DEFAULT_BUCKET_TTL_MS);
    const { storage, local } = storageOf(options);
    return {
      flows: new FlowsService(orm),
      executions: new ExecutionsService(orm, outbox, new Engine(outbox, gateway, box, log.child({ component: 'engine' })), sessions, storage, log.child({ component: 'executions' })),
      outbox,
      providers: new ProvidersService(orm, outbox, gateway, network, box),
      gateway,
      sessions,
      storage,
      localStorage: local,
      filesBaseUrl: options?.filesBaseUrl?.replace(/\/+$/, '') ?? null,
    };
  },
  setup: async (_rt, { sessions }) => { await sessions.ready(); },
  // The internal call lending (the requester) uses to get the token of a run it started, for its borrower.
  rpc: (_rt, { executions }) => accessTokenRpc(executions),
  consumers: (_rt, { executions, outbox }) => [
    { name: VERIFICATIONS_CONSUMER, domains: ['lending'], filters: ['lending.verification.requested'], handler: onLendingVerificationRequested(executions, outbox) },
  ],
  jobs: [{
    name: 'expiry-sweep',
    start: ({ options, log }, { executions }) => every(options?.expirySweepMs ?? 60_000, () => executions.sweepExpired(), (err) => log.warn({ err }, 'expiry sweep failed')),
  }, {
    name: 'resume-sweep',
    start: ({ options, log }, { executions }) => every(options?.resumeSweepMs ?? DEFAULT_RESUME_SWEEP_MS, () => executions.resumeStalled(), (err) => log.warn({ err }, 'resume sweep failed')),
  }],
  resolvers,
  // NUL and lone surrogates in any String/ID argument: BAD_USER_INPUT naming it, before any resolver.
  plugins: [inputTextPlugin()],
  // The signed URLs of the local storage adapter (PUT and GET /flow/files/<tenant>/<file>).
  routes: (app, _rt, { localStorage, executions }) => localStorage?.routes(app, (facts) => executions.recordUpload(facts)),
  context: (base, { caller, services, req }) => ({
    caller, services, loaders: createFlowLoaders(services.flows, services.executions, base.auth),
    origin: services.filesBaseUrl ?? publicOrigin(req),
  }),
});

export interface FlowOptions extends FlowSettings, SubgraphInstanceDepsBase {}
export type RunningFlow = RunningSubgraphInstance<FlowServices>;

export function startFlow(options: FlowOptions): Promise<RunningFlow> {
  const { openSanctionsApiKey, openSanctionsUrl, truoraApiKey, truoraUrl, truoraPollMs, allowPrivateProviderUrls, gatewayLimits, sessionBucketTtlMs, filesDir, filesBaseUrl, s3, expirySweepMs, resumeSweepMs, ...deps } = options;
  return startSubgraphInstance(flow, { ...deps, options: { openSanctionsApiKey, openSanctionsUrl, truoraApiKey, truoraUrl, truoraPollMs, allowPrivateProviderUrls, gatewayLimits, sessionBucketTtlMs, filesDir, filesBaseUrl, s3, expirySweepMs, resumeSweepMs } });
}
