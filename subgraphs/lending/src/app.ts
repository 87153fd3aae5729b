/**
 * The lending subgraph: its definition on the platform skeleton (platform/src/server/define.ts) and
 * `startLending()`, the in-process starter used by tests and the e2e suite (main.ts runs the same
 * definition as a process). Runs the migrations, the outbox relay, the `lending-tenants` consumer
 * (identity.tenant.* -> tenant directory), the delinquency timer, and the GraphQL server.
 *
 * Process environment beyond the skeleton's (platform/src/server/process.ts):
 * DELINQUENCY_INTERVAL_MS (3600000; 0 disables the timer).
 */
import path from 'node:path';
import type { TokenVerifier } from '@imagy/platform/auth';
import { envInt } from '@imagy/platform/config';
import type { Orm } from '@imagy/platform/db';
import type { EventSigner, Namespace, NatsConnection } from '@imagy/platform/events';
import { defineSubgraph, mergeResolvers, startSubgraphInstance } from '@imagy/platform/server';
import { migrations } from '../migrations/Migration20260201000000Init';
import { DateScalar, DecimalScalar } from './common/scalars';
import type { LendingExtra, LendingServices } from './context';
import { creditResolvers } from './credits/credits.resolvers';
import { CreditsService } from './credits/credits.service';
import { delinquencyResolvers } from './delinquency/delinquency.resolvers';
import { DelinquencyService, scheduleDelinquency } from './delinquency/delinquency.service';
import { onTenantEvent } from './events/on-tenant-event';
import { createLendingLoaders } from './loaders';
import { paymentResolvers } from './payments/payments.resolvers';
import { PaymentsService } from './payments/payments.service';
import { productResolvers } from './products/products.resolvers';
import { ProductsService } from './products/products.service';
import { simulatorResolvers } from './simulator/simulator.resolvers';
import { SimulatorService } from './simulator/simulator.service';
import { TenantDirectory } from './tenants/tenants.service';
import { messagesEs } from './i18n/es';

export const SCHEMA = 'lending';
export const TENANTS_CONSUMER = 'lending-tenants';
const DEFAULT_DELINQUENCY_INTERVAL_MS = 3_600_000;

export const resolvers = {
  ...mergeResolvers(productResolvers, simulatorResolvers, creditResolvers, paymentResolvers, delinquencyResolvers),
  Decimal: DecimalScalar,
  Date: DateScalar,
};

/** Lending's own settings. */
export interface LendingSettings {
  /** Period of the delinquency timer (runs today's date for every active tenant); 0 disables it. Default 1 hour. */
  delinquencyIntervalMs?: number;
}

export const lending = defineSubgraph<LendingServices, LendingExtra, LendingSettings>({
  name: 'lending',
  port: 4002,
  schemaFile: path.join(__dirname, '..', 'schema.graphql'),
  schema: SCHEMA,
  migrations,
  relay: true,
  messages: messagesEs,
  optionsFromEnv: () => ({ delinquencyIntervalMs: envInt('DELINQUENCY_INTERVAL_MS', DEFAULT_DELINQUENCY_INTERVAL_MS) }),
  services: ({ orm, outbox, signer }) => {
    const directory = new TenantDirectory(orm);
    const products = new ProductsService(orm, outbox);
    const credits = new CreditsService(orm, outbox, products);
    return {
      directory,
      products,
      simulator: new SimulatorService(orm, directory, products),
      credits,
      payments: new PaymentsService(orm, outbox, credits),
      delinquency: new DelinquencyService(orm, signer),
    };
  },
  consumers: (_runtime, { directory }) => [{
    name: TENANTS_CONSUMER, domains: ['identity'], filters: ['identity.tenant.>'], handler: onTenantEvent(directory),
  }],
  jobs: [{
    name: 'delinquency',
    start: ({ options, log }, { delinquency, directory }) => {
      const interval = options.delinquencyIntervalMs ?? DEFAULT_DELINQUENCY_INTERVAL_MS;
      return interval > 0 ? scheduleDelinquency(delinquency, () => directory.active(), interval, log.child({ component: 'delinquency' })) : null;
    },
  }],
  resolvers,
  context: (base, { caller, services }) => ({ caller, services, loaders: createLendingLoaders(services, base.auth) }),
});

export interface LendingOptions extends LendingSettings {
  /** Admin (provisioning) database URL; the app itself connects as role `imagy_lending`. */
  adminUrl: string;
  port: number;
  nc: NatsConnection;
  ns: Namespace;
  signer: EventSigner;
  verifier: TokenVerifier;
  host?: string;
  poolMax?: number;
}

export interface RunningLending {
  url: string;
  port: number;
  orm: Orm;
  services: LendingServices;
  stop(): Promise<void>;
}

export async function startLending(options: LendingOptions): Promise<RunningLending> {
  const { delinquencyIntervalMs, ...deps } = options;
  const running = await startSubgraphInstance(lending, { ...deps, options: { delinquencyIntervalMs } });
  return { url: running.url, port: running.port, orm: running.orm, services: running.services, stop: () => running.stop() };
}
