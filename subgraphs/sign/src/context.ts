/** What sign's resolvers see per request (graphql-codegen's contextType points here). */
import type { BaseContext } from '@imagy/platform/server';
import type { Caller } from '@imagy/platform/server';
import type { LocaleContext } from '@imagy/platform/graphql';
import type { ItemsService } from './items/items.service';
import type { ItemLoaders } from './items/items.loaders';

export interface SignServices {
  items: ItemsService;
}

export interface SignExtra {
  caller: Caller;
  services: SignServices;
  loaders: ItemLoaders;
}

export type SignContext = BaseContext & SignExtra & LocaleContext;
