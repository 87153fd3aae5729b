/**
 * The notifications subgraph on the platform skeleton: its definition (main.ts runs it as a process) and
 * startNotifications(), the in-process starter of tests and the e2e harness.
 */
import path from 'node:path';
import { catalogueIn, combineResolvers, DateTimeScalar, userErrorResolvers } from '@imagy/platform/graphql';
import { defineSubgraph, startSubgraphInstance, type SubgraphInstanceDeps } from '@imagy/platform/server';
import { migrations } from '../migrations';
import type { Resolvers } from './__generated__/graphql';
import type { NotificationsExtra, NotificationsServices } from './context';
import { messages } from './i18n/messages';
import { createItemLoaders } from './items/items.loaders';
import { itemResolvers } from './items/items.resolvers';
import { ItemsService } from './items/items.service';

export const resolvers = combineResolvers<Resolvers>(itemResolvers, { DateTime: DateTimeScalar }, userErrorResolvers(messages));

export const notifications = defineSubgraph<NotificationsServices, NotificationsExtra>({
  name: 'notifications',
  port: 4006,
  schemaFile: path.join(__dirname, '..', 'schema.graphql'),
  migrations,
  relay: true,
  messages: catalogueIn(messages, 'es'),
  services: ({ orm }) => ({ items: new ItemsService(orm) }),
  resolvers,
  context: (base, { caller, services }) => ({ caller, services, loaders: createItemLoaders(services.items, base.auth) }),
});

export function startNotifications(deps: SubgraphInstanceDeps<undefined>) {
  return startSubgraphInstance(notifications, deps);
}
