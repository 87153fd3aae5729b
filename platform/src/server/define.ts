/**
 * defineSubgraph(): what a subgraph IS, written once in its `src/app.ts`; the skeleton decides how it
 * runs. `runSubgraphProcess(definition)` (process.ts) is the whole process entry (`src/main.ts`);
 * `startSubgraphInstance(definition, deps)` (instance.ts) starts the same thing in-process for tests
 * and the e2e harness. No subgraph writes its own start or stop logic: everything a definition
 * starts is registered on one `Lifecycle` and stopped in reverse order.
 *
 * Start order (stop is the reverse):
 *   ORM + committed migrations -> `services` -> `setup` -> outbox relay (`relay: true`) ->
 *   `consumers` -> `rpc` servers -> `jobs` -> subscription hub (`subscriptions`) -> HTTP server (+ graphql-ws).
 */
import type { ApolloServerPlugin } from '@apollo/server';
import type express from 'express';
import type { EntitySchema, MigrationObject } from '@mikro-orm/core';
import type { RevocationView } from '../auth/revocation';
import type { TokenVerifier } from '../auth/verifier';
import type { Orm } from '../db/orm';
import type { ConsumerOptions } from '../events/consumer';
import type { EventSigner } from '../events/envelope';
import type { Namespace, NatsConnection } from '../events/nats';
import type { Outbox } from '../events/outbox';
import type { RpcClient, RpcServerSpec } from '../events/rpc';
import type { Catalogue } from '../i18n';
import type { Logger } from '../logger';
import type { Caller } from './caller';
import type { ResolverMapLike } from './resolvers';
import type { BaseContext, ReadinessCheck } from './subgraph';
import type { NatsSubscriptionHub } from './subscriptions';

/** Stops something a definition started (a timer, a watcher...). */
export type Stopper = () => void | Promise<void>;

/** What the skeleton has built when a definition's hooks run. */
export interface SubgraphRuntime<TOptions = undefined> {
  name: string;
  /** The subgraph's database schema (its role is `imagy_<schema>`). */
  schema: string;
  /** Admin (provisioning) database URL; the subgraph itself connects as its own role. */
  adminUrl: string;
  orm: Orm;
  /** Writes signed events in the caller's transaction; the relay publishes them (`relay: true`). */
  outbox: Outbox;
  nc: NatsConnection;
  ns: Namespace;
  signer: EventSigner;
  verifier: TokenVerifier;
  /** Subgraph-specific settings: from `optionsFromEnv` in a process, from the caller in-process. */
  options: TOptions;
  log: Logger;
  /** One NATS fan-out per process for `Subscription` fields; null unless `subscriptions` is on. */
  hub: NatsSubscriptionHub | null;
  /** Signed request-reply to another subgraph's `rpc` methods (events/rpc.ts). */
  rpc: RpcClient;
  /**
   * Tenant suspensions, disabled users and revoked sessions as identity publishes them: bearer tokens
   * are checked against it by the skeleton; a subgraph checks it itself for credentials of its own
   * (e.g. sign's signing links of a suspended tenant).
   */
  revocations: Pick<RevocationView, 'check'>;
}

/** Per-request facts handed to the definition's `context` hook. */
export interface RequestInfo<TServices> {
  /** Verified identity + client hints (ip, user agent); over graphql-ws the hints are null. */
  caller: Caller;
  services: TServices;
  /** The HTTP request; absent for operations over graphql-ws. Never trust identity headers from it. */
  req?: express.Request;
}

/** An EventConsumer of the definition; the skeleton supplies orm, NATS connection, namespace and signer. */
export type ConsumerSpec = Omit<ConsumerOptions, 'orm' | 'nc' | 'ns' | 'signer'>;

/** Periodic work (timers): `start` returns how to stop it, or null when configuration disables it. */
export interface SubgraphJob<TServices, TOptions = undefined> {
  name: string;
  start(runtime: SubgraphRuntime<TOptions>, services: TServices): Stopper | null;
}

export interface SubgraphDefinitionBase<TServices, TExtra extends object, TOptions> {
  /** Service name in logs and metrics; also the database schema unless `schema` says otherwise. */
  name: string;
  /** Default port; a process reads PORT (or <NAME>_PORT) first. */
  port: number;
  /** Absolute path of the subgraph's schema.graphql (the only SDL: composition and codegen read it too). */
  schemaFile: string;
  /** Database schema (default: `name`). */
  schema?: string;
  migrations: MigrationObject[];
  /** MikroORM entities (`defineEntity`/`EntitySchema`) of the CRUD-shaped tables. */
  entities?: EntitySchema<any, any>[];
  /** Run the outbox relay (the subgraph publishes events). */
  relay: boolean;
  /**
   * Process-only: the token verifier. Default: `new TokenVerifier(trustedIssuersFromEnv())`.
   * (identity trusts its own signing key in memory first.)
   */
  verifierFromEnv?: (options: TOptions) => TokenVerifier | Promise<TokenVerifier>;
  /** Builds the subgraph's services once, from what the skeleton started. */
  services: (runtime: SubgraphRuntime<TOptions>) => TServices;
  /** One-off work after the services exist and before anything serves (partitions, demo seed...). */
  setup?: (runtime: SubgraphRuntime<TOptions>, services: TServices) => void | Promise<void>;
  /**
   * The resolver map (graphql-codegen's `Resolvers<Ctx>` or a plain object), or a factory of it
   * when resolvers close over services or the subscription hub.
   */
  resolvers: ResolverMapLike | ((services: TServices, runtime: SubgraphRuntime<TOptions>) => ResolverMapLike);
  /** Per-request extension of BaseContext (DataLoaders, caller...): called once per request/subscribe. */
  context?: (base: BaseContext, request: RequestInfo<TServices>) => TExtra;
  /** Durable event consumers (JetStream, inbox, DLQ), started after the relay. */
  consumers?: (runtime: SubgraphRuntime<TOptions>, services: TServices) => ConsumerSpec[];
  /** Internal request-reply methods this subgraph answers (events/rpc.ts), started after the consumers. */
  rpc?: (runtime: SubgraphRuntime<TOptions>, services: TServices) => RpcServerSpec[];
  jobs?: SubgraphJob<TServices, TOptions>[];
  /** Extra HTTP routes (JWKS, exports...), mounted before `/graphql`. */
  routes?: (app: express.Express, runtime: SubgraphRuntime<TOptions>, services: TServices) => void;
  /** Serve `Subscription` fields over graphql-ws on `/graphql` and give the resolvers a NATS hub. */
  subscriptions?: boolean | { keepAliveMs?: number };
  /** `/ready` checks beyond the database and NATS (which every subgraph gets). */
  readiness?: (runtime: SubgraphRuntime<TOptions>, services: TServices) => ReadinessCheck[];
  /** Spanish texts of this subgraph's userError / error codes (platform/src/i18n). */
  messages?: Catalogue;
  /** Extra Apollo Server plugins of this subgraph (e.g. its own input checks), after the platform's. */
  plugins?: ApolloServerPlugin<any>[];
}

/**
 * Subgraph-specific options: a definition whose options can be undefined may leave out
 * `optionsFromEnv`; one that needs options (identity's signing key) must say how a process reads them.
 */
export type OptionsFromEnv<TOptions> = undefined extends TOptions
  ? { optionsFromEnv?: () => TOptions | Promise<TOptions> }
  : { optionsFromEnv: () => TOptions | Promise<TOptions> };

export type SubgraphDefinition<TServices, TExtra extends object = object, TOptions = undefined> =
  SubgraphDefinitionBase<TServices, TExtra, TOptions> & OptionsFromEnv<TOptions>;

/** Declares a subgraph (see the module comment); pass the result to runSubgraphProcess / startSubgraphInstance. */
export function defineSubgraph<TServices, TExtra extends object = object, TOptions = undefined>(
  definition: SubgraphDefinition<TServices, TExtra, TOptions>,
): SubgraphDefinition<TServices, TExtra, TOptions> {
  if (!/^[a-z][a-z0-9_]*$/.test(definition.schema ?? definition.name)) throw new Error(`Subgraph schema name "${definition.schema ?? definition.name}" must be a lower-case identifier`);
  return definition;
}
