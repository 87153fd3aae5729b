/** What flow's resolvers see per request (graphql-codegen's contextType points here). */
import type { BaseContext, Caller } from '@imagy/platform/server';
import type { Outbox } from '@imagy/platform/events';
import type { LocaleContext } from '@imagy/platform/graphql';
import type { ExecutionsService } from './executions/executions.service';
import type { SessionStore } from './executions/session';
import type { FlowLoaders } from './flows/flows.loaders';
import type { FlowsService } from './flows/flows.service';
import type { ProviderGateway } from './providers/gateway';
import type { ProvidersService } from './providers/providers.service';
import type { LocalFileStorage } from './storage/local';
import type { StorageAdapter } from './storage/storage';

export interface FlowServices {
  flows: FlowsService;
  executions: ExecutionsService;
  outbox: Outbox;
  providers: ProvidersService;
  gateway: ProviderGateway;
  sessions: SessionStore;
  storage: StorageAdapter;
  /** The local adapter when it is the one in use (its signed URLs are routes of this subgraph). */
  localStorage: LocalFileStorage | null;
  /** FLOW_FILES_BASE_URL without a trailing slash, or null (the request's origin is used). */
  filesBaseUrl: string | null;
}

export interface FlowExtra {
  caller: Caller;
  services: FlowServices;
  loaders: FlowLoaders;
  /** Origin of the storage URLs this request mints (FLOW_FILES_BASE_URL, else the request's own host). */
  origin: string;
}

export type FlowContext = BaseContext & FlowExtra & LocaleContext;
