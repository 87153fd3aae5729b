/**
 * The console's signed-in session: web-kit's session store (access token in memory only, the
 * single-use refresh token in sessionStorage for a reload of this tab, single-flight rotation) under
 * the console's own storage key, so a portal session in the same browser is a different one.
 */
import { createSessionStore } from '@imagy/web-kit/session';

export type { Session, SessionUser, TokenPair } from '@imagy/web-kit/session';

const store = createSessionStore('imagy.console.refresh');

export const { getSession, getAccessToken, storedRefreshToken, onSession, setTokens, setRefresher, refreshSession } = store;
