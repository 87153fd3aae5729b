/**
 * The sign subgraph on the platform skeleton: its definition (main.ts runs it as a process) and
 * startSign(), the in-process starter of tests and the e2e harness.
 */
import path from 'node:path';
import { catalogueIn, combineResolvers, DateTimeScalar, inputTextPlugin, userErrorResolvers } from '@imagy/platform/graphql';
import { defineSubgraph, startSubgraphInstance, type SubgraphInstanceDeps } from '@imagy/platform/server';
import { migrations } from '../migrations';
import type { Resolvers } from './__generated__/graphql';
import type { SignExtra, SignServices } from './context';
import { messages } from './i18n/messages';
import { createItemLoaders } from './items/items.loaders';
import { itemResolvers } from './items/items.resolvers';
import { ItemsService } from './items/items.service';

export const resolvers = combineResolvers<Resolvers>(itemResolvers, { DateTime: DateTimeScalar }, userErrorResolvers(messages));

export const sign = defineSubgraph<SignServices, SignExtra>({
  name: 'sign',
  port: 4003,
  schemaFile: path.join(__dirname, '..', 'schema.graphql'),
  migrations,
  relay: true,
  messages: catalogueIn(messages, 'es'),
  // NUL and lone surrogates in any String/ID argument are refused before a resolver runs (naming the
  // variable path): PostgreSQL cannot store them. Services still validate their own fields.
  plugins: [inputTextPlugin()],
  services: ({ orm }) => ({ items: new ItemsService(orm) }),
  resolvers,
  context: (base, { caller, services }) => ({ caller, services, loaders: createItemLoaders(services.items, base.auth) }),
});

export function startSign(deps: SubgraphInstanceDeps<undefined>) {
  return startSubgraphInstance(sign, deps);
}
