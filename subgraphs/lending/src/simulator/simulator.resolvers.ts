import type { LendingContext } from '../context';
import type { SimulateInput, TenantRef } from './simulator.service';

type Ctx = LendingContext;

/** Public: no token needed; the tenant comes from the slug or the portal's host. */
export const simulatorResolvers = {
  Query: {
    simulatorConfig: (_: unknown, args: { productCode: string } & TenantRef, ctx: Ctx) => ctx.services.simulator.config(args.productCode, args),
    simulateCredit: (_: unknown, { input }: { input: SimulateInput }, ctx: Ctx) => ctx.services.simulator.simulate(input),
  },
};
