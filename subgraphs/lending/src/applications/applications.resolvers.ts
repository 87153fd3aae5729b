/** Thin resolvers of credit applications over ApplicationsService (the subscription: applications.live.ts). */
import { isUuid } from '@imagy/platform/db';
import { requireUser, type NatsSubscriptionHub } from '@imagy/platform/server';
import type { Resolvers } from '../__generated__/graphql';
import { toJson as json } from '../common/json';
import { loaded } from '../common/loaded';
import { liveApplicationProgress, type ProgressView } from './applications.live';
import { borrowerDocuments } from './documents';

/** DataLoader.loadMany's answer, with a failed key thrown rather than returned. */
const all = <T>(values: (T | Error)[]): T[] => values.map((v) => { if (v instanceof Error) throw v; return v; });


/** `hub` feeds `Subscription.applicationProgress` (absent: the subscription answers an error). */
export function applicationResolvers(hub: NatsSubscriptionHub | null): Resolvers {
  return {
    Query: {
      creditApplication: async (_p, { id }, ctx) => {
        requireUser(ctx.auth);
        if (!isUuid(id)) return null;
        return ctx.services.applications.readable(ctx.auth, await ctx.loaders.applicationById.load(id));
      },
      creditApplications: (_p, args, ctx) => ctx.services.applications.list(ctx.auth, args),
    },
    Mutation: {
      registerApplicant: (_p, { input }, ctx) => ctx.services.applications.registerApplicant(ctx.caller, input),
      startApplication: (_p, { input }, ctx) => ctx.services.applications.start(ctx.caller, input),
      submitApplicationStep: (_p, { input }, ctx) => ctx.services.applications.submit(ctx.caller, input),
      reviewApplication: (_p, { input }, ctx) => ctx.services.applications.review(ctx.caller, input),
      withdrawApplication: (_p, { input }, ctx) => ctx.services.applications.withdraw(ctx.caller, input),
      openApplicationFlow: (_p, { input }, ctx) => ctx.services.applications.openFlow(ctx.caller, input),
      cancelApplication: (_p, { input }, ctx) => ctx.services.applications.cancel(ctx.caller, input),
    },
    Subscription: {
      applicationProgress: {
        subscribe: (_p, { applicationId }, ctx) => {
          if (!hub) throw new Error('Subscriptions are not enabled on this lending process');
          return liveApplicationProgress(ctx.services.applications, hub, ctx.auth, applicationId, () => {
            ctx.loaders.stepsByApplicationId.clearAll();
            ctx.loaders.consentsByApplicationId.clearAll();
            ctx.loaders.applicationById.clearAll();
            ctx.loaders.creditById.clearAll();
          });
        },
        resolve: (p: ProgressView) => p,
      },
    },
    CreditApplication: {
      __resolveReference: async (ref, ctx) => (ctx.auth.kind === 'anonymous' ? null : ctx.services.applications.readable(ctx.auth, await ctx.loaders.applicationById.load(ref.id))),
      product: (a, _x, ctx) => loaded(ctx.loaders.productById.load(a.productId), `product of application ${a.id}`),
      version: (a, _x, ctx) => loaded(ctx.loaders.versionById.load(a.versionId), `version of application ${a.id}`),
      borrower: (a) => ({ __typename: 'User', id: a.borrowerId }),
      steps: (a, _x, ctx) => ctx.loaders.stepsByApplicationId.load(a.id),
      consents: (a, _x, ctx) => ctx.loaders.consentsByApplicationId.load(a.id),
      credit: (a, _x, ctx) => (a.creditId ? ctx.loaders.creditById.load(a.creditId) : null),
    },
    ApplicationStep: {
      input: (s) => (s.input === null || s.input === undefined ? null : json(s.input)),
      output: (s) => json(s.output),
    },
    User: {
      applications: (u, _a, ctx) => (ctx.services.applications.canReadBorrower(ctx.auth, u.id) && isUuid(u.id) ? ctx.loaders.applicationsByBorrowerId.load(u.id) : []),
      documents: async (u, _a, ctx) => {
        if (!ctx.services.applications.canReadBorrower(ctx.auth, u.id) || !isUuid(u.id)) return [];
        const apps = await ctx.loaders.applicationsByBorrowerId.load(u.id);
        const ids = apps.map((a) => a.id);
        const [steps, consents] = await Promise.all([ctx.loaders.stepsByApplicationId.loadMany(ids), ctx.loaders.consentsByApplicationId.loadMany(ids)]);
        return borrowerDocuments(apps, all(steps), all(consents));
      },
    },
  };
}
