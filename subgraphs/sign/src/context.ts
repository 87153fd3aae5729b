/** What sign's resolvers see per request (graphql-codegen's contextType points here). */
import type { BaseContext, Caller } from '@imagy/platform/server';
import type { LocaleContext } from '@imagy/platform/graphql';
import type { SignLoaders } from './requests/requests.loaders';
import type { ProviderCallbacks } from './providers/callbacks';
import type { RequestsService } from './requests/requests.service';
import type { SigningService } from './signing/signing.service';

export interface SignServices {
  requests: RequestsService;
  signing: SigningService;
  callbacks: ProviderCallbacks;
}

export interface SignExtra {
  caller: Caller;
  services: SignServices;
  loaders: SignLoaders;
}

export type SignContext = BaseContext & SignExtra & LocaleContext;
