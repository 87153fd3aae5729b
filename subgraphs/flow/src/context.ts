/** What flow's resolvers see per request (graphql-codegen's contextType points here). */
import type { BaseContext } from '@imagy/platform/server';
import type { Caller } from '@imagy/platform/server';
import type { LocaleContext } from '@imagy/platform/graphql';
import type { ItemsService } from './items/items.service';
import type { ItemLoaders } from './items/items.loaders';

export interface FlowServices {
  items: ItemsService;
}

export interface FlowExtra {
  caller: Caller;
  services: FlowServices;
  loaders: ItemLoaders;
}

export type FlowContext = BaseContext & FlowExtra & LocaleContext;
