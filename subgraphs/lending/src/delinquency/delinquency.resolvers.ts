import type { LendingContext } from '../context';
import { todayUtc } from '../common/validation';

type Ctx = LendingContext;

export const delinquencyResolvers = {
  Mutation: {
    runDelinquency: (_: unknown, { input }: { input: { businessDate?: string | null } }, ctx: Ctx) => ctx.services.delinquency.runForCaller(ctx.caller, input.businessDate ?? todayUtc()),
  },
};
