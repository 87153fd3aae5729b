/**
 * startLending(): the lending subgraph in-process (main.ts, tests and the e2e suite). Runs the
 * migrations, the outbox relay, the `lending-tenants` consumer (identity.tenant.* -> tenant
 * directory), the `lending-users` consumer (identity.user.created -> user directory), the daily
 * delinquency timer, and the GraphQL server.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'graphql';
import type { TokenVerifier } from '@imagy/platform/auth';
import { createSubgraphOrm, ensureSubgraphSchema, type Orm } from '@imagy/platform/db';
import { EventConsumer, Outbox, OutboxRelay, type EventSigner, type Namespace, type NatsConnection } from '@imagy/platform/events';
import { logger } from '@imagy/platform/logger';
import { catalogueIn, localePlugin } from '@imagy/platform/graphql';
import { buildCaller, natsReadiness, Lifecycle, startSubgraph, type Caller } from '@imagy/platform/server';
import { lendingMigrations } from '../migrations';
import type { LendingExtra, LendingServices } from './context';
import { CreditsService } from './credits/credits.service';
import { DelinquencyService, scheduleDelinquency } from './delinquency/delinquency.service';
import { onTenantEvent } from './events/on-tenant-event';
import { onUserEvent } from './events/on-user-event';
import { UserDirectory } from './users/users.service';
import { createCreditLoaders } from './credits/credits.loaders';
import { createPaymentLoaders } from './payments/payments.loaders';
import { createProductLoaders } from './products/products.loaders';
import { productEntities } from './products/products.entities';
import { PaymentsService } from './payments/payments.service';
import { ProductsService } from './products/products.service';
import { SimulatorService } from './simulator/simulator.service';
import { TenantDirectory } from './tenants/tenants.service';
import { unstorableTextPlugin } from './common/text-input';
import { messages } from './i18n/messages';
import { resolvers } from './resolvers';

export const SCHEMA = 'lending';
/** Tables the unit of work manages; the rest is SQL in the feature stores (README, "Data layer"). */
export const lendingEntities = [...productEntities];
export const TENANTS_CONSUMER = 'lending-tenants';
export const USERS_CONSUMER = 'lending-users';

export interface LendingOptions {
  /** Admin (provisioning) database URL; the app itself connects as role `imagy_lending`. */
  adminUrl: string;
  port: number;
  nc: NatsConnection;
  ns: Namespace;
  signer: EventSigner;
  verifier: TokenVerifier;
  host?: string;
  poolMax?: number;
  /** Period of the delinquency timer (runs today's date for every active tenant); 0 disables it. Default 1 hour. */
  delinquencyIntervalMs?: number;
}

export interface RunningLending {
  url: string;
  port: number;
  orm: Orm;
  services: LendingServices;
  stop(): Promise<void>;
}

export const typeDefs = parse(fs.readFileSync(path.join(__dirname, '..', 'schema.graphql'), 'utf8'));


export { resolvers };


export async function startLending(options: LendingOptions): Promise<RunningLending> {
  const orm = await createSubgraphOrm({ adminUrl: options.adminUrl, schema: SCHEMA, migrations: lendingMigrations, entities: lendingEntities, poolMax: options.poolMax });
  const lifecycle = new Lifecycle();
  lifecycle.add(() => orm.close(true));
  try {
    const { url: listenUrl } = await ensureSubgraphSchema(options.adminUrl, SCHEMA);
    const outbox = new Outbox(options.signer);
    const directory = new TenantDirectory(orm);
    const products = new ProductsService(orm, outbox);
    const users = new UserDirectory();
    const credits = new CreditsService(orm, outbox, products, users);
    const services: LendingServices = {
      directory,
      products,
      simulator: new SimulatorService(orm, directory, products),
      credits,
      payments: new PaymentsService(orm, outbox, credits),
      delinquency: new DelinquencyService(orm, outbox),
    };

    const relay = new OutboxRelay({ orm, nc: options.nc, ns: options.ns, schema: SCHEMA, listenUrl });
    await relay.start();
    lifecycle.add(() => relay.stop());

    const consumer = new EventConsumer({
      orm, nc: options.nc, ns: options.ns, signer: options.signer, name: TENANTS_CONSUMER, domains: ['identity'],
      filters: ['identity.tenant.>'], handler: onTenantEvent(directory),
    });
    await consumer.start();
    lifecycle.add(() => consumer.stop());

    const userConsumer = new EventConsumer({
      orm, nc: options.nc, ns: options.ns, signer: options.signer, name: USERS_CONSUMER, domains: ['identity'],
      filters: ['identity.user.created'], handler: onUserEvent(users),
    });
    await userConsumer.start();
    lifecycle.add(() => userConsumer.stop());

    const interval = options.delinquencyIntervalMs ?? 3_600_000;
    if (interval > 0) lifecycle.add(scheduleDelinquency(services.delinquency, () => directory.active(), interval, logger.child({ component: 'delinquency' })));

    const server = await startSubgraph<LendingExtra>({
      name: 'lending',
      messagesEs: catalogueIn(messages, 'es'),
      plugins: [localePlugin(), unstorableTextPlugin()],
      port: options.port,
      host: options.host,
      typeDefs,
      resolvers,
      verifier: options.verifier,
      orm,
      readiness: [natsReadiness(options.nc)],
      extendContext: (base, req) => {
        const caller: Caller = buildCaller(base, req);
        return { caller, services, loaders: { ...createProductLoaders(services.products, base.auth), ...createCreditLoaders(services.credits, base.auth), ...createPaymentLoaders(services.payments, base.auth) } };
      },
    });
    lifecycle.add(() => server.stop());

    return {
      url: server.url,
      port: server.port,
      orm,
      services,
      async stop() {
        await lifecycle.stop();
      },
    };
  } catch (err) {
    await lifecycle.abort();
    throw err;
  }
}
