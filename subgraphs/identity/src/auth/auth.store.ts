/**
 * SQL of the token issuer: the login row of a user (locked while a password is checked) and the
 * refresh tokens. Both are hot paths that run once per sign-in or refresh, need exact row locks
 * and set-based updates (a whole token family revoked in one statement), and map to no domain
 * object, so they are plain statements with typed rows rather than entities.
 *
 * Every function takes the entity manager of the caller's tenant-scoped transaction: `users` and
 * `refresh_tokens` are under forced RLS.
 */
import { iso, type Em } from '@imagy/platform/db';

export interface LoginRow {
  id: string;
  email: string;
  password_hash: string;
  status: string;
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
    const [row] = await em.execute<LoginRow[]>('select id, email, password_hash, status from users where email = ? for update', [email]);
    return row ?? null;
  },

  /**
   * Shows a lock on the user of `email`, if there is one (`User.lockedUntil`); the lock itself is the
   * account throttle's. By e-mail, so a lock costs the same statement whether the user exists or not.
   */
  async showLock(em: Em, email: string, until: string): Promise<void> {
    await em.execute('update users set locked_until = ?::timestamptz where email = ?', [until, email]);
  },

  async recordSuccess(em: Em, userId: string): Promise<void> {
    await em.execute(`update users set locked_until = null, last_login_at = date_trunc('milliseconds', clock_timestamp()) where id = ?`, [userId]);
  },

  async statusOf(em: Em, userId: string): Promise<string | null> {
    const [user] = await em.execute<{ status: string }[]>('select status from users where id = ?', [userId]);
    return user?.status ?? null;
  },
};

/** An attempt counted against a client address before its password is checked. */
export interface AddressReservation {
  allowed: boolean;
  /** The attempt's time as stored (microseconds), to take it back if the sign-in succeeds. */
  stamp: string;
  /** When refused: seconds until the oldest counted failure leaves the window. */
  retryAfterSeconds: number;
}

const STAMP = (expr: string) => `to_char(${expr} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

/**
 * SQL of the login throttles (see throttle.rules.ts and the LoginThrottle migration). Each window
 * is a log of failure times in one row, trimmed to the window on every write, so the count is
 * exact and shared by every replica; the row lock or the single upsert makes concurrent attempts
 * count one by one.
 */
export const throttleStore = {
  /**
   * Counts one attempt against an address, atomically, unless it already has `max` failures in the
   * window (then nothing is counted and `allowed` is false). Also deletes a few expired rows.
   */
  async reserveAddress(em: Em, addressHash: string, max: number, windowSeconds: number): Promise<AddressReservation> {
    const recent = `from unnest(t.attempts) a where a > statement_timestamp() - make_interval(secs => ?)`;
    const [row] = await em.execute<{ allowed: boolean; stamp: string; retry_after: number }[]>(
      `insert into login_address_throttle as t (address_hash, attempts, expires_at)
         values (?, array[statement_timestamp()], statement_timestamp() + make_interval(secs => ?))
       on conflict (address_hash) do update set
         attempts = (select case when count(*) < ? then coalesce(array_agg(a order by a), '{}') || statement_timestamp()
                                 else coalesce(array_agg(a order by a), '{}') end ${recent}),
         expires_at = statement_timestamp() + make_interval(secs => ?)
       returning coalesce(t.attempts[cardinality(t.attempts)] = statement_timestamp(), false) as allowed,
         ${STAMP('statement_timestamp()')} as stamp,
         greatest(0, ceil(extract(epoch from t.attempts[1] + make_interval(secs => ?) - statement_timestamp())))::int as retry_after`,
      [addressHash, windowSeconds, max, windowSeconds, windowSeconds, windowSeconds],
    );
    await em.execute(
      `delete from login_address_throttle where address_hash in (
         select address_hash from login_address_throttle where expires_at < clock_timestamp() and address_hash <> ? limit 10 for update skip locked)`,
      [addressHash],
    );
    return { allowed: row!.allowed, stamp: row!.stamp, retryAfterSeconds: row!.retry_after };
  },

  /** Takes back a counted attempt (the sign-in succeeded, or was refused for a reason that is no guess). */
  async releaseAddress(em: Em, addressHash: string, stamp: string): Promise<void> {
    await em.execute(
      `update login_address_throttle set attempts = attempts[:array_position(attempts, ?::timestamptz) - 1] || attempts[array_position(attempts, ?::timestamptz) + 1:]
        where address_hash = ? and array_position(attempts, ?::timestamptz) is not null`,
      [stamp, stamp, addressHash, stamp],
    );
  },

  /**
   * The account key's row, created if missing and locked until the transaction ends, so attempts
   * on one account (registered or not) are checked one at a time. Returns whether it is locked.
   */
  async lockAccount(em: Em, tenantId: string, emailHash: string): Promise<{ locked: boolean }> {
    await em.execute('insert into login_account_throttle (tenant_id, email_hash) values (?, ?) on conflict do nothing', [tenantId, emailHash]);
    const [row] = await em.execute<{ locked: boolean }[]>(
      'select coalesce(locked_until > clock_timestamp(), false) as locked from login_account_throttle where tenant_id = ? and email_hash = ? for update',
      [tenantId, emailHash],
    );
    return { locked: row?.locked ?? false };
  },

  /**
   * Records a failed sign-in of a locked account row: the failures still in the window plus this
   * one; when they reach `max`, the key is locked for `lockSeconds` and its log starts again.
   * Returns the lock's end (ISO) when this failure locked it. Also deletes a few expired rows.
   */
  async recordAccountFailure(em: Em, tenantId: string, emailHash: string, max: number, windowSeconds: number, lockSeconds: number): Promise<string | null> {
    const [row] = await em.execute<{ locked_until: string | null }[]>(
      `update login_account_throttle t set
         failures = case when r.n + 1 >= ? then '{}' else r.recent || clock_timestamp() end,
         locked_until = case when r.n + 1 >= ? then clock_timestamp() + make_interval(secs => ?) else null end,
         expires_at = clock_timestamp() + make_interval(secs => greatest(?, case when r.n + 1 >= ? then ? else 0 end))
       from (select coalesce(array_agg(f order by f) filter (where f is not null), '{}') as recent, count(f)::int as n
               from login_account_throttle x left join lateral unnest(x.failures) f on f > clock_timestamp() - make_interval(secs => ?)
              where x.tenant_id = ? and x.email_hash = ?) r
       where t.tenant_id = ? and t.email_hash = ?
       returning ${iso('t.locked_until')} as locked_until`,
      [max, max, lockSeconds, windowSeconds, max, lockSeconds, windowSeconds, tenantId, emailHash, tenantId, emailHash],
    );
    await em.execute(
      `delete from login_account_throttle where (tenant_id, email_hash) in (
         select tenant_id, email_hash from login_account_throttle
          where tenant_id = ? and expires_at < clock_timestamp() and email_hash <> ? limit 10 for update skip locked)`,
      [tenantId, emailHash],
    );
    return row?.locked_until ?? null;
  },

  /** Forgets an account key's failures and lock (a successful sign-in, or a new password). */
  async clearAccount(em: Em, tenantId: string, emailHash: string): Promise<void> {
    await em.execute('delete from login_account_throttle where tenant_id = ? and email_hash = ?', [tenantId, emailHash]);
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
