import { isUuid } from '@imagy/platform/db';
import { requireUser } from '@imagy/platform/server';
import type { LendingContext } from '../context';
import { D, fmt } from '../common/money';
import type { BookCreditInput, Credit, CreditConnection, CreditFilter, Installment } from './credits.service';
import { installmentStatus } from './credits.service';

type Ctx = LendingContext;
const sum = (...v: string[]) => v.reduce((s, x) => s.plus(x), new D(0));

export const creditResolvers = {
  Query: {
    credits: (_: unknown, args: { filter?: CreditFilter | null; first?: number | null; after?: string | null }, ctx: Ctx) => ctx.services.credits.list(ctx.auth, args),
    credit: async (_: unknown, { id }: { id: string }, ctx: Ctx) => {
      requireUser(ctx.auth);
      if (!isUuid(id)) return null;
      return ctx.services.credits.readable(ctx.auth, await ctx.loaders.creditById.load(id));
    },
  },
  Mutation: {
    bookCredit: (_: unknown, { input }: { input: BookCreditInput }, ctx: Ctx) => ctx.services.credits.book(ctx.caller, input),
  },
  CreditConnection: {
    totals: (c: CreditConnection, _: unknown, ctx: Ctx) => ctx.services.credits.totals(c.tenantId, c.filter),
  },
  Credit: {
    __resolveReference: async (ref: { id: string }, ctx: Ctx) => (ctx.auth.kind === 'anonymous' ? null : ctx.services.credits.readable(ctx.auth, await ctx.loaders.creditById.load(ref.id))),
    product: (c: Credit, _: unknown, ctx: Ctx) => ctx.loaders.productById.load(c.productId),
    version: (c: Credit, _: unknown, ctx: Ctx) => ctx.loaders.versionById.load(c.versionId),
    borrower: (c: Credit) => ({ __typename: 'User', id: c.borrowerId }),
    schedule: (c: Credit, _: unknown, ctx: Ctx) => ctx.loaders.installmentsByCreditId.load(c.id),
    payments: (c: Credit, _: unknown, ctx: Ctx) => ctx.loaders.paymentsByCreditId.load(c.id),
    nextInstallment: async (c: Credit, _: unknown, ctx: Ctx) => (await ctx.loaders.installmentsByCreditId.load(c.id)).find((i) => new D(i.outstanding).gt(0)) ?? null,
    outstanding: async (c: Credit, _: unknown, ctx: Ctx) => {
      const rows = await ctx.loaders.installmentsByCreditId.load(c.id);
      const u = c.minorUnits;
      const part = (due: keyof Installment, paid: keyof Installment) => rows.reduce((s, i) => s.plus(i[due] as string).minus(i[paid] as string), new D(0));
      const b = { principal: part('principalDue', 'principalPaid'), interest: part('interestDue', 'interestPaid'), fee: part('feeDue', 'feePaid'), tax: part('taxDue', 'taxPaid'), penalty: part('penaltyDue', 'penaltyPaid') };
      const total = b.principal.plus(b.interest).plus(b.fee).plus(b.tax).plus(b.penalty);
      return { currency: c.currency, principal: fmt(b.principal, u), interest: fmt(b.interest, u), fee: fmt(b.fee, u), tax: fmt(b.tax, u), penalty: fmt(b.penalty, u), total: fmt(total, u) };
    },
  },
  Installment: {
    status: (i: Installment) => installmentStatus(i),
    totalDue: (i: Installment) => fmt(sum(i.principalDue, i.interestDue, i.feeDue, i.taxDue, i.penaltyDue), i.minorUnits),
    totalPaid: (i: Installment) => fmt(sum(i.principalPaid, i.interestPaid, i.feePaid, i.taxPaid, i.penaltyPaid), i.minorUnits),
  },
  User: {
    __resolveReference: (ref: { id: string }) => ({ id: ref.id }),
    // Only the borrower themself, or staff of the tenant (RLS limits them to their tenant's credits).
    credits: (u: { id: string }, _: unknown, ctx: Ctx) => (ctx.services.credits.canReadBorrower(ctx.auth, u.id) && isUuid(u.id) ? ctx.loaders.creditsByBorrowerId.load(u.id) : []),
  },
};
