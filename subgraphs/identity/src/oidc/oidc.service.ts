/**
 * Single sign-on through a tenant's own OpenID Connect provider (a Keycloak realm): tenant admins
 * configure it; the browser runs the authorization code flow with PKCE and hands the code to
 * `completeLogin`, which exchanges it at the provider, verifies the ID token, finds the tenant's
 * user, maps the IdP roles and answers with Imagy's own session (AuthService.issue: the same
 * refresh rotation, reuse detection and revocation as a password login). The gateway and the
 * subgraphs keep trusting only Imagy's issuer.
 *
 * No transaction is held while the provider is called: the tenant and its provider are read
 * first, the HTTP calls run, then one tenant-scoped transaction links the user and issues the session.
 */
import crypto from 'node:crypto';
import { ROLES, type AuthContext } from '@imagy/platform/auth';
import { deriveKey, openJson, sealJson } from '@imagy/platform/crypto';
import { inPlatformTx, inTenantTx, type Orm } from '@imagy/platform/db';
import type { EventActor, Outbox, PublishMeta } from '@imagy/platform/events';
import { actorOf, requireRole, type Caller } from '@imagy/platform/server';
import { userError, type Payload, type UserError } from '../common/user-error';
import type { AuthService, SessionPayload } from '../auth/auth.service';
import { loginStore } from '../auth/auth.store';
import type { Tenant, TenantsService } from '../tenants/tenants.service';
import { normaliseSlug } from '../tenants/tenants.rules';
import { TENANT_ROLES } from '../users/roles';
import { displayNameOf, isEmail, normaliseEmail } from '../users/users.rules';
import { usersStore } from '../users/users.store';
import type { CompleteOidcLoginInput, ConfigureOidcProviderInput } from '../__generated__/graphql';
import { OidcFailure, type OidcClient } from './oidc.client';
import {
  claimAt, DEFAULT_ROLES_CLAIM, idpRolesOf, isAuthorizationCode, isClaimPath, isClientId, isClientSecret, isCodeVerifier, isNonce, isRedirectUri,
  issuerProblem, LOGIN_SCOPES, mapRoles, MAX_CLIENT_ID_LENGTH, MAX_CLIENT_SECRET_LENGTH, MAX_ISSUER_LENGTH, normaliseIssuer, roleMappingProblem, toRoleMapping,
} from './oidc.rules';
import { oidcStore, type ProviderRow } from './oidc.store';

/** The API's view of a provider: never the secret, only whether there is one. */
export interface OidcProviderView {
  issuer: string;
  clientId: string;
  hasClientSecret: boolean;
  rolesClaim: string;
  roleMappings: { idpRole: string; roles: string[] }[];
  autoCreateUsers: boolean;
  enabled: boolean;
  updatedAt: string;
}

export interface OidcLoginOptionsView { tenantSlug: string; issuer: string; authorizationEndpoint: string; clientId: string; scopes: string[] }

export type ConfigurePayload = Payload<{ provider: OidcProviderView | null }>;

export interface OidcServiceOptions {
  client: OidcClient;
  /** The installation secret the client secrets are sealed with (a purpose key is derived from it). */
  secretKey: Buffer;
  /** Private and loopback issuers (and plain http) allowed: IDENTITY_ALLOW_PRIVATE_OIDC_URLS=1, tests. */
  allowPrivate: boolean;
  log?: { warn(obj: object, msg: string): void };
}

/** A user created by OIDC sign-in has no password: this is no scrypt hash, so no password ever matches it. */
const NO_PASSWORD = '!oidc';

const failure = (e: UserError): SessionPayload => ({ accessToken: null, refreshToken: null, expiresAt: null, user: null, userErrors: [e] });

const FAILURE_CODES = {
  NOT_ALLOWED: 'OIDC_PROVIDER_UNAVAILABLE',
  UNAVAILABLE: 'OIDC_PROVIDER_UNAVAILABLE',
  CODE_REJECTED: 'OIDC_CODE_REJECTED',
  INVALID_ID_TOKEN: 'OIDC_INVALID_ID_TOKEN',
} as const;

const sealAad = (tenantId: string) => `identity.oidc_providers:${tenantId}`;

export function toView(p: ProviderRow): OidcProviderView {
  return {
    issuer: p.issuer, clientId: p.clientId, hasClientSecret: p.clientSecretSealed !== null, rolesClaim: p.rolesClaim,
    roleMappings: Object.keys(p.roleMapping).sort().map((idpRole) => ({ idpRole, roles: p.roleMapping[idpRole]! })),
    autoCreateUsers: p.autoCreateUsers, enabled: p.enabled, updatedAt: p.updatedAt,
  };
}

export class OidcService {
  private readonly sealKey: Buffer;

  constructor(private readonly orm: Orm, private readonly outbox: Outbox, private readonly tenants: TenantsService, private readonly auth: AuthService, private readonly options: OidcServiceOptions) {
    this.sealKey = deriveKey(options.secretKey, 'imagy identity oidc client secrets');
  }

  async provider(auth: AuthContext): Promise<OidcProviderView | null> {
    const caller = requireRole(auth, ROLES.tenantAdmin);
    const row = await inTenantTx(this.orm, { tenantId: caller.tenantId }, (em) => oidcStore.provider(em));
    return row ? toView(row) : null;
  }

  async configure(caller: Caller, input: ConfigureOidcProviderInput): Promise<ConfigurePayload> {
    const admin = requireRole(caller.auth, ROLES.tenantAdmin);
    const errors: UserError[] = [];
    const issuer = normaliseIssuer(input.issuer);
    if (issuerProblem(issuer, this.options.allowPrivate)) errors.push(userError('OIDC_INVALID_ISSUER', { field: 'issuer', params: { max: MAX_ISSUER_LENGTH } }));
    const clientId = input.clientId.trim();
    if (!isClientId(clientId)) errors.push(userError('OIDC_INVALID_CLIENT_ID', { field: 'clientId', params: { max: MAX_CLIENT_ID_LENGTH } }));
    const secret = input.clientSecret;
    if (secret !== undefined && secret !== null && secret !== '' && !isClientSecret(secret)) errors.push(userError('OIDC_INVALID_CLIENT_SECRET', { field: 'clientSecret', params: { max: MAX_CLIENT_SECRET_LENGTH } }));
    const rolesClaim = input.rolesClaim?.trim() || DEFAULT_ROLES_CLAIM;
    if (!isClaimPath(rolesClaim)) errors.push(userError('OIDC_INVALID_ROLES_CLAIM', { field: 'rolesClaim' }));
    const mappingProblem = roleMappingProblem(input.roleMappings);
    if (mappingProblem) errors.push(userError('OIDC_INVALID_ROLE_MAPPING', { field: `roleMappings.${mappingProblem.index}`, params: { allowed: TENANT_ROLES.join(', ') } }));
    if (errors.length) return { provider: null, userErrors: errors };
    // The issuer must answer discovery for exactly this issuer, from an allowed address, before
    // anything is saved: a typo is caught now rather than at the first sign-in.
    try {
      await this.options.client.discover(issuer, true);
    } catch (e) {
      const reason = e instanceof OidcFailure ? e.reason : 'UNAVAILABLE';
      this.options.log?.warn({ reason, detail: (e as Error).message, tenantId: admin.tenantId }, 'OIDC discovery failed while configuring a provider');
      return { provider: null, userErrors: [userError(reason === 'NOT_ALLOWED' ? 'OIDC_ISSUER_NOT_ALLOWED' : 'OIDC_ISSUER_UNREACHABLE', { field: 'issuer' })] };
    }
    const tenantId = admin.tenantId;
    const row = await inTenantTx(this.orm, { tenantId }, async (em) => {
      const existing = await oidcStore.lockProvider(em);
      const sealed = secret === undefined || secret === null ? (existing?.clientSecretSealed ?? null)
        : secret === '' ? null : sealJson(this.sealKey, secret, sealAad(tenantId));
      const saved = await oidcStore.upsertProvider(em, {
        tenantId, issuer, clientId, clientSecretSealed: sealed, rolesClaim, roleMapping: toRoleMapping(input.roleMappings),
        autoCreateUsers: input.autoCreateUsers ?? false, enabled: input.enabled ?? true,
      });
      await this.outbox.publish(em, 'identity.oidc_provider.configured', {
        issuer, clientId, enabled: saved.enabled, autoCreateUsers: saved.autoCreateUsers, hasClientSecret: sealed !== null,
        secretChanged: secret !== undefined && secret !== null, mappedIdpRoles: Object.keys(saved.roleMapping).sort(),
      }, { tenantId, actor: actorOf(caller), requestId: caller.requestId });
      return saved;
    });
    return { provider: toView(row), userErrors: [] };
  }

  /** What a browser needs to start single sign-on for a tenant, or null (no such tenant, not active, no enabled provider, provider unreachable). */
  async loginOptions(args: { tenantSlug?: string | null; host?: string | null }): Promise<OidcLoginOptionsView | null> {
    const tenant = await this.tenantOf(args);
    if (!tenant || tenant.status !== 'ACTIVE') return null;
    const provider = await inTenantTx(this.orm, { tenantId: tenant.id }, (em) => oidcStore.provider(em));
    if (!provider?.enabled) return null;
    try {
      const meta = await this.options.client.discover(provider.issuer);
      return { tenantSlug: tenant.slug, issuer: provider.issuer, authorizationEndpoint: meta.authorizationEndpoint, clientId: provider.clientId, scopes: [...LOGIN_SCOPES] };
    } catch (e) {
      this.options.log?.warn({ detail: (e as Error).message, tenantId: tenant.id }, 'OIDC discovery failed; single sign-on is not offered');
      return null;
    }
  }

  async completeLogin(caller: Caller, input: CompleteOidcLoginInput): Promise<SessionPayload> {
    // Malformed answers are refused before anything is looked up or called.
    const malformed = !isAuthorizationCode(input.code) ? 'code' : !isCodeVerifier(input.codeVerifier) ? 'codeVerifier'
      : !isRedirectUri(input.redirectUri) ? 'redirectUri' : !isNonce(input.nonce) ? 'nonce' : null;
    if (malformed) return failure(userError('OIDC_INVALID_REQUEST', { field: malformed }));
    const tenant = await this.tenantOf({ tenantSlug: input.tenantSlug });
    if (!tenant) return failure(userError('OIDC_NOT_CONFIGURED', { field: 'tenantSlug' }));
    const provider = await inTenantTx(this.orm, { tenantId: tenant.id }, (em) => oidcStore.provider(em));
    if (!provider?.enabled) return failure(userError('OIDC_NOT_CONFIGURED', { field: 'tenantSlug' }));
    if (tenant.status !== 'ACTIVE') return failure(userError('TENANT_SUSPENDED'));

    const anonymous: EventActor = { kind: 'anonymous', userId: null, ip: caller.ip, userAgent: caller.userAgent };
    const meta: PublishMeta = { tenantId: tenant.id, actor: anonymous, requestId: caller.requestId };
    const client = { ip: caller.ip, userAgent: caller.userAgent, method: 'OIDC' as const };
    const refuse = (e: UserError, reason: 'OIDC_REJECTED' | 'UNKNOWN_USER' | 'NO_ROLE' | 'DISABLED', email: string, userId: string | null) =>
      inTenantTx(this.orm, { tenantId: tenant.id }, async (em) => {
        await this.outbox.publish(em, 'identity.user.login_failed', { email, userId, reason, ...client }, meta);
        return failure(e);
      });

    let tokens;
    try {
      const clientSecret = provider.clientSecretSealed ? openJson<string>(this.sealKey, provider.clientSecretSealed, sealAad(tenant.id)) : null;
      tokens = await this.options.client.exchangeCode(provider.issuer, { clientId: provider.clientId, clientSecret }, input);
    } catch (e) {
      if (!(e instanceof OidcFailure)) throw e;
      this.options.log?.warn({ reason: e.reason, detail: e.message, tenantId: tenant.id }, 'OIDC sign-in refused');
      const err = userError(FAILURE_CODES[e.reason]);
      return e.reason === 'CODE_REJECTED' || e.reason === 'INVALID_ID_TOKEN' ? refuse(err, 'OIDC_REJECTED', '', null) : failure(err);
    }
    const { idClaims, accessClaims } = tokens;
    const subject = idClaims.sub!;
    const email = typeof idClaims.email === 'string' ? normaliseEmail(idClaims.email) : '';
    const verifiedEmail = idClaims.email_verified === true && isEmail(email) ? email : null;
    // Keycloak's realm roles are in the access token unless the realm adds them to the ID token too.
    const rolesValue = claimAt(idClaims, provider.rolesClaim) ?? (accessClaims ? claimAt(accessClaims, provider.rolesClaim) : undefined);
    const roles = mapRoles(idpRolesOf(rolesValue), provider.roleMapping);

    return inTenantTx(this.orm, { tenantId: tenant.id }, async (em): Promise<SessionPayload> => {
      const fail = async (e: UserError, reason: 'UNKNOWN_USER' | 'NO_ROLE' | 'DISABLED', userId: string | null) => {
        await this.outbox.publish(em, 'identity.user.login_failed', { email, userId, reason, ...client }, meta);
        return failure(e);
      };
      let userId = await oidcStore.linkedUser(em, provider.issuer, subject);
      if (!userId && verifiedEmail) {
        // First sign-in of this subject: link it to the user with that e-mail, only when the
        // provider vouches for the address (email_verified), and only if neither side is linked yet.
        const byEmail = await usersStore.byEmail(em, verifiedEmail);
        // A concurrent first sign-in of the same subject may have linked it a moment ago: read it again.
        if (byEmail && ((await oidcStore.link(em, tenant.id, provider.issuer, subject, byEmail.id)) || (await oidcStore.linkedUser(em, provider.issuer, subject)) === byEmail.id)) userId = byEmail.id;
        if (!byEmail && provider.autoCreateUsers && roles.length) {
          const id = crypto.randomUUID();
          const name = typeof idClaims.name === 'string' ? displayNameOf(idClaims.name) : null;
          await usersStore.insert(em, { id, tenantId: tenant.id, email: verifiedEmail, phone: null, displayName: name ?? verifiedEmail, roles, passwordHash: NO_PASSWORD });
          await oidcStore.link(em, tenant.id, provider.issuer, subject, id);
          await this.outbox.publish(em, 'identity.user.created', { userId: id, email: verifiedEmail, roles }, meta);
          userId = id;
        }
      }
      if (!userId) return fail(userError('OIDC_UNKNOWN_USER'), 'UNKNOWN_USER', null);
      const record = await usersStore.lock(em, userId);
      if (!record || record.status !== 'ACTIVE') return fail(userError('OIDC_USER_DISABLED'), 'DISABLED', userId);
      if (roles.length === 0) return fail(userError('OIDC_NO_ROLE'), 'NO_ROLE', userId);
      // The provider is the source of the roles of a user who signs in through it.
      if (roles.length !== record.roles.length || !roles.every((r) => record.roles.includes(r))) {
        const updated = await usersStore.update(em, record, { roles });
        await this.outbox.publish(em, 'identity.user.updated', { userId, changes: ['roles'], status: updated.status }, meta);
      }
      await loginStore.recordSuccess(em, userId);
      const { refreshTokenId: _id, ...session } = await this.auth.issue(em, tenant.id, userId, crypto.randomUUID());
      await this.outbox.publish(em, 'identity.user.login_succeeded', { userId, email: session.user!.email, ...client }, meta);
      return session;
    });
  }

  private async tenantOf(args: { tenantSlug?: string | null; host?: string | null }): Promise<Tenant | null> {
    if (args.tenantSlug) {
      if (!normaliseSlug(args.tenantSlug)) return null;
      return inPlatformTx(this.orm, (em) => this.tenants.bySlug(em, args.tenantSlug!));
    }
    return args.host ? this.tenants.byHost(args.host) : null;
  }
}
