/**
 * startSubgraphInstance(): a defined subgraph started in this process with dependencies the caller
 * owns (database admin URL, NATS connection and namespace, signer, verifier). `runSubgraphProcess`
 * uses it after reading the environment; tests and the e2e harness use it with their own test
 * database, bus and issuer. The caller keeps ownership of the NATS connection (it is not drained here).
 */
import fs from 'node:fs';
import type http from 'node:http';
import type express from 'express';
import { parse } from 'graphql';
import type { TokenVerifier } from '../auth/verifier';
import { RevocationView } from '../auth/revocation';
import type { Orm } from '../db/orm';
import { ensureSubgraphSchema } from '../db/provision';
import { EventConsumer } from '../events/consumer';
import type { EventSigner } from '../events/envelope';
import type { Namespace, NatsConnection } from '../events/nats';
import { Outbox } from '../events/outbox';
import { OutboxRelay } from '../events/relay';
import { RpcClient, RpcServer, RpcSigner } from '../events/rpc';
import { logger } from '../logger';
import { buildCaller, natsReadiness, type TrustProxy } from './caller';
import type { SubgraphDefinition, SubgraphRuntime } from './define';
import { Lifecycle } from './lifecycle';
import { startSubgraph, type BaseContext } from './subgraph';
import { NatsSubscriptionHub, subscriptionServer } from './subscriptions';

export interface SubgraphInstanceDepsBase {
  /** Admin (provisioning) database URL; the subgraph connects as its own role. */
  adminUrl: string;
  /** 0 picks a free port. */
  port: number;
  /** Default 127.0.0.1. */
  host?: string;
  nc: NatsConnection;
  ns: Namespace;
  signer: EventSigner;
  verifier: TokenVerifier;
  /** Connection pool size of the subgraph's ORM (default 10). */
  poolMax?: number;
  /** express `trust proxy`; default TRUST_PROXY from the environment (see trustProxySetting). */
  trustProxy?: TrustProxy;
}

export type SubgraphInstanceDeps<TOptions> = SubgraphInstanceDepsBase
  & (undefined extends TOptions ? { options?: TOptions } : { options: TOptions });

export interface RunningSubgraphInstance<TServices> {
  name: string;
  url: string;
  port: number;
  orm: Orm;
  services: TServices;
  /** The subscription hub (null unless the definition enables subscriptions). */
  hub: NatsSubscriptionHub | null;
  server: http.Server;
  /** Stops everything started, in reverse order (idempotent). */
  stop(): Promise<void>;
}

export function startSubgraphInstance<TServices, TExtra extends object, TOptions>(
  definition: SubgraphDefinition<TServices, TExtra, TOptions>,
  deps: SubgraphInstanceDeps<TOptions>,
): Promise<RunningSubgraphInstance<TServices>> {
  // SubgraphInstanceDeps makes `options` optional only when undefined is a valid TOptions.
  const { options } = deps as SubgraphInstanceDepsBase & { options?: TOptions };
  return startInstance(definition, deps, options as TOptions);
}

/** startSubgraphInstance with the options apart (runSubgraphProcess reads them from the environment). */
export async function startInstance<TServices, TExtra extends object, TOptions>(
  definition: SubgraphDefinition<TServices, TExtra, TOptions>,
  deps: SubgraphInstanceDepsBase,
  options: TOptions,
): Promise<RunningSubgraphInstance<TServices>> {
  const schema = definition.schema ?? definition.name;
  const log = logger.child({ service: definition.name });
  const typeDefs = parse(fs.readFileSync(definition.schemaFile, 'utf8'));
  const lifecycle = new Lifecycle();
  try {
    // Loaded here, not at module load: the gateway imports @imagy/platform/server for its auth and
    // metrics helpers, and MikroORM (about 1000 modules) would double its start time for nothing.
    const { createSubgraphOrm } = require('../db/orm') as typeof import('../db/orm');
    const orm = await createSubgraphOrm({ adminUrl: deps.adminUrl, schema, migrations: definition.migrations, entities: definition.entities, poolMax: deps.poolMax });
    lifecycle.add(() => orm.close(true));

    // Refuses suspended tenants, disabled users and revoked sessions within milliseconds of identity's change.
    const revocations = await RevocationView.start({ nc: deps.nc, streamPrefix: deps.ns.streamPrefix, log: log.child({ component: 'revocation-view' }) });
    lifecycle.add(() => revocations.stop());

    const rpcSigner = new RpcSigner(deps.signer);
    const hub = definition.subscriptions ? new NatsSubscriptionHub({ nc: deps.nc, ns: deps.ns, signer: deps.signer }) : null;
    const runtime: SubgraphRuntime<TOptions> = {
      name: definition.name, schema, adminUrl: deps.adminUrl, orm, outbox: new Outbox(deps.signer),
      nc: deps.nc, ns: deps.ns, signer: deps.signer, verifier: deps.verifier, options, log, hub,
      rpc: new RpcClient(deps.nc, deps.ns, rpcSigner), revocations,
    };
    const services = definition.services(runtime);
    await definition.setup?.(runtime, services);

    if (definition.relay) {
      // The relay LISTENs on the subgraph's own connection (role imagy_<schema>).
      const { url: listenUrl } = await ensureSubgraphSchema(deps.adminUrl, schema);
      const relay = new OutboxRelay({ orm, nc: deps.nc, ns: deps.ns, schema, listenUrl });
      await relay.start();
      lifecycle.add(() => relay.stop());
    }

    for (const spec of definition.consumers?.(runtime, services) ?? []) {
      const consumer = new EventConsumer({ ...spec, orm, nc: deps.nc, ns: deps.ns, signer: deps.signer });
      await consumer.start();
      lifecycle.add(() => consumer.stop());
    }

    for (const spec of definition.rpc?.(runtime, services) ?? []) {
      const server = new RpcServer(deps.nc, deps.ns, rpcSigner, spec, log);
      await server.start();
      lifecycle.add(() => server.stop());
    }

    for (const job of definition.jobs ?? []) {
      const stop = job.start(runtime, services);
      if (stop) lifecycle.add(stop);
      else log.info({ job: job.name }, 'job disabled by configuration');
    }

    if (hub) lifecycle.add(() => hub.close());

    const context = definition.context;
    const extendContext = context
      ? (base: BaseContext, req?: express.Request): TExtra => context(base, { caller: buildCaller(base, req), services, req })
      : undefined;
    const subscriptions = definition.subscriptions
      ? subscriptionServer<TExtra>({
        name: definition.name,
        verifier: deps.verifier,
        revocations,
        extendContext: extendContext && ((base) => extendContext(base)),
        keepAliveMs: typeof definition.subscriptions === 'object' ? definition.subscriptions.keepAliveMs : undefined,
      })
      : null;

    const routes = definition.routes;
    const resolvers = typeof definition.resolvers === 'function' ? definition.resolvers(services, runtime) : definition.resolvers;
    const server = await startSubgraph<TExtra>({
      name: definition.name,
      port: deps.port,
      host: deps.host,
      typeDefs,
      resolvers,
      verifier: deps.verifier,
      revocations,
      orm,
      trustProxy: deps.trustProxy,
      messagesEs: definition.messages,
      plugins: definition.plugins,
      readiness: [natsReadiness(deps.nc), ...(definition.readiness?.(runtime, services) ?? [])],
      routes: routes && ((app) => routes(app, runtime, services)),
      extendContext,
      onListening: subscriptions ? (http, built) => subscriptions.onListening(http, built) : undefined,
    });
    lifecycle.add(() => server.stop());
    // Sockets close before the HTTP server drains (Apollo's drain waits for open connections).
    if (subscriptions) lifecycle.add(() => subscriptions.close());

    let stopping: Promise<void> | null = null;
    return {
      name: definition.name,
      url: server.url,
      port: server.port,
      orm,
      services,
      hub,
      server: server.server,
      stop() {
        stopping ??= lifecycle.stop();
        return stopping;
      },
    };
  } catch (err) {
    await lifecycle.abort();
    throw err;
  }
}
