/** Thin resolvers of automatic notification rules. */
import type { Resolvers } from '../__generated__/graphql';

export const ruleResolvers: Resolvers = {
  Query: {
    notificationRules: (_p, _a, ctx) => ctx.services.rules.list(ctx.caller),
  },
  Mutation: {
    createNotificationRule: (_p, { input }, ctx) => ctx.services.rules.create(ctx.caller, input),
    setNotificationRuleEnabled: (_p, { input }, ctx) => ctx.services.rules.setEnabled(ctx.caller, input),
  },
};
