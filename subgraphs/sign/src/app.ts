/**
 * The sign subgraph on the platform skeleton: its definition (main.ts runs it as a process) and
 * startSign(), the in-process starter of tests and the e2e harness.
 *
 * Process environment beyond the skeleton's (platform/src/server/process.ts):
 *   SIGN_SIGNING_BASE_URL   base of signing links, `<base>/<token>` (default http://localhost:3000/sign, the portal's signing page)
 *   SIGN_TOKEN_SECRET       base64 HMAC key of signing tokens (default generated into <state dir>/keys/sign-token.key)
 *   SIGN_SEAL_P12, SIGN_SEAL_P12_PASSWORD   base64 PKCS#12 of the sealing certificate and its password
 *                           (default: a self-signed dev certificate generated into <state dir>/keys/sign-seal.pem)
 *   SIGN_DOCUSEAL_URL, SIGN_DOCUSEAL_API_KEY, SIGN_DOCUSEAL_WEBHOOK_SECRET   the DocuSeal provider (all three, or it is off)
 *   SIGN_EXPIRY_SWEEP_MS    period of the job that marks open requests past their expiry EXPIRED (60000; 0 disables it)
 */
import path from 'node:path';
import { env, envInt, installationSecret } from '@imagy/platform/config';
import { catalogueIn, combineResolvers, DateTimeScalar, inputTextPlugin, userErrorResolvers } from '@imagy/platform/graphql';
import { defineSubgraph, startSubgraphInstance, type SubgraphInstanceDepsBase } from '@imagy/platform/server';
import { migrations } from '../migrations';
import type { Resolvers } from './__generated__/graphql';
import { SigningTokens } from './common/token';
import type { SignExtra, SignServices } from './context';
import { onLendingContractIssued } from './events/on-lending-contract-issued';
import { messages } from './i18n/messages';
import { createSignLoaders } from './requests/requests.loaders';
import { requestResolvers } from './requests/requests.resolvers';
import { RequestsService } from './requests/requests.service';
import { loadSealIdentity, type SealIdentity } from './seal/certificate';
import { Sealer } from './seal/sealer';
import { ProviderCallbacks } from './providers/callbacks';
import { DocuSealProvider, type DocuSealSettings } from './providers/docuseal';
import { providerRoutes } from './providers/webhook.route';
import { Notifier } from './signing/notifier';
import { Progress } from './signing/progress';
import { signingResolvers } from './signing/signing.resolvers';
import { SigningService } from './signing/signing.service';
import { Trail } from './trail/trail.service';

export const resolvers = combineResolvers<Resolvers>(requestResolvers, signingResolvers, { DateTime: DateTimeScalar }, userErrorResolvers(messages));

export interface SignOptions {
  signingBaseUrl: string;
  tokenSecret: Buffer;
  seal: SealIdentity;
  /** The external provider DocuSeal; null leaves only the built-in signature. */
  docuseal: DocuSealSettings | null;
  /** Period of the job that marks open requests past their expiry EXPIRED (0 disables it). */
  expirySweepMs: number;
}

export function signOptionsFromEnv(): SignOptions {
  return {
    signingBaseUrl: env('SIGN_SIGNING_BASE_URL', 'http://localhost:3000/sign').replace(/\/+$/, ''),
    tokenSecret: installationSecret('SIGN_TOKEN_SECRET', 'sign-token.key'),
    seal: loadSealIdentity(),
    docuseal: process.env.SIGN_DOCUSEAL_URL && process.env.SIGN_DOCUSEAL_API_KEY && process.env.SIGN_DOCUSEAL_WEBHOOK_SECRET
      ? { baseUrl: process.env.SIGN_DOCUSEAL_URL, apiKey: process.env.SIGN_DOCUSEAL_API_KEY, webhookSecret: process.env.SIGN_DOCUSEAL_WEBHOOK_SECRET }
      : null,
    expirySweepMs: envInt('SIGN_EXPIRY_SWEEP_MS', 60_000),
  };
}

export const CONTRACTS_CONSUMER = 'sign-contracts';

export const sign = defineSubgraph<SignServices, SignExtra, SignOptions>({
  name: 'sign',
  port: 4003,
  schemaFile: path.join(__dirname, '..', 'schema.graphql'),
  migrations,
  relay: true,
  messages: catalogueIn(messages, 'es'),
  // NUL and lone surrogates in any String/ID argument are refused before a resolver runs (naming the
  // variable path): PostgreSQL cannot store them. Services still validate their own fields.
  plugins: [inputTextPlugin()],
  optionsFromEnv: signOptionsFromEnv,
  services: ({ orm, outbox, rpc, options, revocations }) => {
    const trail = new Trail(outbox);
    const tokens = new SigningTokens(options.tokenSecret);
    const notifier = new Notifier(rpc);
    const progress = new Progress(outbox, trail, notifier, tokens, new Sealer(options.seal), { signingBaseUrl: options.signingBaseUrl });
    const docuseal = options.docuseal ? new DocuSealProvider(options.docuseal) : null;
    return {
      requests: new RequestsService(orm, trail, progress, docuseal ? [docuseal] : []),
      signing: new SigningService(orm, tokens, notifier, trail, progress, revocations),
      callbacks: new ProviderCallbacks(orm, progress, docuseal),
    };
  },
  routes: (app, _rt, { callbacks }) => providerRoutes(callbacks)(app),
  jobs: [{
    name: 'expiry-sweep',
    start: ({ options, log }, { requests }) => {
      if (options.expirySweepMs <= 0) return null;
      let running = false;
      const timer = setInterval(() => {
        if (running) return;
        running = true;
        requests.sweepExpired()
          .then((n) => { if (n) log.info({ expired: n }, 'signature requests expired'); })
          .catch((err: Error) => log.error({ err: err.message }, 'expiry sweep failed'))
          .finally(() => { running = false; });
      }, options.expirySweepMs);
      timer.unref();
      return () => clearInterval(timer);
    },
  }],
  consumers: ({ log }, { requests }) => [{
    name: CONTRACTS_CONSUMER, domains: ['lending'], filters: ['lending.contract.issued'], handler: onLendingContractIssued(requests, log.child({ component: 'contracts' })),
  }],
  resolvers,
  context: (base, { caller, services }) => ({ caller, services, loaders: createSignLoaders(services.requests, base.auth) }),
});

/** In-process start (tests, e2e harness): the state folder's dev seal and token key unless given. */
export function startSign(deps: SubgraphInstanceDepsBase & { options?: Partial<SignOptions> }) {
  const { options = {}, ...rest } = deps;
  return startSubgraphInstance(sign, {
    ...rest,
    options: {
      signingBaseUrl: options.signingBaseUrl ?? 'http://localhost:3000/sign',
      tokenSecret: options.tokenSecret ?? installationSecret('SIGN_TOKEN_SECRET', 'sign-token.key'),
      seal: options.seal ?? loadSealIdentity(),
      docuseal: options.docuseal ?? null,
      expirySweepMs: options.expirySweepMs ?? 0,
    },
  });
}

export type RunningSign = Awaited<ReturnType<typeof startSign>>;
