/**
 * A local HTTP server that plays Keycloak's documented OpenID Connect endpoints for one realm, for
 * tests of single sign-on (identity's completeOidcLogin, the console's "Sign in with Keycloak"):
 *
 *   GET  /realms/<realm>/.well-known/openid-configuration       discovery
 *   GET  /realms/<realm>/protocol/openid-connect/auth           renders the login form (PKCE required: S256)
 *   POST /realms/<realm>/login-actions/authenticate             checks the form, 302 to redirect_uri?code&state&session_state&iss
 *   POST /realms/<realm>/protocol/openid-connect/token           authorization_code grant: client auth (Basic or
 *                                                                form), single-use code, redirect_uri, PKCE verifier
 *   GET  /realms/<realm>/protocol/openid-connect/certs          JWKS (RS256), rotated by rotateKeys()
 *
 * Tokens look like Keycloak's: the ID token carries sub, aud = client id, azp, nonce, email,
 * email_verified, name, preferred_username; the access token carries realm_access.roles (as the
 * `roles` client scope puts it there by default, not in the ID token). `tamperNextIdToken` lets a
 * test make the next ID token expired, for another audience, with another nonce, or signed by a
 * key the realm never published. Test infrastructure only; nothing in production imports it.
 */
import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';

export interface FakeKeycloakUser { username: string; password: string; sub?: string; email: string; emailVerified?: boolean; name?: string; realmRoles: string[] }
export interface FakeKeycloakClient { clientId: string; secret?: string; redirectUris: string[] }

export interface IdTokenTamper { expired?: boolean; audience?: string; nonce?: string; foreignKey?: boolean; issuer?: string }

export interface FakeKeycloak {
  /** `http://127.0.0.1:<port>/realms/<realm>`: the issuer. */
  issuer: string;
  realm: string;
  /** Every request as `METHOD /path` (no query), in order. */
  requests: string[];
  addUser(user: FakeKeycloakUser): Required<FakeKeycloakUser>;
  addClient(client: FakeKeycloakClient): void;
  /** A new realm key signs from now on; the old one leaves the JWKS (Keycloak's key rotation). */
  rotateKeys(): Promise<void>;
  /** The next ID token the token endpoint issues is changed this way (once). */
  tamperNextIdToken(t: IdTokenTamper): void;
  /**
   * Drives the login form the way a browser does: GET the authorization URL, POST the form, and
   * returns the code and state of the redirect (or the error the form showed).
   */
  signIn(authorizationUrl: string, username: string, password: string): Promise<{ code: string; state: string; location: string }>;
  close(): Promise<void>;
}

interface PendingAuth { clientId: string; redirectUri: string; state: string; nonce: string | null; challenge: string; scope: string }
interface IssuedCode extends PendingAuth { sub: string; expiresAt: number }
interface RealmKey { kid: string; privateKey: CryptoKey; jwk: JWK }

async function newKey(): Promise<RealmKey> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  const kid = crypto.randomBytes(8).toString('base64url');
  return { kid, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' } };
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

const redirectAllowed = (patterns: string[], uri: string) => patterns.some((p) => (p.endsWith('*') ? uri.startsWith(p.slice(0, -1)) : uri === p));

export async function startFakeKeycloak(options: { realm?: string } = {}): Promise<FakeKeycloak> {
  const realm = options.realm ?? 'imagy';
  const users = new Map<string, Required<FakeKeycloakUser>>();
  const clients = new Map<string, FakeKeycloakClient>();
  const pending = new Map<string, PendingAuth>();
  const codes = new Map<string, IssuedCode>();
  const requests: string[] = [];
  let key = await newKey();
  let tamper: IdTokenTamper | null = null;
  let issuer = '';

  const json = (res: http.ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    res.end(JSON.stringify(body));
  };
  const page = (res: http.ServerResponse, status: number, html: string) => {
    res.writeHead(status, { 'content-type': 'text/html; charset=utf-8' });
    res.end(`<!doctype html><html lang="en"><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>Sign in to ${escapeHtml(realm)}</title></head><body>${html}</body></html>`);
  };
  const loginForm = (session: string, error?: string) => `
    <main><h1 id="kc-page-title">Sign in to your account</h1>
    ${error ? `<p role="alert" id="input-error">${escapeHtml(error)}</p>` : ''}
    <form id="kc-form-login" method="post" action="/realms/${realm}/login-actions/authenticate?session_code=${session}">
      <label for="username">Username or email</label><input id="username" name="username" type="text" autocomplete="username">
      <label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password">
      <button id="kc-login" type="submit">Sign In</button>
    </form></main>`;

  const sign = (claims: Record<string, unknown>, signer: RealmKey, ttl: number) =>
    new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: signer.kid, typ: 'JWT' }).setIssuedAt(Math.floor(Date.now() / 1000) + (ttl < 0 ? ttl - 60 : 0))
      .setExpirationTime(Math.floor(Date.now() / 1000) + ttl).setJti(crypto.randomUUID()).sign(signer.privateKey);

  const base = `/realms/${realm}`;
  const server = http.createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://fake');
      requests.push(`${req.method} ${url.pathname}`);
      if (req.method === 'GET' && url.pathname === `${base}/.well-known/openid-configuration`) {
        return json(res, 200, {
          issuer,
          authorization_endpoint: `${issuer}/protocol/openid-connect/auth`,
          token_endpoint: `${issuer}/protocol/openid-connect/token`,
          jwks_uri: `${issuer}/protocol/openid-connect/certs`,
          userinfo_endpoint: `${issuer}/protocol/openid-connect/userinfo`,
          end_session_endpoint: `${issuer}/protocol/openid-connect/logout`,
          response_types_supported: ['code'],
          grant_types_supported: ['authorization_code', 'refresh_token'],
          subject_types_supported: ['public', 'pairwise'],
          id_token_signing_alg_values_supported: ['RS256'],
          code_challenge_methods_supported: ['plain', 'S256'],
          token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
          scopes_supported: ['openid', 'email', 'profile', 'roles'],
        });
      }
      if (req.method === 'GET' && url.pathname === `${base}/protocol/openid-connect/certs`) return json(res, 200, { keys: [key.jwk] });
      if (req.method === 'GET' && url.pathname === `${base}/protocol/openid-connect/auth`) {
        const q = url.searchParams;
        const client = clients.get(q.get('client_id') ?? '');
        // Keycloak shows an error page (no redirect) for an unknown client or an unregistered redirect URI.
        if (!client) return page(res, 400, '<p role="alert">Client not found.</p>');
        const redirectUri = q.get('redirect_uri') ?? '';
        if (!redirectAllowed(client.redirectUris, redirectUri)) return page(res, 400, '<p role="alert">Invalid parameter: redirect_uri</p>');
        if (q.get('response_type') !== 'code' || !(q.get('scope') ?? '').split(' ').includes('openid')) return page(res, 400, '<p role="alert">Invalid request</p>');
        if (q.get('code_challenge_method') !== 'S256' || !/^[A-Za-z0-9_-]{43}$/.test(q.get('code_challenge') ?? '')) return page(res, 400, '<p role="alert">Missing parameter: code_challenge_method</p>');
        const session = crypto.randomBytes(16).toString('base64url');
        pending.set(session, { clientId: client.clientId, redirectUri, state: q.get('state') ?? '', nonce: q.get('nonce'), challenge: q.get('code_challenge')!, scope: q.get('scope')! });
        return page(res, 200, loginForm(session));
      }
      if (req.method === 'POST' && url.pathname === `${base}/login-actions/authenticate`) {
        const session = url.searchParams.get('session_code') ?? '';
        const auth = pending.get(session);
        if (!auth) return page(res, 400, '<p role="alert">Your login attempt timed out. Login will start from the beginning.</p>');
        const form = new URLSearchParams(await readBody(req));
        const user = [...users.values()].find((u) => u.username === form.get('username') || u.email === form.get('username'));
        if (!user || user.password !== form.get('password')) return page(res, 200, loginForm(session, 'Invalid username or password.'));
        pending.delete(session);
        const code = `${crypto.randomUUID()}.${crypto.randomUUID()}.${crypto.randomUUID()}`;
        codes.set(code, { ...auth, sub: user.sub, expiresAt: Date.now() + 60_000 });
        const back = new URL(auth.redirectUri);
        back.searchParams.set('state', auth.state);
        back.searchParams.set('session_state', crypto.randomUUID());
        back.searchParams.set('iss', issuer);
        back.searchParams.set('code', code);
        res.writeHead(302, { location: back.toString() });
        return res.end();
      }
      if (req.method === 'POST' && url.pathname === `${base}/protocol/openid-connect/token`) {
        const form = new URLSearchParams(await readBody(req));
        let clientId = form.get('client_id');
        let secret = form.get('client_secret');
        const basic = /^Basic (.+)$/.exec(req.headers.authorization ?? '');
        if (basic) {
          const [id, s] = Buffer.from(basic[1]!, 'base64').toString('utf8').split(':');
          clientId = decodeURIComponent(id ?? '');
          secret = decodeURIComponent(s ?? '');
        }
        const client = clients.get(clientId ?? '');
        if (!client || (client.secret !== undefined && client.secret !== secret)) return json(res, 401, { error: 'unauthorized_client', error_description: 'Invalid client or Invalid client credentials' });
        if (form.get('grant_type') !== 'authorization_code') return json(res, 400, { error: 'unsupported_grant_type', error_description: 'Unsupported grant_type' });
        const code = form.get('code') ?? '';
        const issued = codes.get(code);
        codes.delete(code); // single use, whatever happens next
        if (!issued || issued.expiresAt < Date.now() || issued.clientId !== client.clientId) return json(res, 400, { error: 'invalid_grant', error_description: 'Code not valid' });
        if (issued.redirectUri !== form.get('redirect_uri')) return json(res, 400, { error: 'invalid_grant', error_description: 'Incorrect redirect_uri' });
        const verifier = form.get('code_verifier') ?? '';
        const challenge = crypto.createHash('sha256').update(verifier).digest('base64url');
        if (!/^[A-Za-z0-9\-._~]{43,128}$/.test(verifier) || challenge !== issued.challenge) return json(res, 400, { error: 'invalid_grant', error_description: 'PKCE verification failed: Code mismatch' });
        const user = [...users.values()].find((u) => u.sub === issued.sub)!;
        const t = tamper;
        tamper = null;
        const signer = t?.foreignKey ? await newKey() : key;
        const sessionId = crypto.randomUUID();
        const idToken = await sign({
          iss: t?.issuer ?? issuer, sub: user.sub, aud: t?.audience ?? client.clientId, azp: t?.audience ?? client.clientId, typ: 'ID',
          nonce: t?.nonce ?? issued.nonce ?? undefined, sid: sessionId, auth_time: Math.floor(Date.now() / 1000),
          email: user.email, email_verified: user.emailVerified, name: user.name, preferred_username: user.username,
        }, signer, t?.expired ? -120 : 300);
        const accessToken = await sign({
          iss: issuer, sub: user.sub, aud: 'account', azp: client.clientId, typ: 'Bearer', sid: sessionId, scope: issued.scope,
          realm_access: { roles: user.realmRoles }, email: user.email, email_verified: user.emailVerified, preferred_username: user.username,
        }, key, 300);
        return json(res, 200, {
          access_token: accessToken, expires_in: 300, refresh_expires_in: 1800, refresh_token: crypto.randomBytes(32).toString('base64url'),
          token_type: 'Bearer', id_token: idToken, 'not-before-policy': 0, session_state: sessionId, scope: issued.scope,
        });
      }
      json(res, 404, { error: 'not_found' });
    })().catch((e: Error) => json(res, 500, { error: 'server_error', error_description: e.message }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}${base}`;

  return {
    issuer,
    realm,
    requests,
    addUser(u) {
      const full: Required<FakeKeycloakUser> = { sub: crypto.randomUUID(), emailVerified: true, name: u.username, ...u };
      users.set(full.username, full);
      return full;
    },
    addClient(c) { clients.set(c.clientId, c); },
    async rotateKeys() { key = await newKey(); },
    tamperNextIdToken(t) { tamper = t; },
    async signIn(authorizationUrl, username, password) {
      const form = await fetch(authorizationUrl);
      const html = await form.text();
      const action = /<form id="kc-form-login" method="post" action="([^"]+)"/.exec(html)?.[1];
      if (!action) throw new Error(`no login form: ${html.replace(/<[^>]+>/g, ' ').trim().slice(0, 200)}`);
      const res = await fetch(new URL(action.replace(/&amp;/g, '&'), authorizationUrl), {
        method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ username, password }).toString(),
      });
      const location = res.headers.get('location');
      if (res.status !== 302 || !location) throw new Error(`sign-in refused: ${(await res.text()).replace(/<[^>]+>/g, ' ').trim().slice(0, 200)}`);
      const back = new URL(location);
      return { code: back.searchParams.get('code')!, state: back.searchParams.get('state')!, location };
    },
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

/** A PKCE pair (RFC 7636, S256) as a client makes it. */
export function pkcePair(): { verifier: string; challenge: string } {
  const verifier = crypto.randomBytes(32).toString('base64url');
  return { verifier, challenge: crypto.createHash('sha256').update(verifier).digest('base64url') };
}
