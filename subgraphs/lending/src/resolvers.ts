/**
 * Lending's resolver map (a factory: the subscription needs the process's NATS hub): the features' maps (each typed by the generated `Resolvers`), the
 * platform scalars its SDL declares, and `UserError.message` in the request's locale.
 */
import { combineResolvers, DateScalar, DateTimeScalar, DecimalScalar, JSONScalar, userErrorResolvers } from '@imagy/platform/graphql';
import type { NatsSubscriptionHub } from '@imagy/platform/server';
import { applicationResolvers } from './applications/applications.resolvers';
import { pipelineResolvers } from './pipeline/pipeline.resolvers';
import { portfolioResolvers } from './portfolio/portfolio.resolvers';
import type { Resolvers } from './__generated__/graphql';
import { creditResolvers } from './credits/credits.resolvers';
import { delinquencyResolvers } from './delinquency/delinquency.resolvers';
import { messages } from './i18n/messages';
import { paymentResolvers } from './payments/payments.resolvers';
import { productResolvers } from './products/products.resolvers';
import { simulatorResolvers } from './simulator/simulator.resolvers';

export function lendingResolvers(hub: NatsSubscriptionHub | null): Resolvers {
  return combineResolvers<Resolvers>(
    productResolvers, simulatorResolvers, creditResolvers, paymentResolvers, delinquencyResolvers,
    pipelineResolvers, applicationResolvers(hub), portfolioResolvers,
    { DateTime: DateTimeScalar, Date: DateScalar, Decimal: DecimalScalar, JSON: JSONScalar },
    userErrorResolvers(messages),
  );
}

/** The map without a subscription hub (applicationProgress then answers an error). */
export const resolvers: Resolvers = lendingResolvers(null);
