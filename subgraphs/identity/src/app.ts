/**
 * startIdentity(): the identity subgraph in-process (main.ts, tests and the e2e suite). Runs the
 * migrations, optionally the demo seed, the outbox relay, and the GraphQL server with the JWKS of
 * the local token issuer at `/.well-known/jwks.json`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'graphql';
import type express from 'express';
import { jetstream } from '@nats-io/jetstream';
import { jwksOf, type SigningKey, type TokenVerifier } from '@imagy/platform/auth';
import { createSubgraphOrm, ensureSubgraphSchema, type Orm } from '@imagy/platform/db';
import { Outbox, OutboxRelay, wireSubject, type EventEnvelope, type EventSigner, type Namespace, type NatsConnection } from '@imagy/platform/events';
import { logger } from '@imagy/platform/logger';
import { buildCaller, natsReadiness, startSubgraph, type Caller } from '@imagy/platform/server';
import { migrations } from '../migrations';
import { entities } from './entities';
import { ApiKeysService } from './api-keys/api-keys.service';
import { EXCHANGE_PATH, exchangeRoute } from './api-keys/api-keys.exchange';
import { AuthService } from './auth/auth.service';
import type { IdentityExtra, IdentityServices } from './context';
import { seedDemo } from './seed/seed.service';
import { createTenantLoaders } from './tenants/tenants.loaders';
import { TenantsService } from './tenants/tenants.service';
import { createUserLoaders } from './users/users.loaders';
import { UsersService } from './users/users.service';
import { localePlugin } from '@imagy/platform/graphql';
import { messagesEs } from './i18n/es';
import { resolvers } from './resolvers';

export const SCHEMA = 'identity';

export { migrations };

export interface IdentityOptions {
  /** Admin (provisioning) database URL; the app itself connects as role `imagy_identity`. */
  adminUrl: string;
  port: number;
  nc: NatsConnection;
  ns: Namespace;
  signer: EventSigner;
  /** Verifies incoming tokens: must trust `signingKey` (the tokens this subgraph issues) and any other issuer. */
  verifier: TokenVerifier;
  /** Key of the local token issuer (signs access tokens; published as JWKS). */
  signingKey: SigningKey;
  issuer: string;
  audience: string;
  host?: string;
  /** Run the idempotent demo seed before serving. */
  seed?: boolean;
  poolMax?: number;
}

export interface RunningIdentity {
  url: string;
  port: number;
  orm: Orm;
  services: IdentityServices;
  stop(): Promise<void>;
}

export const typeDefs = parse(fs.readFileSync(path.join(__dirname, '..', 'schema.graphql'), 'utf8'));


export { resolvers };

export async function startIdentity(options: IdentityOptions): Promise<RunningIdentity> {
  const orm = await createSubgraphOrm({ adminUrl: options.adminUrl, schema: SCHEMA, entities, migrations, poolMax: options.poolMax });
  const { url: listenUrl } = await ensureSubgraphSchema(options.adminUrl, SCHEMA);
  const outbox = new Outbox(options.signer);
  const tenants = new TenantsService(orm, outbox);
  const users = new UsersService(orm, outbox, tenants);
  const auth = new AuthService(orm, outbox, tenants, { signingKey: options.signingKey, issuer: options.issuer, audience: options.audience });
  const js = jetstream(options.nc, { timeout: 2_000 });
  // A revocation is also published directly after commit (same id: JetStream drops the relay's copy).
  const publishNow = async (envelope: EventEnvelope) => {
    try {
      await js.publish(wireSubject(options.ns, envelope.subject), JSON.stringify(envelope), { msgID: envelope.id });
    } catch (err) {
      logger.warn({ err: (err as Error).message, subject: envelope.subject }, 'direct publish failed; the outbox relay will deliver');
    }
  };
  const apiKeys = new ApiKeysService(orm, outbox, { signingKey: options.signingKey, issuer: options.issuer, audience: options.audience, publishNow });
  const services: IdentityServices = { tenants, users, auth, apiKeys };

  if (options.seed) await seedDemo(orm, outbox);

  const relay = new OutboxRelay({ orm, nc: options.nc, ns: options.ns, schema: SCHEMA, listenUrl });
  await relay.start();

  let server;
  try {
    server = await startSubgraph<IdentityExtra>({
      name: 'identity',
      messagesEs,
      port: options.port,
      host: options.host,
      typeDefs,
      resolvers,
      // Sets context.locale from Accept-Language: UserError.message renders templates with params in it.
      plugins: [localePlugin()],
      verifier: options.verifier,
      orm,
      readiness: [natsReadiness(options.nc)],
      routes: (app) => {
        app.post(EXCHANGE_PATH, ...exchangeRoute(apiKeys));
        app.get('/.well-known/jwks.json', (_req, res) => {
          res.setHeader('cache-control', 'public, max-age=300');
          res.json(jwksOf(options.signingKey));
        });
      },
      extendContext: (base, req) => {
        const caller: Caller = buildCaller(base, req);
        return { caller, services, loaders: { ...createTenantLoaders(tenants), ...createUserLoaders(users, base.auth) } };
      },
    });
  } catch (e) {
    await relay.stop();
    await orm.close(true);
    throw e;
  }

  const running = server;
  return {
    url: running.url,
    port: running.port,
    orm,
    services,
    async stop() {
      await running.stop();
      await relay.stop();
      await orm.close(true);
    },
  };
}
