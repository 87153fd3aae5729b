/**
 * SQL of the token issuer: the login row of a user (locked while a password is checked) and the
 * refresh tokens. Both are hot paths that run once per sign-in or refresh, need exact row locks
 * and set-based updates (a whole token family revoked in one statement), and map to no domain
 * object, so they are plain statements with typed rows rather than entities.
 *
 * Every function takes the entity manager of the caller's tenant-scoped transaction: `users` and
 * `refresh_tokens` are under forced RLS.
 */
import type { Em } from '@imagy/platform/db';
import { iso } from '../common/sql';

export interface LoginRow {
  id: string;
  email: string;
  password_hash: string;
  status: string;
  failed_logins: number;
  locked: boolean;
  locked_until: string | null;
}

export interface RefreshRow {
  id: string;
  user_id: string;
  family_id: string;
  revoked_at: string | null;
  revoke_reason: string | null;
  expired: boolean;
}

export const loginStore = {
  /** The user of `email` in the transaction's tenant, locked until the transaction ends. */
  async lockByEmail(em: Em, email: string): Promise<LoginRow | null> {
    const [row] = await em.execute<LoginRow[]>(
      `select id, email, password_hash, status, failed_logins, coalesce(locked_until > now(), false) as locked, ${iso('locked_until')} as locked_until
         from users where email = ? for update`,
      [email],
    );
    return row ?? null;
  },

  async setFailedLogins(em: Em, userId: string, failed: number): Promise<void> {
    await em.execute('update users set failed_logins = ? where id = ?', [failed, userId]);
  },

  /** Locks the account for `minutes` from now and resets the failure count; returns the end (ISO). */
  async lockFor(em: Em, userId: string, minutes: number): Promise<string> {
    const [locked] = await em.execute<{ until: string }[]>(
      `update users set failed_logins = 0, locked_until = now() + make_interval(mins => ?) where id = ? returning ${iso('locked_until')} as until`,
      [minutes, userId],
    );
    return locked!.until;
  },

  async recordSuccess(em: Em, userId: string): Promise<void> {
    await em.execute(`update users set failed_logins = 0, locked_until = null, last_login_at = date_trunc('milliseconds', clock_timestamp()) where id = ?`, [userId]);
  },

  async statusOf(em: Em, userId: string): Promise<string | null> {
    const [user] = await em.execute<{ status: string }[]>('select status from users where id = ?', [userId]);
    return user?.status ?? null;
  },
};

export const refreshTokensStore = {
  async insert(em: Em, t: { id: string; tenantId: string; userId: string; familyId: string; tokenHash: string; ttlSeconds: number }): Promise<void> {
    await em.execute(
      `insert into refresh_tokens (id, tenant_id, user_id, family_id, token_hash, expires_at) values (?, ?, ?, ?, ?, clock_timestamp() + make_interval(secs => ?))`,
      [t.id, t.tenantId, t.userId, t.familyId, t.tokenHash, t.ttlSeconds],
    );
  },

  /** The token of a hash, locked until the transaction ends (two refreshes of one token queue). */
  async lockByHash(em: Em, tokenHash: string): Promise<RefreshRow | null> {
    const [row] = await em.execute<RefreshRow[]>(
      `select id, user_id, family_id, revoked_at, revoke_reason, expires_at <= now() as expired from refresh_tokens where token_hash = ? for update`,
      [tokenHash],
    );
    return row ?? null;
  },

  async markExpired(em: Em, id: string): Promise<void> {
    await em.execute(`update refresh_tokens set revoked_at = clock_timestamp(), revoke_reason = 'EXPIRED' where id = ?`, [id]);
  },

  async markRotated(em: Em, id: string, replacedBy: string): Promise<void> {
    await em.execute(`update refresh_tokens set revoked_at = clock_timestamp(), revoke_reason = 'ROTATED', replaced_by = ? where id = ?`, [replacedBy, id]);
  },

  /** Revokes every live token of a family (one sign-in and its rotations); returns how many. */
  async revokeFamily(em: Em, familyId: string, reason: string): Promise<number> {
    const rows = await em.execute<{ id: string }[]>(
      `update refresh_tokens set revoked_at = clock_timestamp(), revoke_reason = ? where family_id = ? and revoked_at is null returning id`,
      [reason, familyId],
    );
    return rows.length;
  },

  /** Revokes every live token of a user (disabled, or a new password). */
  async revokeAllOfUser(em: Em, userId: string, reason: string): Promise<void> {
    await em.execute(`update refresh_tokens set revoked_at = clock_timestamp(), revoke_reason = ? where user_id = ? and revoked_at is null`, [reason, userId]);
  },
};
