/** Thin GraphQL resolvers of audit events (search, by id, export, record, live tail) over AuditEventService. */
import type { BaseContext, NatsSubscriptionHub } from '@imagy/platform/server';
import type { RecordInput } from '../ocsf';
import { className, activityName, SEVERITY, STATUS } from '../ocsf';
import type { AuditConnection, AuditEventService, ClientInfo } from './audit-event.service';
import type { AuditEventRow, AuditFilter } from './audit-event.store';
import type { AuditLoaders } from './audit-event.loaders';
import { liveAuditEvents } from './audit-event.live';
import { actorKindOf, type ActorKind } from '../actors/actors.rules';

export interface AuditContext extends BaseContext { loaders: AuditLoaders; client: ClientInfo }

async function actorKind(e: AuditEventRow, ctx: AuditContext): Promise<ActorKind> {
  const inTenant = e.actorUserId ? await ctx.loaders.isTenantUser.load(e.actorUserId) : false;
  return actorKindOf(e.ocsf.actor.user?.type_id, e.actorUserId, inTenant);
}

/** `hub` feeds `Subscription.auditEvents` (absent: the subscription answers an error). */
export function auditEventResolvers(events: AuditEventService, hub?: NatsSubscriptionHub) {
  return {
    Query: {
      auditEvents: (_: unknown, args: { filter?: AuditFilter | null; first?: number | null; after?: string | null }, ctx: AuditContext) =>
        events.search(ctx.auth, args.filter, args.first, args.after),
      auditEvent: (_: unknown, args: { id: string }, ctx: AuditContext) => ctx.loaders.auditEventById.load(args.id),
      exportAuditEvents: (_: unknown, args: { from: Date; to: Date }, ctx: AuditContext) => events.exportNdjson(ctx.auth, args.from, args.to),
    },
    Subscription: {
      auditEvents: {
        subscribe: (_: unknown, args: { filter?: AuditFilter | null }, ctx: AuditContext) => {
          if (!hub) throw new Error('Subscriptions are not enabled on this audit process');
          return liveAuditEvents(events, hub, ctx.auth, args.filter);
        },
        resolve: (row: AuditEventRow) => row,
      },
    },
    Mutation: {
      recordAuditEvent: (_: unknown, args: { input: RecordInput & { idempotencyKey?: string | null } }, ctx: AuditContext) =>
        events.record(ctx.auth, args.input, ctx.client),
    },
    AuditEventConnection: {
      totalCount: (c: AuditConnection) => c.count(),
    },
    AuditEvent: {
      __resolveReference: (ref: { id: string }, ctx: AuditContext) => ctx.loaders.auditEventById.load(ref.id),
      className: (e: AuditEventRow) => className(e.classUid),
      categoryUid: (e: AuditEventRow) => e.ocsf.category_uid,
      activityName: (e: AuditEventRow) => activityName(e.classUid, e.activityId),
      severity: (e: AuditEventRow) => SEVERITY[e.severityId] ?? 'Other',
      status: (e: AuditEventRow) => STATUS[e.statusId] ?? 'Other',
      actorKind: (e: AuditEventRow, _: unknown, ctx: AuditContext) => actorKind(e, ctx),
      // Only the caller's tenant's users are asked of identity (see actors.rules.ts).
      actor: async (e: AuditEventRow, _: unknown, ctx: AuditContext) => ((await actorKind(e, ctx)) === 'USER' ? { __typename: 'User', id: e.actorUserId } : null),
      correlationId: (e: AuditEventRow) => e.ocsf.metadata.correlation_uid ?? null,
    },
  };
}
