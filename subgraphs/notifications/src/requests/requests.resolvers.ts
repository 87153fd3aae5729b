/** Thin resolvers of sending, the delivery log, the local mailbox, channel configs and preferences. */
import type { Resolvers } from '../__generated__/graphql';

export const requestResolvers: Resolvers = {
  Query: {
    notificationRequests: (_p, args, ctx) => ctx.services.requests.list(ctx.auth, args),
    notificationRequest: (_p, { id }, ctx) => ctx.services.requests.byIds(ctx.auth, [id]).then(([r]) => r ?? null),
    localMailbox: (_p, args, ctx) => ctx.services.mailbox.list(ctx.auth, args),
    channelConfigs: (_p, { channel }, ctx) => ctx.services.channels.list(ctx.auth, channel ?? null),
  },
  Mutation: {
    sendNotification: (_p, { input }, ctx) => ctx.services.requests.send(ctx.caller, input),
    setChannelConfig: (_p, { input }, ctx) => ctx.services.channels.set(ctx.caller, input),
    removeChannelConfig: (_p, { input }, ctx) => ctx.services.channels.remove(ctx.caller, input.id),
    setNotificationPreference: (_p, { input }, ctx) => ctx.services.preferences.set(ctx.caller, input),
  },
  User: {
    __resolveReference: (ref) => ({ id: ref.id }),
    notifications: (u, args, ctx) => ctx.services.requests.ofUser(ctx.auth, u.id, args),
  },
  NotificationRequest: {
    __resolveReference: (ref, ctx) => (ctx.auth.kind === 'anonymous' ? null : ctx.loaders.requestById.load(ref.id)),
    attempts: (r, _a, ctx) => ctx.loaders.attemptsOfRequest.load(r.id),
  },
};
