/**
 * Lending's resolver map: the features' maps (each typed by the generated `Resolvers`), the
 * platform scalars its SDL declares, and `UserError.message` in the request's locale.
 */
import { combineResolvers, DateScalar, DateTimeScalar, DecimalScalar, userErrorResolvers } from '@imagy/platform/graphql';
import type { Resolvers } from './__generated__/graphql';
import { creditResolvers } from './credits/credits.resolvers';
import { delinquencyResolvers } from './delinquency/delinquency.resolvers';
import { messages } from './i18n/messages';
import { paymentResolvers } from './payments/payments.resolvers';
import { productResolvers } from './products/products.resolvers';
import { simulatorResolvers } from './simulator/simulator.resolvers';

export const resolvers: Resolvers = combineResolvers<Resolvers>(
  productResolvers, simulatorResolvers, creditResolvers, paymentResolvers, delinquencyResolvers,
  { DateTime: DateTimeScalar, Date: DateScalar, Decimal: DecimalScalar },
  userErrorResolvers(messages),
);
