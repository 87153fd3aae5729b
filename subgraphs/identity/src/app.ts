/**
 * The identity subgraph: its definition on the platform skeleton (platform/src/server/define.ts)
 * and `startIdentity()`, the in-process starter used by tests and the e2e suite (main.ts runs the
 * same definition as a process). Runs the migrations, optionally the demo seed, the outbox relay,
 * and the GraphQL server with the JWKS of the local token issuer at `/.well-known/jwks.json` and
 * the API-key exchange.
 *
 * Process environment beyond the skeleton's (platform/src/server/process.ts): IMAGY_ISSUER
 * (http://localhost:4000), IMAGY_AUDIENCE (imagy), IDENTITY_SEED (1 = seed the demo tenants),
 * DEMO_ADMIN_PASSWORD, PLATFORM_ADMIN_PASSWORD, IMAGY_STATE_DIR (where the dev signing key is made).
 */
import { borrowerRegistrationRpc } from './borrowers/borrower-registration.rpc';
import path from 'node:path';
import { jetstream } from '@nats-io/jetstream';
import { jwksOf, loadOrCreateSigningKey, RevocationWriter, TokenVerifier, trustedIssuersFromEnv, type SigningKey, type TrustedIssuer } from '@imagy/platform/auth';
import { env } from '@imagy/platform/config';
import { wireSubject, type EventEnvelope } from '@imagy/platform/events';
import { defineSubgraph, startSubgraphInstance, type RunningSubgraphInstance, type SubgraphInstanceDepsBase } from '@imagy/platform/server';
import { migrations } from '../migrations';
import { entities } from './entities';
import { ApiKeysService } from './api-keys/api-keys.service';
import { EXCHANGE_PATH, exchangeRoute } from './api-keys/api-keys.exchange';
import { AuthService } from './auth/auth.service';
import type { IdentityExtra, IdentityServices } from './context';
import { seedDemo } from './seed/seed.service';
import { createTenantLoaders } from './tenants/tenants.loaders';
import { BrandingService } from './branding/branding.service';
import { createBrandingLoaders } from './branding/branding.loaders';
import { TenantsService } from './tenants/tenants.service';
import { createUserLoaders } from './users/users.loaders';
import { UsersService } from './users/users.service';
import { messagesEs } from './i18n/es';
import { onRevocationEvent, REVOCATION_SUBJECTS } from './events/on-revocation-event';
import { resolvers } from './resolvers';

export const SCHEMA = 'identity';

export { migrations, resolvers };

/** Identity's own settings: the local token issuer and the demo seed. */
export interface IdentitySettings {
  /** Key of the local token issuer (signs access tokens; published as JWKS). */
  signingKey: SigningKey;
  issuer: string;
  audience: string;
  /** Run the idempotent demo seed before serving. */
  seed?: boolean;
}

export const identity = defineSubgraph<IdentityServices, IdentityExtra, IdentitySettings>({
  name: 'identity',
  port: 4001,
  schemaFile: path.join(__dirname, '..', 'schema.graphql'),
  schema: SCHEMA,
  migrations,
  entities,
  relay: true,
  messages: messagesEs,
  optionsFromEnv: async () => ({
    issuer: env('IMAGY_ISSUER', 'http://localhost:4000'),
    audience: env('IMAGY_AUDIENCE', 'imagy'),
    signingKey: await loadOrCreateSigningKey(),
    seed: ['1', 'true', 'yes'].includes((process.env.IDENTITY_SEED ?? '').toLowerCase()),
  }),
  // Our own tokens are verified against our own key in memory (no HTTP call to ourselves); other
  // issuers (e.g. Keycloak realms from JWT_ISSUERS) stay trusted as configured.
  verifierFromEnv: ({ issuer, audience, signingKey }) => {
    const local: TrustedIssuer = { issuer, audience, jwks: jwksOf(signingKey) };
    return new TokenVerifier([local, ...trustedIssuersFromEnv().filter((i) => i.issuer !== issuer)]);
  },
  services: ({ orm, outbox, nc, ns, log, options }) => {
    const issuer = { signingKey: options.signingKey, issuer: options.issuer, audience: options.audience };
    const tenants = new TenantsService(orm, outbox);
    const users = new UsersService(orm, outbox, tenants);
    const auth = new AuthService(orm, outbox, tenants, issuer);
    const js = jetstream(nc, { timeout: 2_000 });
    // A revocation is also published directly after commit (same id: JetStream drops the relay's copy).
    const publishNow = async (envelope: EventEnvelope) => {
      try {
        await js.publish(wireSubject(ns, envelope.subject), JSON.stringify(envelope), { msgID: envelope.id });
      } catch (err) {
        log.warn({ err: (err as Error).message, subject: envelope.subject }, 'direct publish failed; the outbox relay will deliver');
      }
    };
    const apiKeys = new ApiKeysService(orm, outbox, { ...issuer, publishNow });
    const branding = new BrandingService(orm, outbox);
    return { tenants, users, auth, apiKeys, branding };
  },
  consumers: ({ nc, ns }) => [{
    name: 'identity-revocations', domains: ['identity'], filters: REVOCATION_SUBJECTS,
    handler: onRevocationEvent(new RevocationWriter(nc, ns.streamPrefix)),
  }],
  rpc: ({ orm, outbox }, { tenants }) => borrowerRegistrationRpc(orm, outbox, tenants),
  setup: async ({ orm, outbox, options }) => {
    if (options.seed) await seedDemo(orm, outbox);
  },
  resolvers,
  context: (base, { caller, services }) => ({
    caller,
    services,
    loaders: { ...createTenantLoaders(services.tenants), ...createUserLoaders(services.users, base.auth), ...createBrandingLoaders(services.branding) },
  }),
  routes: (app, { options }, { apiKeys }) => {
    app.post(EXCHANGE_PATH, ...exchangeRoute(apiKeys));
    app.get('/.well-known/jwks.json', (_req, res) => {
      res.setHeader('cache-control', 'public, max-age=300');
      res.json(jwksOf(options.signingKey));
    });
  },
});

/** What startIdentity needs: the skeleton's dependencies (its `verifier` must trust `signingKey`, the tokens identity issues) and identity's settings. */
export interface IdentityOptions extends IdentitySettings, SubgraphInstanceDepsBase {}

export type RunningIdentity = RunningSubgraphInstance<IdentityServices>;

export function startIdentity(options: IdentityOptions): Promise<RunningIdentity> {
  const { signingKey, issuer, audience, seed, ...deps } = options;
  return startSubgraphInstance(identity, { ...deps, options: { signingKey, issuer, audience, seed } });
}
