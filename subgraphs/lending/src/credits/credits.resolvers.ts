import { isUuid } from '@imagy/platform/db';
import { requireUser } from '@imagy/platform/server';
import { D, fmt } from '../common/money';
import type { Resolvers } from '../__generated__/graphql';
import { loaded } from '../common/loaded';
import type { Installment } from './credits.service';
import { installmentStatus } from './credits.service';

const sum = (...v: string[]) => v.reduce((s, x) => s.plus(x), new D(0));

export const creditResolvers: Resolvers = {
  Query: {
    credits: (_p, args, ctx) => ctx.services.credits.list(ctx.auth, args),
    credit: async (_p, { id }, ctx) => {
      requireUser(ctx.auth);
      if (!isUuid(id)) return null;
      return ctx.services.credits.readable(ctx.auth, await ctx.loaders.creditById.load(id));
    },
  },
  Mutation: {
    bookCredit: (_p, { input }, ctx) => ctx.services.credits.book(ctx.caller, input),
  },
  CreditConnection: {
    totals: (c, _a, ctx) => ctx.services.credits.totals(c.tenantId, c.filter),
  },
  Credit: {
    __resolveReference: async (ref, ctx) => (ctx.auth.kind === 'anonymous' ? null : ctx.services.credits.readable(ctx.auth, await ctx.loaders.creditById.load(ref.id))),
    product: (c, _a, ctx) => loaded(ctx.loaders.productById.load(c.productId), `product of credit ${c.id}`),
    version: (c, _a, ctx) => loaded(ctx.loaders.versionById.load(c.versionId), `version of credit ${c.id}`),
    borrower: (c) => ({ __typename: 'User', id: c.borrowerId }),
    schedule: (c, _a, ctx) => ctx.loaders.installmentsByCreditId.load(c.id),
    payments: (c, _a, ctx) => ctx.loaders.paymentsByCreditId.load(c.id),
    nextInstallment: async (c, _a, ctx) => (await ctx.loaders.installmentsByCreditId.load(c.id)).find((i) => new D(i.outstanding).gt(0)) ?? null,
    outstanding: async (c, _a, ctx) => {
      const rows = await ctx.loaders.installmentsByCreditId.load(c.id);
      const u = c.minorUnits;
      const part = (due: keyof Installment, paid: keyof Installment) => rows.reduce((s, i) => s.plus(i[due] as string).minus(i[paid] as string), new D(0));
      const b = { principal: part('principalDue', 'principalPaid'), interest: part('interestDue', 'interestPaid'), fee: part('feeDue', 'feePaid'), tax: part('taxDue', 'taxPaid'), penalty: part('penaltyDue', 'penaltyPaid') };
      const total = b.principal.plus(b.interest).plus(b.fee).plus(b.tax).plus(b.penalty);
      return { currency: c.currency, principal: fmt(b.principal, u), interest: fmt(b.interest, u), fee: fmt(b.fee, u), tax: fmt(b.tax, u), penalty: fmt(b.penalty, u), total: fmt(total, u) };
    },
  },
  Installment: {
    status: async (i, _a, ctx) => installmentStatus(i, ctx.auth.tenantId ? await ctx.loaders.businessDate.load(ctx.auth.tenantId) : undefined),
    totalDue: (i) => fmt(sum(i.principalDue, i.interestDue, i.feeDue, i.taxDue, i.penaltyDue), i.minorUnits),
    totalPaid: (i) => fmt(sum(i.principalPaid, i.interestPaid, i.feePaid, i.taxPaid, i.penaltyPaid), i.minorUnits),
  },
  User: {
    __resolveReference: (ref) => ({ id: ref.id }),
    // Only the borrower themself, or staff of the tenant (RLS limits them to their tenant's credits).
    credits: (u, _a, ctx) => (ctx.services.credits.canReadBorrower(ctx.auth, u.id) && isUuid(u.id) ? ctx.loaders.creditsByBorrowerId.load(u.id) : []),
  },
};
