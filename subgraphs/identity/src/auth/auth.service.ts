/**
 * The local token issuer: password login with lockout, refresh token rotation with reuse
 * detection, logout.
 *
 * These mutations are public, so no tenant is known when they start: login resolves the tenant
 * from its slug in the (RLS-free) registry, then does everything else inside a transaction scoped
 * to that tenant. A refresh token carries its tenant id in clear before the secret
 * (`<tenantId>.<43 base64url chars of 32 random bytes>`), for the same reason; only the SHA-256 of
 * the whole token is stored, and a forged tenant part simply finds nothing under RLS.
 */
import crypto from 'node:crypto';
import { signToken, type SigningKey } from '@imagy/platform/auth';
import { inPlatformTx, inTenantTx, isUuid, type Em, type Orm } from '@imagy/platform/db';
import type { EventActor, Outbox, PublishMeta } from '@imagy/platform/events';
import type { Caller } from '@imagy/platform/server';
import { userError, type Payload, type UserError } from '../common/user-error';
import type { Tenant, TenantsService } from '../tenants/tenants.service';
import { normaliseSlug } from '../tenants/tenants.rules';
import { MAX_EMAIL_LENGTH, normaliseEmail, passwordProblem } from '../users/users.rules';
import { isSafeText } from '../common/text';
import type { LoginInput } from '../__generated__/graphql';
import { usersStore, type User } from '../users/users.store';
import { loginStore, refreshTokensStore, throttleStore, type AddressReservation } from './auth.store';
import { accountKey, addressKey, DEFAULT_LIMITS, type ThrottleLimits } from './throttle.rules';
import { verifyAgainstDummy, verifyPassword } from './passwords';
import { scopesFor } from './scopes';

export interface AuthServiceOptions {
  signingKey: SigningKey;
  issuer: string;
  audience: string;
  accessTtlSeconds?: number;
  refreshTtlSeconds?: number;
  /** Login throttling numbers (defaults in throttle.rules.ts, documented in the README). */
  limits?: Partial<ThrottleLimits>;
}

export type SessionPayload = Payload<{ accessToken: string | null; refreshToken: string | null; expiresAt: string | null; user: User | null }>;

export type LogoutPayload = Payload<{ success: boolean }>;

const INVALID_CREDENTIALS = userError('INVALID_CREDENTIALS');
const ACCOUNT_LOCKED = userError('ACCOUNT_LOCKED');
const TOO_MANY_ATTEMPTS = userError('TOO_MANY_ATTEMPTS');
const TENANT_SUSPENDED = userError('TENANT_SUSPENDED');
const INVALID_REFRESH = userError('INVALID_REFRESH_TOKEN', { field: 'refreshToken' });

const failure = (e: UserError): SessionPayload => ({ accessToken: null, refreshToken: null, expiresAt: null, user: null, userErrors: [e] });

const REFRESH_TOKEN = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.([A-Za-z0-9_-]{43})$/;

export const hashRefreshToken = (token: string) => crypto.createHash('sha256').update(token).digest('hex');

export class AuthService {
  private readonly accessTtl: number;
  private readonly refreshTtl: number;
  private readonly limits: ThrottleLimits;

  constructor(private readonly orm: Orm, private readonly outbox: Outbox, private readonly tenants: TenantsService, private readonly options: AuthServiceOptions) {
    this.accessTtl = options.accessTtlSeconds ?? 15 * 60;
    this.refreshTtl = options.refreshTtlSeconds ?? 7 * 24 * 3600;
    this.limits = { ...DEFAULT_LIMITS, ...options.limits };
  }

  /**
   * Password sign-in. Every way it can fail for a given e-mail costs one scrypt verification
   * (against the user's hash or a dummy one) and answers exactly as for any other e-mail: an unknown
   * e-mail, a wrong password and a disabled user get INVALID_CREDENTIALS, and five failures lock
   * the (tenant, e-mail) key whether or not a user has that e-mail, so neither the answers nor
   * their timing reveal which e-mails are registered. Only a throttled client address is refused
   * before any password work (TOO_MANY_ATTEMPTS), which says nothing about the e-mail either.
   */
  async login(caller: Caller, input: LoginInput): Promise<SessionPayload> {
    const email = normaliseEmail(input.email);
    // Text no account can have (controls, direction overrides, NUL, lone surrogates): a typed
    // refusal that says nothing about accounts, before anything is counted or queried.
    if (email.length > MAX_EMAIL_LENGTH || !isSafeText(email)) return failure(userError('INVALID_EMAIL', { field: 'email' }));
    // A password no account can have (the rule every password was set under: 10 to 1024
    // characters, something visible, valid Unicode) is no guess either: answered before any
    // hashing, counting or event. Text that is not a password at all (nothing visible, a lone
    // surrogate) is INVALID_PASSWORD naming the field; a length outside the rule is the ordinary
    // INVALID_CREDENTIALS (a sign-in form does not lecture about the password policy).
    const impossible = passwordProblem(input.password);
    if (impossible) return failure(impossible.code === 'WEAK_PASSWORD' ? INVALID_CREDENTIALS : impossible);
    // A tenant slug no tenant can have (hostile text, a name) is no guess at an account either: the
    // same answer as an unknown tenant, and nothing counted. No password work: its timing tells
    // only that the slug breaks the public slug rule, and hashing for uncounted requests would give
    // anyone a way to spend our CPU unthrottled.
    if (!normaliseSlug(input.tenantSlug)) return failure(INVALID_CREDENTIALS);
    const address = addressKey(caller.ip);
    const { limits } = this;
    const [reservation, tenant] = await inPlatformTx(this.orm, async (em): Promise<[AddressReservation, Tenant | null]> => [
      await throttleStore.reserveAddress(em, address, limits.addressMaxFailures, limits.addressWindowSeconds),
      await this.tenants.bySlug(em, input.tenantSlug),
    ]);
    if (!reservation.allowed) return failure(TOO_MANY_ATTEMPTS);
    // Takes the attempt back from the address's count: it was no failed guess.
    const release = () => inPlatformTx(this.orm, (em) => throttleStore.releaseAddress(em, address, reservation.stamp));
    if (!tenant) {
      await verifyAgainstDummy(input.password);
      return failure(INVALID_CREDENTIALS);
    }
    const anonymous: EventActor = { kind: 'anonymous', userId: null, ip: caller.ip, userAgent: caller.userAgent };
    const meta: PublishMeta = { tenantId: tenant.id, actor: anonymous, requestId: caller.requestId };
    const client = { ip: caller.ip, userAgent: caller.userAgent };
    const account = accountKey(email);

    const outcome = await inTenantTx(this.orm, { tenantId: tenant.id }, async (em): Promise<{ payload: SessionPayload; guessed: boolean }> => {
      if (tenant.status !== 'ACTIVE') {
        await verifyAgainstDummy(input.password);
        const row = await loginStore.lockByEmail(em, email);
        await this.outbox.publish(em, 'identity.user.login_failed', { email, userId: row?.id ?? null, reason: 'DISABLED', ...client }, meta);
        return { payload: failure(TENANT_SUSPENDED), guessed: false };
      }
      // Attempts on one (tenant, e-mail) queue here, registered or not, so a burst cannot outrun the lock.
      const { locked } = await throttleStore.lockAccount(em, tenant.id, account);
      const row = await loginStore.lockByEmail(em, email);
      if (locked) {
        await verifyAgainstDummy(input.password);
        await this.outbox.publish(em, 'identity.user.login_failed', { email, userId: row?.id ?? null, reason: 'LOCKED', ...client }, meta);
        return { payload: failure(ACCOUNT_LOCKED), guessed: true };
      }
      const ok = row ? await verifyPassword(input.password, row.password_hash) : await verifyAgainstDummy(input.password);
      if (!row || !ok || row.status !== 'ACTIVE') {
        const reason = row && ok ? 'DISABLED' : 'BAD_CREDENTIALS';
        await this.outbox.publish(em, 'identity.user.login_failed', { email, userId: row?.id ?? null, reason, ...client }, meta);
        const lockedUntil = await throttleStore.recordAccountFailure(em, tenant.id, account, limits.accountMaxFailures, limits.accountWindowSeconds, limits.lockSeconds);
        if (!lockedUntil) return { payload: failure(INVALID_CREDENTIALS), guessed: true };
        await loginStore.showLock(em, email, lockedUntil);
        if (row) await this.outbox.publish(em, 'identity.user.locked', { userId: row.id, email, until: lockedUntil }, meta);
        return { payload: failure(ACCOUNT_LOCKED), guessed: true };
      }
      await throttleStore.clearAccount(em, tenant.id, account);
      await loginStore.recordSuccess(em, row.id);
      const session = await this.issue(em, tenant.id, row.id, crypto.randomUUID());
      await this.outbox.publish(em, 'identity.user.login_succeeded', { userId: row.id, email, ...client }, meta);
      return { payload: session, guessed: false };
    });
    if (!outcome.guessed) await release();
    return outcome.payload;
  }

  async refresh(caller: Caller, refreshToken: string): Promise<SessionPayload> {
    const tenantId = REFRESH_TOKEN.exec(refreshToken)?.[1];
    if (!tenantId || !isUuid(tenantId)) return failure(INVALID_REFRESH);
    const [tenant] = await this.tenants.byIds([tenantId]);
    if (!tenant) return failure(INVALID_REFRESH);

    return inTenantTx(this.orm, { tenantId }, async (em) => {
      const row = await refreshTokensStore.lockByHash(em, hashRefreshToken(refreshToken));
      if (!row) return failure(INVALID_REFRESH);
      if (row.revoked_at) {
        // A token already exchanged is being presented again: either the client or a thief holds a
        // copy. We cannot tell which, so the whole session (every token of the family) ends.
        const revoked = await refreshTokensStore.revokeFamily(em, row.family_id, 'REUSE_DETECTED');
        if (row.revoke_reason === 'ROTATED' || revoked > 0) {
          await this.outbox.publish(em, 'identity.user.refresh_token_reused', { userId: row.user_id, familyId: row.family_id, ip: caller.ip, userAgent: caller.userAgent }, {
            tenantId, actor: { kind: 'anonymous', userId: null, ip: caller.ip, userAgent: caller.userAgent }, requestId: caller.requestId,
          });
        }
        return failure(INVALID_REFRESH);
      }
      if (row.expired) {
        await refreshTokensStore.markExpired(em, row.id);
        return failure(INVALID_REFRESH);
      }
      const status = await loginStore.statusOf(em, row.user_id);
      if (status !== 'ACTIVE' || tenant.status !== 'ACTIVE') {
        await refreshTokensStore.revokeFamily(em, row.family_id, 'USER_INACTIVE');
        return failure(status && tenant.status !== 'ACTIVE' ? TENANT_SUSPENDED : INVALID_REFRESH);
      }
      const session = await this.issue(em, tenantId, row.user_id, row.family_id);
      await refreshTokensStore.markRotated(em, row.id, session.refreshTokenId);
      return session;
    });
  }

  async logout(caller: Caller, refreshToken: string): Promise<LogoutPayload> {
    const tenantId = REFRESH_TOKEN.exec(refreshToken)?.[1];
    if (!tenantId || !isUuid(tenantId)) return { success: false, userErrors: [INVALID_REFRESH] };
    return inTenantTx(this.orm, { tenantId }, async (em) => {
      const row = await refreshTokensStore.lockByHash(em, hashRefreshToken(refreshToken));
      if (!row) return { success: false, userErrors: [INVALID_REFRESH] };
      const revoked = await refreshTokensStore.revokeFamily(em, row.family_id, 'LOGOUT');
      if (revoked > 0) {
        await this.outbox.publish(em, 'identity.user.logged_out', { userId: row.user_id, sessionId: row.family_id }, {
          tenantId, actor: { kind: 'user', userId: row.user_id, ip: caller.ip, userAgent: caller.userAgent }, requestId: caller.requestId,
        });
      }
      return { success: true, userErrors: [] };
    });
  }

  /**
   * Mints an access token and a new refresh token of `familyId` for an active user. Also the end of
   * OIDC sign-in (oidc/oidc.service.ts), so both kinds of session rotate and revoke alike.
   */
  async issue(em: Em, tenantId: string, userId: string, familyId: string): Promise<SessionPayload & { refreshTokenId: string }> {
    const user = (await usersStore.byId(em, userId))!;
    const scope = scopesFor(user.roles);
    const expiresAt = new Date(Math.floor(Date.now() / 1000) * 1000 + this.accessTtl * 1000);
    // `sid` is the refresh-token family: logout and reuse detection revoke exactly this session.
    const accessToken = await signToken(this.options.signingKey, { sub: user.id, tid: tenantId, roles: user.roles, scope: scope || undefined, sid: familyId }, {
      issuer: this.options.issuer, audience: this.options.audience, ttlSeconds: this.accessTtl,
    });
    const refreshToken = `${tenantId}.${crypto.randomBytes(32).toString('base64url')}`;
    const refreshTokenId = crypto.randomUUID();
    await refreshTokensStore.insert(em, { id: refreshTokenId, tenantId, userId, familyId, tokenHash: hashRefreshToken(refreshToken), ttlSeconds: this.refreshTtl });
    return { accessToken, refreshToken, expiresAt: expiresAt.toISOString(), user, userErrors: [], refreshTokenId };
  }
}
