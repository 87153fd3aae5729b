/**
 * The flow subgraph on the platform skeleton: its definition (main.ts runs it as a process) and
 * startFlow(), the in-process starter of tests and the e2e harness.
 */
import path from 'node:path';
import { catalogueIn, combineResolvers, DateTimeScalar, userErrorResolvers } from '@imagy/platform/graphql';
import { defineSubgraph, startSubgraphInstance, type SubgraphInstanceDeps } from '@imagy/platform/server';
import { migrations } from '../migrations';
import type { Resolvers } from './__generated__/graphql';
import type { FlowExtra, FlowServices } from './context';
import { messages } from './i18n/messages';
import { createItemLoaders } from './items/items.loaders';
import { itemResolvers } from './items/items.resolvers';
import { ItemsService } from './items/items.service';

export const resolvers = combineResolvers<Resolvers>(itemResolvers, { DateTime: DateTimeScalar }, userErrorResolvers(messages));

export const flow = defineSubgraph<FlowServices, FlowExtra>({
  name: 'flow',
  port: 4004,
  schemaFile: path.join(__dirname, '..', 'schema.graphql'),
  migrations,
  relay: true,
  messages: catalogueIn(messages, 'es'),
  services: ({ orm }) => ({ items: new ItemsService(orm) }),
  resolvers,
  context: (base, { caller, services }) => ({ caller, services, loaders: createItemLoaders(services.items, base.auth) }),
});

export function startFlow(deps: SubgraphInstanceDeps<undefined>) {
  return startSubgraphInstance(flow, deps);
}
