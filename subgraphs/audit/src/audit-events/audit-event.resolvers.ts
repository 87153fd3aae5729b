/** Thin GraphQL resolvers of audit events (search, by id, export, record, live tail) over AuditEventService. */
import type { NatsSubscriptionHub } from '@imagy/platform/server';
import type { AuditActorKind, Resolvers } from '../__generated__/graphql';
import { className, activityName, SEVERITY, STATUS } from '../ocsf';
import { actorKindOf } from '../actors/actors.rules';
import type { AuditEventService } from './audit-event.service';
import type { AuditEventRow } from './audit-event.store';
import { liveAuditEvents } from './audit-event.live';
import type { AuditContext } from '../context';

async function actorKind(e: AuditEventRow, ctx: AuditContext): Promise<AuditActorKind> {
  const inTenant = e.actorUserId ? await ctx.loaders.isTenantUser.load(e.actorUserId) : false;
  return actorKindOf(e.ocsf.actor.user?.type_id, e.actorUserId, inTenant);
}

/** `hub` feeds `Subscription.auditEvents` (absent: the subscription answers an error). */
export function auditEventResolvers(events: AuditEventService, hub?: NatsSubscriptionHub): Resolvers {
  return {
    Query: {
      auditEvents: (_p, args, ctx) => events.search(ctx.auth, args.filter, args.first, args.after),
      auditEvent: (_p, args, ctx) => ctx.loaders.auditEventById.load(args.id),
      exportAuditEvents: (_p, args, ctx) => events.exportNdjson(ctx.auth, args.from, args.to),
    },
    Subscription: {
      auditEvents: {
        subscribe: (_p, args, ctx) => {
          if (!hub) throw new Error('Subscriptions are not enabled on this audit process');
          return liveAuditEvents(events, hub, ctx.auth, args.filter);
        },
        resolve: (row: AuditEventRow) => row,
      },
    },
    Mutation: {
      recordAuditEvent: (_p, args, ctx) => events.record(ctx.auth, args.input, ctx.client),
    },
    AuditEventConnection: {
      totalCount: (c) => c.count(),
    },
    AuditEvent: {
      __resolveReference: (ref, ctx) => ctx.loaders.auditEventById.load(ref.id),
      className: (e) => className(e.classUid),
      categoryUid: (e) => e.ocsf.category_uid,
      activityName: (e) => activityName(e.classUid, e.activityId),
      severity: (e) => SEVERITY[e.severityId] ?? 'Other',
      status: (e) => STATUS[e.statusId] ?? 'Other',
      actorKind: (e, _a, ctx) => actorKind(e, ctx),
      // Only the caller's tenant's users are asked of identity (see actors.rules.ts).
      actor: async (e, _a, ctx) => ((await actorKind(e, ctx)) === 'USER' && e.actorUserId ? { __typename: 'User', id: e.actorUserId } : null),
      correlationId: (e) => e.ocsf.metadata.correlation_uid ?? null,
    },
  };
}
