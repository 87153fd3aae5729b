/**
 * The lending subgraph: its definition on the platform skeleton (platform/src/server/define.ts) and
 * `startLending()`, the in-process starter used by tests and the e2e suite (main.ts runs the same
 * definition as a process). Runs the migrations, the outbox relay, the `lending-tenants` consumer
 * (identity.tenant.* -> tenant directory), the `lending-users` consumer (identity.user.created ->
 * user directory), the delinquency timer, and the GraphQL server.
 *
 * Process environment beyond the skeleton's (platform/src/server/process.ts):
 * DELINQUENCY_INTERVAL_MS (3600000; 0 disables the timer).
 */
import path from 'node:path';
import { envInt } from '@imagy/platform/config';
import { catalogueIn, inputTextPlugin } from '@imagy/platform/graphql';
import { defineSubgraph, startSubgraphInstance, type RunningSubgraphInstance, type SubgraphInstanceDepsBase } from '@imagy/platform/server';
import { lendingMigrations } from '../migrations';
import { systemClock, type Clock } from './common/dates';
import type { LendingExtra, LendingServices } from './context';
import { CreditsService } from './credits/credits.service';
import { createCreditLoaders } from './credits/credits.loaders';
import { DelinquencyService, scheduleDelinquency } from './delinquency/delinquency.service';
import { onTenantEvent } from './events/on-tenant-event';
import { onUserEvent } from './events/on-user-event';
import { messages } from './i18n/messages';
import { createPaymentLoaders } from './payments/payments.loaders';
import { PaymentsService } from './payments/payments.service';
import { productEntities } from './products/products.entities';
import { createProductLoaders } from './products/products.loaders';
import { ProductsService } from './products/products.service';
import { lendingResolvers, resolvers } from './resolvers';
import { ApplicationsService } from './applications/applications.service';
import { createApplicationLoaders } from './applications/applications.loaders';
import { PipelineEngine } from './applications/engine';
import { scheduleOrigination } from './applications/applications.service';
import { onProfileBlacklisted } from './events/on-profile-blacklisted';
import { onSignatureResult } from './events/on-signature-result';
import { onVerificationResult } from './events/on-verification-result';
import { PipelineService } from './pipeline/pipeline.service';
import { PortfolioService } from './portfolio/portfolio.service';
import { SimulatorService } from './simulator/simulator.service';
import { TenantDirectory } from './tenants/tenants.service';
import { UserDirectory } from './users/users.service';

export const SCHEMA = 'lending';
/** Tables the unit of work manages; the rest is SQL in the feature stores (README, "Data layer"). */
export const lendingEntities = [...productEntities];
export const TENANTS_CONSUMER = 'lending-tenants';
export const USERS_CONSUMER = 'lending-users';
export const VERIFICATIONS_CONSUMER = 'lending-verifications';
export const SIGNATURES_CONSUMER = 'lending-signatures';
export const BLACKLIST_CONSUMER = 'lending-blacklist';
const DEFAULT_DELINQUENCY_INTERVAL_MS = 3_600_000;
const DEFAULT_APPLICATION_TTL_HOURS = 720;
const DEFAULT_ORIGINATION_JOB_MS = 5_000;
const DEFAULT_EXTERNAL_STEP_TIMEOUT_HOURS = 24;

export { resolvers };

/** Lending's own settings. */
export interface LendingSettings {
  /** Period of the delinquency timer (runs each active tenant's business date); 0 disables it. Default 1 hour. */
  delinquencyIntervalMs?: number;
  /** The clock every business date is read from (tests inject a fixed instant). Default: the system clock. */
  now?: Clock;
  /** How long an application may stay open before it expires (hours, default 720 = 30 days). */
  applicationTtlHours?: number;
  /** Period of the origination job (retries due applications, expires overdue ones); 0 disables it. Default 5 s. */
  originationJobMs?: number;
  /** How long a step waits on flow or sign before it goes to the review queue (hours, default 24). */
  externalStepTimeoutHours?: number;
}

export const lending = defineSubgraph<LendingServices, LendingExtra, LendingSettings>({
  name: 'lending',
  port: 4002,
  schemaFile: path.join(__dirname, '..', 'schema.graphql'),
  schema: SCHEMA,
  migrations: lendingMigrations,
  entities: lendingEntities,
  relay: true,
  messages: catalogueIn(messages, 'es'),
  optionsFromEnv: () => ({
    delinquencyIntervalMs: envInt('DELINQUENCY_INTERVAL_MS', DEFAULT_DELINQUENCY_INTERVAL_MS),
    applicationTtlHours: envInt('APPLICATION_TTL_HOURS', DEFAULT_APPLICATION_TTL_HOURS),
    originationJobMs: envInt('ORIGINATION_JOB_MS', DEFAULT_ORIGINATION_JOB_MS),
    externalStepTimeoutHours: envInt('EXTERNAL_STEP_TIMEOUT_HOURS', DEFAULT_EXTERNAL_STEP_TIMEOUT_HOURS),
  }),
  services: ({ orm, outbox, rpc, options }) => {
    const directory = new TenantDirectory(orm, options.now ?? systemClock);
    const products = new ProductsService(orm, outbox);
    const users = new UserDirectory();
    const credits = new CreditsService(orm, outbox, products, users, directory);
    const pipeline = new PipelineService(orm, products, directory);
    const engine = new PipelineEngine(outbox, products, credits, pipeline, directory, (options.externalStepTimeoutHours ?? DEFAULT_EXTERNAL_STEP_TIMEOUT_HOURS) * 3_600_000);
    const ttlMs = (options.applicationTtlHours ?? DEFAULT_APPLICATION_TTL_HOURS) * 3_600_000;
    return {
      pipeline,
      applications: new ApplicationsService(orm, engine, products, pipeline, users, rpc, { ttlMs }, directory),
      directory,
      users,
      products,
      simulator: new SimulatorService(orm, directory, products),
      credits,
      payments: new PaymentsService(orm, outbox, credits, directory),
      delinquency: new DelinquencyService(orm, outbox, directory),
      portfolio: new PortfolioService(orm),
    };
  },
  consumers: (_runtime, { directory, users, applications }) => [
    { name: TENANTS_CONSUMER, domains: ['identity'], filters: ['identity.tenant.>'], handler: onTenantEvent(directory) },
    { name: USERS_CONSUMER, domains: ['identity'], filters: ['identity.user.created'], handler: onUserEvent(users) },
    { name: VERIFICATIONS_CONSUMER, domains: ['flow'], filters: ['flow.execution.completed', 'flow.execution.failed', 'flow.execution.refused'], handler: onVerificationResult(applications) },
    { name: SIGNATURES_CONSUMER, domains: ['sign'], filters: ['sign.signature.completed', 'sign.signature.rejected'], handler: onSignatureResult(applications) },
    { name: BLACKLIST_CONSUMER, domains: ['subject'], filters: ['subject.profile.blacklisted'], handler: onProfileBlacklisted(applications) },
  ],
  jobs: [{
    name: 'delinquency',
    start: ({ options, log }, { delinquency, directory }) => {
      const interval = options.delinquencyIntervalMs ?? DEFAULT_DELINQUENCY_INTERVAL_MS;
      return interval > 0 ? scheduleDelinquency(delinquency, directory, interval, log.child({ component: 'delinquency' })) : null;
    },
  }, {
    name: 'origination',
    start: ({ options, log }, { applications, directory }) => {
      const interval = options.originationJobMs ?? DEFAULT_ORIGINATION_JOB_MS;
      return interval > 0 ? scheduleOrigination(applications, () => directory.active(), interval, log.child({ component: 'origination' })) : null;
    },
  }],
  resolvers: (_services, { hub }) => lendingResolvers(hub),
  subscriptions: true,
  // NUL and lone surrogates in any String argument: BAD_USER_INPUT naming it, before any resolver.
  // NUL and lone surrogates in any String/ID argument: refused before any resolver runs (lending's
  // names and codes reach text columns and jsonb terms directly).
  plugins: [inputTextPlugin()],
  context: (base, { caller, services }) => ({
    caller,
    services,
    loaders: {
      ...createProductLoaders(services.products, base.auth), ...createCreditLoaders(services.credits, base.auth), ...createPaymentLoaders(services.payments, base.auth),
      ...createApplicationLoaders(services.applications, services.pipeline, base.auth),
    },
  }),
});

/** What startLending needs: the skeleton's dependencies and lending's settings. */
export interface LendingOptions extends LendingSettings, SubgraphInstanceDepsBase {}

export type RunningLending = RunningSubgraphInstance<LendingServices>;

export function startLending(options: LendingOptions): Promise<RunningLending> {
  const { delinquencyIntervalMs, now, applicationTtlHours, originationJobMs, externalStepTimeoutHours, ...deps } = options;
  return startSubgraphInstance(lending, { ...deps, options: { delinquencyIntervalMs, now, applicationTtlHours, originationJobMs, externalStepTimeoutHours } });
}
