/**
 * The browser's half of single sign-on (OIDC authorization code flow with PKCE, RFC 7636 S256):
 * a random code verifier, its SHA-256 challenge, a state and a nonce, kept in sessionStorage only
 * for the round trip to the provider (read once and removed by the callback), then a redirect to
 * the provider's authorization endpoint. The code goes to identity's completeOidcLogin, which
 * talks to the provider; the browser never holds a provider token.
 */
import { href } from '@imagy/web-kit/router';

const ROUND_TRIP_KEY = 'imagy.console.oidc';

export interface OidcStart { tenantSlug: string; authorizationEndpoint: string; clientId: string; scopes: readonly string[] }
export interface OidcRoundTrip { tenantSlug: string; state: string; nonce: string; codeVerifier: string; redirectUri: string }

const base64url = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
const random = (length: number) => base64url(crypto.getRandomValues(new Uint8Array(length)));

/** Where the provider sends the browser back (register it as a redirect URI of the client). */
export const callbackUri = () => `${window.location.origin}${href('/auth/callback')}`;

/** Starts the flow: remembers the round trip in this tab and leaves for the provider. */
export async function startOidcLogin(options: OidcStart): Promise<void> {
  const codeVerifier = random(32); // 43 characters
  const challenge = base64url(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(codeVerifier))));
  const trip: OidcRoundTrip = { tenantSlug: options.tenantSlug, state: random(16), nonce: random(16), codeVerifier, redirectUri: callbackUri() };
  sessionStorage.setItem(ROUND_TRIP_KEY, JSON.stringify(trip));
  const url = new URL(options.authorizationEndpoint);
  url.searchParams.set('client_id', options.clientId);
  url.searchParams.set('redirect_uri', trip.redirectUri);
  url.searchParams.set('response_type', 'code');
  url.searchParams.set('scope', options.scopes.join(' '));
  url.searchParams.set('state', trip.state);
  url.searchParams.set('nonce', trip.nonce);
  url.searchParams.set('code_challenge', challenge);
  url.searchParams.set('code_challenge_method', 'S256');
  window.location.assign(url.toString());
}

/** The round trip of this tab, removed as it is read (a code is used once, so is its verifier). */
export function takeRoundTrip(): OidcRoundTrip | null {
  const raw = sessionStorage.getItem(ROUND_TRIP_KEY);
  sessionStorage.removeItem(ROUND_TRIP_KEY);
  if (!raw) return null;
  try {
    const v = JSON.parse(raw) as Partial<OidcRoundTrip>;
    return v.tenantSlug && v.state && v.nonce && v.codeVerifier && v.redirectUri ? (v as OidcRoundTrip) : null;
  } catch { return null; }
}
