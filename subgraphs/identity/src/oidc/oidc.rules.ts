/**
 * Pure rules of OIDC sign-in: what a provider configuration may hold, how the roles claim is read
 * and mapped to Imagy roles, and which sign-in inputs are well-formed. No I/O here.
 */
import { TENANT_ROLES } from '../users/roles';

export const MAX_ISSUER_LENGTH = 300;
export const MAX_CLIENT_ID_LENGTH = 200;
export const MAX_CLIENT_SECRET_LENGTH = 500;
export const MAX_ROLE_MAPPINGS = 100;
/** Keycloak puts realm roles here (the `roles` client scope). */
export const DEFAULT_ROLES_CLAIM = 'realm_access.roles';
/** What the console asks for: `openid` (an ID token), the e-mail and its verification, the name. */
export const LOGIN_SCOPES: readonly string[] = ['openid', 'email', 'profile'];

// Printable ASCII without spaces: client ids and IdP role names are identifiers, not prose.
const IDENTIFIER = /^[\x21-\x7e]{1,200}$/;
// A dotted path of claim names (`realm_access.roles`, `resource_access.my-client.roles`).
const CLAIM_PATH = /^[A-Za-z0-9_:-]+(\.[A-Za-z0-9_:-]+){0,4}$/;

/**
 * The problem with an issuer URL, or null. `allowHttp` (the installation allows private issuers:
 * tests, a local Keycloak) lets plain http through; otherwise https only. No credentials, query
 * or fragment (an issuer is an origin plus a path, compared byte for byte with the `iss` claim).
 */
export function issuerProblem(raw: string, allowHttp: boolean): string | null {
  if (raw.length === 0 || raw.length > MAX_ISSUER_LENGTH) return 'length';
  let url: URL;
  try { url = new URL(raw); } catch { return 'not a URL'; }
  if (url.protocol !== 'https:' && !(allowHttp && url.protocol === 'http:')) return 'https is required';
  if (url.username || url.password || url.search || url.hash || raw.includes('#') || raw.includes('?')) return 'credentials, query or fragment';
  return null;
}

/** The issuer as compared with `iss`: a trailing slash is not part of a Keycloak realm's issuer. */
export const normaliseIssuer = (raw: string) => raw.trim().replace(/\/+$/, '');

export const isClientId = (v: string) => IDENTIFIER.test(v) && v.length <= MAX_CLIENT_ID_LENGTH;
export const isClaimPath = (v: string) => CLAIM_PATH.test(v) && v.length <= 200;
export const isIdpRole = (v: string) => IDENTIFIER.test(v);

/** A client secret: visible ASCII, 1-500 characters (Keycloak generates 32 alphanumerics). */
export const isClientSecret = (v: string) => /^[\x21-\x7e]+$/.test(v) && v.length <= MAX_CLIENT_SECRET_LENGTH;

/** IdP role -> the Imagy roles it grants. */
export type RoleMapping = Record<string, string[]>;

/** The first problem of a role mapping (`{ index, reason }`), or null. Only tenant roles can be granted. */
export function roleMappingProblem(entries: readonly { idpRole: string; roles: readonly string[] }[]): { index: number; reason: 'idpRole' | 'roles' | 'count' } | null {
  if (entries.length > MAX_ROLE_MAPPINGS) return { index: MAX_ROLE_MAPPINGS, reason: 'count' };
  const seen = new Set<string>();
  for (const [index, e] of entries.entries()) {
    if (!isIdpRole(e.idpRole) || seen.has(e.idpRole)) return { index, reason: 'idpRole' };
    seen.add(e.idpRole);
    if (e.roles.length === 0 || !e.roles.every((r) => TENANT_ROLES.includes(r))) return { index, reason: 'roles' };
  }
  return null;
}

export function toRoleMapping(entries: readonly { idpRole: string; roles: readonly string[] }[]): RoleMapping {
  return Object.fromEntries(entries.map((e) => [e.idpRole, [...new Set(e.roles)]]));
}

/** The value at a dotted claim path (`realm_access.roles`), or undefined. */
export function claimAt(claims: Record<string, unknown>, path: string): unknown {
  let value: unknown = claims;
  for (const part of path.split('.')) {
    if (!value || typeof value !== 'object' || Array.isArray(value) || !Object.prototype.hasOwnProperty.call(value, part)) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

/** The IdP roles a claim value holds: a list of strings, or one space-separated string; anything else holds none. */
export function idpRolesOf(value: unknown): string[] {
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
  if (typeof value === 'string') return value.split(/\s+/).filter(Boolean);
  return [];
}

/** The Imagy roles the IdP roles map to, in TENANT_ROLES order (a stable set). Unmapped IdP roles grant nothing. */
export function mapRoles(idpRoles: readonly string[], mapping: RoleMapping): string[] {
  const granted = new Set<string>();
  for (const r of idpRoles) for (const role of Object.prototype.hasOwnProperty.call(mapping, r) ? mapping[r]! : []) granted.add(role);
  return TENANT_ROLES.filter((r) => granted.has(r));
}

// RFC 7636: a code verifier is 43-128 characters of [A-Z a-z 0-9 - . _ ~].
const CODE_VERIFIER = /^[A-Za-z0-9\-._~]{43,128}$/;
// Authorization codes are opaque; Keycloak's are dotted UUIDs. Visible ASCII, bounded.
const CODE = /^[\x21-\x7e]{1,2048}$/;
const NONCE = /^[A-Za-z0-9\-._~]{16,128}$/;

export const isCodeVerifier = (v: string) => CODE_VERIFIER.test(v);
export const isAuthorizationCode = (v: string) => CODE.test(v);
export const isNonce = (v: string) => NONCE.test(v);

/** A redirect URI the browser came back to: absolute http(s), no fragment, bounded (the IdP checks it against the client's registered ones). */
export function isRedirectUri(raw: string): boolean {
  if (raw.length > 2000) return false;
  try {
    const url = new URL(raw);
    return (url.protocol === 'https:' || url.protocol === 'http:') && !url.hash && !url.username && !url.password;
  } catch { return false; }
}
