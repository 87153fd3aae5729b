/**
 * Apollo Client over the gateway, same origin: HTTP at /graphql, subscriptions by graphql-ws at
 * ws(s)://<host>/graphql. Every operation is sent by its persisted-document id only
 * (`extensions.persistedQuery.sha256Hash`, the hash codegen embedded in the document): the gateway
 * runs the body it holds in schema/persisted-documents.<client>.json and nothing else.
 *
 * Auth: `Authorization: Bearer <access token>` from the client's session (session.ts), when signed in; the graphql-ws connection
 * sends it in connectionParams. An UNAUTHENTICATED answer triggers one refresh-token rotation and
 * one retry; a WebSocket closed for an expired token (4401) reconnects with the fresh one.
 */
import { ApolloClient, ApolloLink, HttpLink, InMemoryCache, type FetchResult } from '@apollo/client';
import { ErrorLink } from '@apollo/client/link/error';
import { CombinedGraphQLErrors } from '@apollo/client/errors';
import { getMainDefinition } from '@apollo/client/utilities';
import { createClient, type Client } from 'graphql-ws';
import { Kind, print, type DocumentNode, type OperationDefinitionNode } from 'graphql';
import { Observable } from 'rxjs';
import type { TypePolicies } from '@apollo/client/cache';

export const GRAPHQL_PATH = '/graphql';

/** The persisted-document id of a document built by codegen's client preset (embedHashInDocument). */
export function documentHash(document: DocumentNode): string {
  const hash = (document as DocumentNode & { __meta__?: { hash?: unknown } }).__meta__?.hash;
  if (typeof hash !== 'string') {
    const name = document.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION)?.name?.value;
    throw new Error(`operation ${name ?? '(anonymous)'} is not a persisted document: write it with graphql() from src/__generated__ and run npm run codegen`);
  }
  return hash;
}

const persistedQueryExtension = (document: DocumentNode) => ({ persistedQuery: { version: 1, sha256Hash: documentHash(document) } });

/**
 * The Vite dev server (`npm run dev:console`, `npm run dev:portal`) sends bodies instead: a running gateway loaded the
 * manifest at its start, and a document edited since has a hash it does not know yet. The build
 * (what `npm start` serves and the tests drive) sends ids only.
 */
// MODE, not DEV: DEV follows NODE_ENV, which a caller's environment (jest sets `test`) may set for a build.
const SEND_IDS = import.meta.env.MODE !== 'development';

/** What the links need from the client's session (web-kit's session.ts). */
export interface LinkSession {
  getAccessToken(): string | null;
  refreshSession(): Promise<unknown>;
}

/** HTTP: the id instead of the body. */
const persistedLink = ({ getAccessToken }: LinkSession) => new ApolloLink((operation, forward) => {
  if (SEND_IDS) operation.extensions = { ...operation.extensions, ...persistedQueryExtension(operation.query) };
  else documentHash(operation.query); // still refuses a document codegen does not know
  operation.setContext(({ http, headers }: { http?: object; headers?: Record<string, string> }) => ({
    http: { ...http, includeQuery: !SEND_IDS, includeExtensions: SEND_IDS },
    headers: {
      ...headers,
      'accept-language': document.documentElement.lang || 'es',
      ...(getAccessToken() ? { authorization: `Bearer ${getAccessToken()}` } : {}),
    },
  }));
  return forward(operation);
});

const isUnauthenticated = (error: unknown) => CombinedGraphQLErrors.is(error) && error.errors.some((e) => e.extensions?.code === 'UNAUTHENTICATED');

/** One rotation and one retry when the access token expired (the retry reads the new token). */
const refreshLink = ({ getAccessToken, refreshSession }: LinkSession) => new ErrorLink(({ error, operation, forward }) => {
  if (!isUnauthenticated(error) || operation.getContext().retried || !getAccessToken()) return;
  return new Observable<FetchResult>((observer) => {
    refreshSession().then((session) => {
      if (!session) {
        observer.error(error);
        return;
      }
      operation.setContext({ retried: true });
      forward(operation).subscribe(observer);
    }, (e: unknown) => observer.error(e));
  });
});

/** graphql-ws with persisted ids: an empty body and the id in the extensions. */
class PersistedWsLink extends ApolloLink {
  constructor(private readonly client: Client) {
    super();
  }

  override request(operation: ApolloLink.Operation): Observable<ApolloLink.Result> {
    const payload = SEND_IDS
      ? { query: '', extensions: persistedQueryExtension(operation.query) }
      : { query: print(operation.query) };
    return new Observable((observer) => this.client.subscribe(
      { ...payload, operationName: operation.operationName, variables: operation.variables },
      {
        next: (value) => observer.next(value as ApolloLink.Result),
        complete: () => observer.complete(),
        error: (err) => observer.error(err instanceof Error ? err : new Error(Array.isArray(err) ? err.map((e: { message?: string }) => e.message).join('; ') : 'subscription closed')),
      },
    ));
  }
}

export function wsUrl(): string {
  const { protocol, host } = window.location;
  return `${protocol === 'https:' ? 'wss' : 'ws'}://${host}${GRAPHQL_PATH}`;
}

/** Entities without an `id` field, or values identified by their parent. */
const BASE_TYPE_POLICIES: TypePolicies = {
  ProductTerms: { keyFields: false },
  CreditBalance: { keyFields: false },
  PageInfo: { keyFields: false },
};

export function createApolloClient({ session, typePolicies }: { session: LinkSession; typePolicies?: TypePolicies }) {
  const { getAccessToken, refreshSession } = session;
  const ws = createClient({
    url: wsUrl(),
    lazy: true,
    connectionParams: () => (getAccessToken() ? { authorization: `Bearer ${getAccessToken()}` } : {}),
    // Expired token (4401): rotate, then reconnect with the new one.
    shouldRetry: () => true,
    retryAttempts: 5,
    on: {
      closed: (event) => {
        if ((event as CloseEvent | undefined)?.code === 4401) void refreshSession();
      },
    },
  });
  const http = new HttpLink({ uri: GRAPHQL_PATH, credentials: 'omit' });
  const link = ApolloLink.split(
    ({ query }) => {
      const def = getMainDefinition(query);
      return def.kind === Kind.OPERATION_DEFINITION && def.operation === 'subscription';
    },
    new PersistedWsLink(ws),
    ApolloLink.from([refreshLink(session), persistedLink(session), http]),
  );
  const client = new ApolloClient({
    link,
    cache: new InMemoryCache({ typePolicies: { ...BASE_TYPE_POLICIES, ...typePolicies } }),
    defaultOptions: { watchQuery: { fetchPolicy: 'cache-and-network' } },
  });
  return { client, ws };
}
