import type { LendingContext } from '../context';
import type { RegisterPaymentInput } from './payments.service';

type Ctx = LendingContext;

export const paymentResolvers = {
  Mutation: {
    registerPayment: (_: unknown, { input }: { input: RegisterPaymentInput }, ctx: Ctx) => ctx.services.payments.register(ctx.caller, input),
    reversePayment: (_: unknown, { input }: { input: { paymentId: string; reason: string } }, ctx: Ctx) => ctx.services.payments.reverse(ctx.caller, input.paymentId, input.reason),
  },
};
