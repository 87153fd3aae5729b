/** Thin resolvers of templates: arguments in, service or loader out. */
import { requireRole } from '@imagy/platform/server';
import type { Resolvers } from '../__generated__/graphql';
import { TEMPLATE_READERS } from '../common/roles';

export const templateResolvers: Resolvers = {
  Query: {
    notificationTemplates: (_p, args, ctx) => ctx.services.templates.list(ctx.auth, args),
    notificationTemplate: (_p, { id }, ctx) => {
      requireRole(ctx.auth, ...TEMPLATE_READERS);
      return ctx.loaders.templateById.load(id);
    },
    previewTemplate: (_p, { input }, ctx) => ctx.services.templates.preview(ctx.auth, input),
  },
  Mutation: {
    createNotificationTemplate: (_p, { input }, ctx) => ctx.services.templates.create(ctx.caller, input),
    publishNotificationTemplateVersion: (_p, { input }, ctx) => ctx.services.templates.publishVersion(ctx.caller, input),
    archiveNotificationTemplate: (_p, { input }, ctx) => ctx.services.templates.archive(ctx.caller, input.templateId),
  },
  NotificationTemplate: {
    __resolveReference: (ref, ctx) => (ctx.auth.kind === 'anonymous' ? null : ctx.loaders.templateById.load(ref.id)),
    versions: (t, _a, ctx) => ctx.loaders.versionsOfTemplate.load(t.id),
  },
};
