/**
 * startAudit(): the audit subgraph in-process (main.ts, tests, e2e). Starts the HTTP subgraph,
 * the outbox relay (audit.event.recorded) and the `audit` consumer of every other domain's stream,
 * and keeps monthly partitions prepared ahead.
 */
import net from 'node:net';
import type { ApolloServerPlugin } from '@apollo/server';
import type { TokenVerifier } from '@imagy/platform/auth';
import { createSubgraphOrm, ensureSubgraphSchema, type Orm } from '@imagy/platform/db';
import { DOMAINS, EventConsumer, Outbox, OutboxRelay, type EventSigner, type Namespace, type NatsConnection } from '@imagy/platform/events';
import { natsReadiness, NatsSubscriptionHub, Lifecycle, startSubgraph, subscriptionServer } from '@imagy/platform/server';
import { migrations } from '../migrations';
import { AuditEventService, type ClientInfo } from './audit-events/audit-event.service';
import type { AuditContext } from './audit-events/audit-event.resolvers';
import { auditResolvers } from './resolvers';
import { createLoaders } from './audit-events/audit-event.loaders';
import { exportRoute } from './audit-events/export.route';
import { ensurePartitions, schedulePartitions } from './partitions/partitions.service';
import { onDomainEvent } from './events/on-domain-event';
import { ReportService } from './reports/report.service';
import { typeDefs } from './schema';
import { catalogueIn, localePlugin } from '@imagy/platform/graphql';
import { messages } from './i18n/messages';

export const AUDIT_SCHEMA = 'audit';
export const AUDIT_CONSUMER = 'audit';
/** Every domain but audit itself (auditing our own announcements would loop). */
export const AUDITED_DOMAINS = DOMAINS.filter((d) => d !== 'audit');

export interface StartAuditOptions {
  adminUrl: string;
  port: number;
  nc: NatsConnection;
  ns: Namespace;
  signer: EventSigner;
  verifier: TokenVerifier;
  host?: string;
}

export interface RunningAudit {
  url: string;
  port: number;
  orm: Orm;
  /** The live tail's NATS fan-out (one NATS subscription per subject per process). */
  hub: NatsSubscriptionHub;
  stop(): Promise<void>;
}

function clientOf(headers: { get(name: string): string | undefined | null } | undefined): ClientInfo {
  // The forwarded address is believed only when the deployment trusts the hop in front (the gateway).
  const trusted = Boolean(process.env.TRUST_PROXY) && process.env.TRUST_PROXY !== 'false';
  const forwarded = trusted ? (headers?.get('x-forwarded-for')?.split(',')[0]?.trim() ?? headers?.get('x-real-ip')?.trim() ?? null) : null;
  const ua = headers?.get('user-agent') ?? null;
  return { ip: forwarded && net.isIP(forwarded) ? forwarded : null, userAgent: ua ? ua.slice(0, 512) : null };
}

export async function startAudit(options: StartAuditOptions): Promise<RunningAudit> {
  const orm = await createSubgraphOrm({ adminUrl: options.adminUrl, schema: AUDIT_SCHEMA, migrations });
  const lifecycle = new Lifecycle();
  lifecycle.add(() => orm.close(true));
  try {
    await ensurePartitions(orm);
    lifecycle.add(schedulePartitions(orm));

    const outbox = new Outbox(options.signer);
    const events = new AuditEventService(orm, outbox);
    const reports = new ReportService(orm);

    const { url: listenUrl } = await ensureSubgraphSchema(options.adminUrl, AUDIT_SCHEMA);
    const relay = new OutboxRelay({ orm, nc: options.nc, ns: options.ns, schema: AUDIT_SCHEMA, listenUrl });
    await relay.start();
    lifecycle.add(() => relay.stop());

    const consumer = new EventConsumer({
      orm, nc: options.nc, ns: options.ns, signer: options.signer,
      name: AUDIT_CONSUMER, domains: [...AUDITED_DOMAINS], handler: onDomainEvent(events),
    });
    await consumer.start();
    lifecycle.add(() => consumer.stop());

    // Live tail: graphql-ws on /graphql, fed by audit.event.recorded through one shared NATS subscription.
    const hub = new NatsSubscriptionHub({ nc: options.nc, ns: options.ns, signer: options.signer });
    lifecycle.add(() => hub.close());
    const subscriptions = subscriptionServer<Pick<AuditContext, 'loaders' | 'client'>>({
      name: 'audit',
      verifier: options.verifier,
      orm,
      extendContext: (base) => ({ loaders: createLoaders(events, base.auth), client: { ip: null, userAgent: null } }),
    });

    const clientPlugin: ApolloServerPlugin<AuditContext> = {
      async requestDidStart({ request, contextValue }) {
        contextValue.client = clientOf(request.http?.headers);
      },
    };
    const server = await startSubgraph<Pick<AuditContext, 'loaders' | 'client'>>({
      name: 'audit',
      messagesEs: catalogueIn(messages, 'es'),
      port: options.port,
      host: options.host,
      typeDefs,
      resolvers: auditResolvers(events, reports, hub),
      verifier: options.verifier,
      orm,
      extendContext: (base) => ({ loaders: createLoaders(events, base.auth), client: { ip: null, userAgent: null } }),
      routes: exportRoute(events, options.verifier),
      plugins: [clientPlugin, localePlugin<AuditContext>()],
      onListening: subscriptions.onListening,
      readiness: [natsReadiness(options.nc)],
    });
    lifecycle.add(() => server.stop());
    lifecycle.add(() => subscriptions.close());

    return {
      url: server.url,
      port: server.port,
      orm,
      hub,
      async stop() {
        await lifecycle.stop();
      },
    };
  } catch (err) {
    await lifecycle.abort();
    throw err;
  }
}
