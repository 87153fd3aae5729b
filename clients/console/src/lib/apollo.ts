/**
 * The console's Apollo Client: web-kit's (persisted-document ids only, over HTTP and graphql-ws;
 * the bearer token; one refresh-and-retry on UNAUTHENTICATED; reconnect after a 4401 close) on the
 * console's session (session.ts).
 */
import { createApolloClient as createClient } from '@imagy/web-kit/apollo';
import { getAccessToken, refreshSession } from './session';

export { GRAPHQL_PATH, documentHash, wsUrl } from '@imagy/web-kit/apollo';

export const createApolloClient = () => createClient({ session: { getAccessToken, refreshSession } });
