/**
 * A signed-in session outside React, for the Apollo links: the access token lives in memory only
 * (never in storage, never in a cookie); the refresh token, opaque and single-use, is kept in
 * sessionStorage under the client's key so that a reload of this tab can resume (closing the tab
 * ends it). Each refresh rotates it: the old one is dead, and presenting a dead one again ends the
 * whole session server-side, so refreshes are single-flight.
 */
export interface SessionUser { id: string; email: string; displayName: string; roles: string[]; tenantId: string }
export interface Session { accessToken: string; expiresAt: number; user: SessionUser }
export interface TokenPair { accessToken: string; refreshToken: string; expiresAt: string; user: SessionUser }

/** The token pair of a login or refresh answer (identity's LoginPayload / RefreshTokenPayload), or null when it has none. */
export function tokenPairOf(payload: { accessToken?: string | null; refreshToken?: string | null; expiresAt?: string | null; user?: { id: string; email: string; displayName: string; roles: readonly string[]; tenantId: string } | null }): TokenPair | null {
  if (!payload.accessToken || !payload.refreshToken || !payload.expiresAt || !payload.user) return null;
  const u = payload.user;
  return { accessToken: payload.accessToken, refreshToken: payload.refreshToken, expiresAt: payload.expiresAt, user: { id: u.id, email: u.email, displayName: u.displayName, roles: [...u.roles], tenantId: u.tenantId } };
}

export interface SessionStore {
  getSession(): Session | null;
  getAccessToken(): string | null;
  storedRefreshToken(): string | null;
  onSession(listener: (s: Session | null) => void): () => void;
  setTokens(pair: TokenPair | null): Session | null;
  /** The function that exchanges a refresh token (identity's refreshToken mutation), set by the auth provider. */
  setRefresher(fn: ((refreshToken: string) => Promise<TokenPair | null>) | null): void;
  /** Rotates the refresh token once, whoever asks (concurrent callers share the one exchange). */
  refreshSession(): Promise<Session | null>;
}

export function createSessionStore(storageKey: string): SessionStore {
  let current: Session | null = null;
  const listeners = new Set<(s: Session | null) => void>();
  let refresher: ((refreshToken: string) => Promise<TokenPair | null>) | null = null;
  let inFlight: Promise<Session | null> | null = null;
  const storedRefreshToken = () => sessionStorage.getItem(storageKey);
  const setTokens = (pair: TokenPair | null): Session | null => {
    if (pair) {
      sessionStorage.setItem(storageKey, pair.refreshToken);
      current = { accessToken: pair.accessToken, expiresAt: Date.parse(pair.expiresAt), user: pair.user };
    } else {
      sessionStorage.removeItem(storageKey);
      current = null;
    }
    for (const l of listeners) l(current);
    return current;
  };
  return {
    getSession: () => current,
    getAccessToken: () => current?.accessToken ?? null,
    storedRefreshToken,
    onSession(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    setTokens,
    setRefresher(fn) {
      refresher = fn;
    },
    refreshSession() {
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
    },
  };
}
