/**
 * Borrower sign-in against identity (`login` with the tenant the host resolved), refresh-token
 * rotation a minute before expiry and once more on UNAUTHENTICATED (web-kit's apollo link), sign-out.
 */
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { useApolloClient } from '@apollo/client/react';
import { tokenPairOf as pairOf, type Session } from '@imagy/web-kit/session';
import { getFragmentData, graphql } from '../__generated__';
import { session as store } from './session';

const PortalUserFields = graphql(`
  fragment PortalUserFields on User { id email displayName roles tenantId }
`);

const LoginMutation = graphql(`
  mutation PortalLogin($input: LoginInput!) {
    login(input: $input) { accessToken refreshToken expiresAt user { ...PortalUserFields } userErrors { code message field } }
  }
`);

const RefreshMutation = graphql(`
  mutation PortalRefresh($input: RefreshTokenInput!) {
    refreshToken(input: $input) { accessToken refreshToken expiresAt user { ...PortalUserFields } userErrors { code message } }
  }
`);

const LogoutMutation = graphql(`
  mutation PortalLogout($input: LogoutInput!) { logout(input: $input) { userErrors { code message } } }
`);

export interface UserErrorView { code: string; message: string; field?: string | null }

interface AuthState {
  session: Session | null;
  /** True until a stored refresh token has been tried at startup. */
  restoring: boolean;
  login(tenantSlug: string, email: string, password: string): Promise<UserErrorView[]>;
  logout(): Promise<void>;
}

const AuthContext = createContext<AuthState | null>(null);

const REFRESH_MARGIN_MS = 60_000;

export function AuthProvider({ children }: { children: ReactNode }) {
  const client = useApolloClient();
  const [session, setSession] = useState<Session | null>(store.getSession);
  const [restoring, setRestoring] = useState(() => Boolean(store.storedRefreshToken()) && !store.getSession());

  useEffect(() => {
    store.setRefresher(async (refreshToken) => {
      const { data } = await client.mutate({ mutation: RefreshMutation, variables: { input: { refreshToken } } });
      const r = data?.refreshToken;
      return r ? pairOf({ ...r, user: r.user ? getFragmentData(PortalUserFields, r.user) : null }) : null;
    });
    const off = store.onSession(setSession);
    if (store.storedRefreshToken() && !store.getSession()) void store.refreshSession().finally(() => setRestoring(false));
    return () => { off(); store.setRefresher(null); };
  }, [client]);

  // Rotate a minute before the access token expires.
  useEffect(() => {
    if (!session) return;
    const timer = setTimeout(() => void store.refreshSession(), Math.max(0, session.expiresAt - Date.now() - REFRESH_MARGIN_MS));
    return () => clearTimeout(timer);
  }, [session]);

  const login = useCallback(async (tenantSlug: string, email: string, password: string) => {
    const { data } = await client.mutate({ mutation: LoginMutation, variables: { input: { tenantSlug, email, password } } });
    const r = data?.login;
    if (!r) return [{ code: 'UNKNOWN', message: 'Sign-in failed' }];
    if (r.userErrors.length) return r.userErrors;
    store.setTokens(pairOf({ ...r, user: r.user ? getFragmentData(PortalUserFields, r.user) : null }));
    return [];
  }, [client]);

  const logout = useCallback(async () => {
    const refreshToken = store.storedRefreshToken();
    if (refreshToken) await client.mutate({ mutation: LogoutMutation, variables: { input: { refreshToken } } }).catch(() => undefined);
    store.setTokens(null);
    await client.clearStore();
  }, [client]);

  const value = useMemo(() => ({ session, restoring, login, logout }), [session, restoring, login, logout]);
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

export function useAuth(): AuthState {
  const state = useContext(AuthContext);
  if (!state) throw new Error('useAuth outside AuthProvider');
  return state;
}
