/**
 * Sign-in against the local issuer (identity's `login`) or the tenant's OIDC provider (Keycloak:
 * the code flow with PKCE of lib/oidc.ts, finished by identity's `completeOidcLogin`, which answers
 * with the same Imagy tokens), refresh-token rotation (`refreshToken`), sign-out (`logout`), and
 * the signed-in user's roles for the UI (`useSession`, `<Can>`).
 */
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { useApolloClient } from '@apollo/client/react';
import { tokenPairOf as pairOf } from '@imagy/web-kit/session';
import { getFragmentData, graphql, type FragmentType } from '../__generated__';
import { getSession, onSession, refreshSession, setRefresher, setTokens, storedRefreshToken, type Session } from './session';
import { hasAny } from './roles';

const SessionUserFields = graphql(`
  fragment SessionUserFields on User { id email displayName roles tenantId }
`);

const LoginMutation = graphql(`
  mutation ConsoleLogin($input: LoginInput!) {
    login(input: $input) { accessToken refreshToken expiresAt user { ...SessionUserFields } userErrors { code message field } }
  }
`);

const CompleteOidcLoginMutation = graphql(`
  mutation ConsoleCompleteOidcLogin($input: CompleteOidcLoginInput!) {
    completeOidcLogin(input: $input) { accessToken refreshToken expiresAt user { ...SessionUserFields } userErrors { code message field } }
  }
`);

const RefreshMutation = graphql(`
  mutation ConsoleRefresh($input: RefreshTokenInput!) {
    refreshToken(input: $input) { accessToken refreshToken expiresAt user { ...SessionUserFields } userErrors { code message } }
  }
`);

const LogoutMutation = graphql(`
  mutation ConsoleLogout($input: LogoutInput!) { logout(input: $input) { userErrors { code message } } }
`);

export interface UserErrorView { code: string; message: string; field?: string | null }

interface AuthState {
  session: Session | null;
  /** True until a stored refresh token has been tried at startup. */
  restoring: boolean;
  login(tenantSlug: string, email: string, password: string): Promise<UserErrorView[]>;
  /** Finishes single sign-on with the code the provider sent back (see lib/oidc.ts). */
  completeOidcLogin(input: { tenantSlug: string; code: string; codeVerifier: string; redirectUri: string; nonce: string }): Promise<UserErrorView[]>;
  logout(): Promise<void>;
  can(allowed: readonly string[]): boolean;
}

const AuthContext = createContext<AuthState | null>(null);


interface SignInPayload {
  accessToken?: string | null; refreshToken?: string | null; expiresAt?: string | null;
  user?: FragmentType<typeof SessionUserFields> | null; userErrors: readonly UserErrorView[];
}

/** Refresh this long before the access token expires. */
const REFRESH_MARGIN_MS = 60_000;

export function AuthProvider({ children }: { children: ReactNode }) {
  const client = useApolloClient();
  const [session, setSession] = useState<Session | null>(getSession);
  const [restoring, setRestoring] = useState(() => Boolean(storedRefreshToken()) && !getSession());

  useEffect(() => {
    setRefresher(async (refreshToken) => {
      const r = await client.mutate({ mutation: RefreshMutation, variables: { input: { refreshToken } }, fetchPolicy: 'no-cache' });
      const payload = r.data?.refreshToken;
      return payload && payload.userErrors.length === 0 ? pairOf({ ...payload, user: payload.user ? unmask(payload.user) : null }) : null;
    });
    const off = onSession(setSession);
    if (restoring) void refreshSession().finally(() => setRestoring(false));
    return () => { off(); };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [client]);

  // Rotate shortly before expiry, so that the token in memory is always fresh.
  useEffect(() => {
    if (!session) return;
    const delay = Math.max(5_000, session.expiresAt - Date.now() - REFRESH_MARGIN_MS);
    const timer = setTimeout(() => { void refreshSession(); }, delay);
    return () => clearTimeout(timer);
  }, [session]);

  /** A sign-in answer (password or single sign-on, the same payload shape): its errors, or the session opened. */
  const signedIn = useCallback(async (payload: SignInPayload | null | undefined, error: { message: string } | undefined): Promise<UserErrorView[]> => {
    if (!payload) return [{ code: 'UNAVAILABLE', message: error?.message ?? 'no answer' }];
    if (payload.userErrors.length) return [...payload.userErrors];
    await client.clearStore();
    setTokens(pairOf({ ...payload, user: payload.user ? unmask(payload.user) : null }));
    return [];
  }, [client]);

  const login = useCallback(async (tenantSlug: string, email: string, password: string) => {
    const r = await client.mutate({ mutation: LoginMutation, variables: { input: { tenantSlug, email, password } }, fetchPolicy: 'no-cache' });
    return signedIn(r.data?.login, r.error);
  }, [client, signedIn]);

  const completeOidcLogin = useCallback<AuthState['completeOidcLogin']>(async (input) => {
    const r = await client.mutate({ mutation: CompleteOidcLoginMutation, variables: { input }, fetchPolicy: 'no-cache' });
    return signedIn(r.data?.completeOidcLogin, r.error);
  }, [client, signedIn]);

  const logout = useCallback(async () => {
    const refreshToken = storedRefreshToken();
    if (refreshToken) await client.mutate({ mutation: LogoutMutation, variables: { input: { refreshToken } } }).catch(() => undefined);
    setTokens(null);
    await client.clearStore();
  }, [client]);

  const value = useMemo<AuthState>(() => ({
    session,
    restoring,
    login,
    completeOidcLogin,
    logout,
    can: (allowed) => Boolean(session && hasAny(session.user.roles, allowed)),
  }), [session, restoring, login, completeOidcLogin, logout]);
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

const unmask = (user: FragmentType<typeof SessionUserFields>) => getFragmentData(SessionUserFields, user);

export function useAuth(): AuthState {
  const state = useContext(AuthContext);
  if (!state) throw new Error('useAuth outside AuthProvider');
  return state;
}

/** Renders its children only for users with one of the roles (the server refuses the others anyway). */
export function Can({ roles, children }: { roles: readonly string[]; children: ReactNode }) {
  return useAuth().can(roles) ? <>{children}</> : null;
}
