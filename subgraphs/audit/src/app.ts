/**
 * The audit subgraph: its definition on the platform skeleton (platform/src/server/define.ts) and
 * `startAudit()`, the in-process starter used by tests and the e2e suite (main.ts runs the same
 * definition as a process). Serves the HTTP and graphql-ws API (the live tail), relays its own
 * outbox (audit.event.recorded), consumes every other domain's stream as the `audit` consumer, and
 * keeps monthly partitions prepared ahead.
 */
import path from 'node:path';
import { DOMAINS } from '@imagy/platform/events';
import { defineSubgraph, startSubgraphInstance, type NatsSubscriptionHub, type RunningSubgraphInstance, type SubgraphInstanceDepsBase } from '@imagy/platform/server';
import { migrations } from '../migrations';
import { AuditEventService } from './audit-events/audit-event.service';
import { auditResolvers } from './resolvers';
import { createLoaders } from './audit-events/audit-event.loaders';
import { exportRoute } from './audit-events/export.route';
import { ensurePartitions, schedulePartitions } from './partitions/partitions.service';
import type { AuditExtra, AuditServices } from './context';
import { onDomainEvent } from './events/on-domain-event';
import { ReportService } from './reports/report.service';
import { catalogueIn } from '@imagy/platform/graphql';
import { messages } from './i18n/messages';

export const AUDIT_SCHEMA = 'audit';
export const AUDIT_CONSUMER = 'audit';
/** Every domain but audit itself (auditing our own announcements would loop). */
export const AUDITED_DOMAINS = DOMAINS.filter((d) => d !== 'audit');

export const audit = defineSubgraph<AuditServices, AuditExtra>({
  name: 'audit',
  port: 4007,
  schemaFile: path.join(__dirname, '..', 'schema.graphql'),
  schema: AUDIT_SCHEMA,
  migrations,
  relay: true,
  messages: catalogueIn(messages, 'es'),
  services: ({ orm, outbox }) => ({ events: new AuditEventService(orm, outbox), reports: new ReportService(orm) }),
  // Partitions exist before the consumer stores its first event.
  setup: async ({ orm }) => { await ensurePartitions(orm); },
  consumers: (_runtime, { events }) => [{ name: AUDIT_CONSUMER, domains: [...AUDITED_DOMAINS], handler: onDomainEvent(events) }],
  jobs: [{ name: 'partitions', start: ({ orm }) => schedulePartitions(orm) }],
  // Live tail: graphql-ws on /graphql, fed by audit.event.recorded through one shared NATS subscription.
  subscriptions: true,
  resolvers: ({ events, reports }, { hub }) => auditResolvers(events, reports, hub ?? undefined),
  context: (base, { caller, services }) => ({
    loaders: createLoaders(services.events, base.auth),
    client: { ip: caller.ip, userAgent: caller.userAgent },
  }),
  routes: (app, { verifier }, { events }) => exportRoute(events, verifier)(app),
});

export type StartAuditOptions = SubgraphInstanceDepsBase;

/** `hub`: the live tail's NATS fan-out (one NATS subscription per subject per process). */
export type RunningAudit = RunningSubgraphInstance<AuditServices> & { hub: NatsSubscriptionHub };

export async function startAudit(options: StartAuditOptions): Promise<RunningAudit> {
  const running = await startSubgraphInstance(audit, options);
  const { hub } = running;
  if (!hub) { await running.stop(); throw new Error('audit is defined with subscriptions: the skeleton must give it a hub'); }
  return { ...running, hub };
}
