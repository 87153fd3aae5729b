/**
 * The signed-in session outside React, for the Apollo links: the access token lives in memory only
 * (never in storage, never in a cookie); the refresh token, opaque and single-use, is kept in
 * sessionStorage so that a reload of this tab can resume (closing the tab ends it). Each refresh
 * rotates it: the old one is dead, and presenting a dead one again ends the whole session server-side,
 * so refreshes are single-flight.
 */
export interface SessionUser { id: string; email: string; displayName: string; roles: string[]; tenantId: string }
export interface Session { accessToken: string; expiresAt: number; user: SessionUser }
export interface TokenPair { accessToken: string; refreshToken: string; expiresAt: string; user: SessionUser }

const REFRESH_KEY = 'imagy.console.refresh';
let current: Session | null = null;
const listeners = new Set<(s: Session | null) => void>();
let refresher: ((refreshToken: string) => Promise<TokenPair | null>) | null = null;
let inFlight: Promise<Session | null> | null = null;

export const getSession = () => current;
export const getAccessToken = () => current?.accessToken ?? null;
export const storedRefreshToken = () => sessionStorage.getItem(REFRESH_KEY);

export function onSession(listener: (s: Session | null) => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function setTokens(pair: TokenPair | null): Session | null {
  if (pair) {
    sessionStorage.setItem(REFRESH_KEY, pair.refreshToken);
    current = { accessToken: pair.accessToken, expiresAt: Date.parse(pair.expiresAt), user: pair.user };
  } else {
    sessionStorage.removeItem(REFRESH_KEY);
    current = null;
  }
  for (const l of listeners) l(current);
  return current;
}

/** The function that exchanges a refresh token (identity's refreshToken mutation), set by the auth provider. */
export function setRefresher(fn: typeof refresher) {
  refresher = fn;
}

/** Rotates the refresh token once, whoever asks (concurrent callers share the one exchange). */
export function refreshSession(): Promise<Session | null> {
  inFlight ??= (async () => {
    const token = storedRefreshToken();
    if (!token || !refresher) return setTokens(null);
    try {
      return setTokens(await refresher(token));
    } catch {
      return setTokens(null);
    }
  })().finally(() => { inFlight = null; });
  return inFlight;
}
