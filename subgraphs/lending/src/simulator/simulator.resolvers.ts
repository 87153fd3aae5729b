import type { LendingContext } from '../context';
import type { SimulateInput } from './simulator.service';

type Ctx = LendingContext;

/** Public: no token needed; the tenant comes from the slug. */
export const simulatorResolvers = {
  Query: {
    simulatorConfig: (_: unknown, args: { productCode: string; tenantSlug: string }, ctx: Ctx) => ctx.services.simulator.config(args.productCode, args.tenantSlug),
    simulateCredit: (_: unknown, { input }: { input: SimulateInput }, ctx: Ctx) => ctx.services.simulator.simulate(input),
  },
};
