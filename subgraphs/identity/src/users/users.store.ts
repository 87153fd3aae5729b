/**
 * Persistence of users: a MikroORM entity and the unit of work for `users` (CRUD-shaped), plus one
 * SQL statement for the seed's insert-if-absent (atomic when two replicas start together). The hot
 * login path reads and updates its columns with SQL in auth/auth.store.ts.
 *
 * Every function takes the entity manager of the caller's tenant-scoped transaction (`inTenantTx`):
 * `users` is under forced RLS, so another tenant's rows are invisible here whatever the filter.
 */
import { defineEntity, LockMode, raw, type FilterQuery, type InferEntity } from '@mikro-orm/core';
import { jsonParam, likeEscape, TEXT_ARRAY_PARAM, type Em } from '@imagy/platform/db';
import { afterKey, type KeysetPosition } from '../common/keyset';

export type UserStatus = 'ACTIVE' | 'DISABLED';

/** The service's view of a user (what resolvers and events see); never the password hash. */
export interface User {
  id: string;
  tenantId: string;
  email: string;
  phone: string | null;
  displayName: string;
  roles: string[];
  status: UserStatus;
  lockedUntil: string | null;
  lastLoginAt: string | null;
  createdAt: string;
}

const p = defineEntity.properties;
const NOW_MS = `date_trunc('milliseconds', clock_timestamp())`;

export const UserEntity = defineEntity({
  name: 'UserEntity',
  tableName: 'users',
  properties: {
    id: p.uuid().primary(),
    tenantId: p.uuid(),
    email: p.text(),
    phone: p.text().nullable(),
    displayName: p.text(),
    roles: p.array(),
    status: p.text().$type<UserStatus>(),
    // Not selected by ordinary reads: only written here, and verified by the login path (auth.store).
    passwordHash: p.text().lazy(true, false),
    lockedUntil: p.datetime().nullable(),
    lastLoginAt: p.datetime().nullable(),
    createdAt: p.datetime().defaultRaw(NOW_MS),
    updatedAt: p.datetime().defaultRaw(NOW_MS),
  },
});

export type UserRecord = InferEntity<typeof UserEntity>;

export function toUser(u: UserRecord, now = Date.now()): User {
  return {
    id: u.id, tenantId: u.tenantId, email: u.email, phone: u.phone ?? null, displayName: u.displayName, roles: u.roles, status: u.status,
    // A lock in the past is no lock.
    lockedUntil: u.lockedUntil && u.lockedUntil.getTime() > now ? u.lockedUntil.toISOString() : null,
    lastLoginAt: u.lastLoginAt ? u.lastLoginAt.toISOString() : null,
    createdAt: u.createdAt.toISOString(),
  };
}

export interface UserListFilter {
  /** Lower-cased substring of the email or the display name. */
  search?: string;
  role?: string;
  status?: UserStatus;
}

/** A user to insert: its identity and profile, and the password's hash (never the password). */
export type NewUser = Pick<User, 'id' | 'tenantId' | 'email' | 'phone' | 'displayName' | 'roles'> & { passwordHash: string };

export interface UserChanges {
  email?: string;
  phone?: string | null;
  displayName?: string;
  roles?: string[];
  status?: UserStatus;
  /** A new password also lifts a lock shown on the user (the service clears the throttle's). */
  passwordHash?: string;
}

export const usersStore = {
  /** Users by id in the transaction's tenant (other tenants' ids are simply missing): one statement. */
  async byIds(em: Em, ids: string[]): Promise<User[]> {
    if (ids.length === 0) return [];
    return (await em.find(UserEntity, { id: { $in: ids } })).map((u) => toUser(u));
  },

  async byId(em: Em, id: string): Promise<User | null> {
    const u = await em.findOne(UserEntity, { id });
    return u ? toUser(u) : null;
  },

  async byEmail(em: Em, email: string): Promise<User | null> {
    const u = await em.findOne(UserEntity, { email });
    return u ? toUser(u) : null;
  },

  /** Oldest first, keyset on (created_at, id), filtered: `limit` rows after the position. */
  async page(em: Em, after: KeysetPosition | null, filter: UserListFilter, limit: number): Promise<User[]> {
    const where: FilterQuery<UserRecord>[] = [afterKey(after)];
    if (filter.search) {
      const pattern = `%${likeEscape(filter.search)}%`;
      where.push({ $or: [{ email: { $like: pattern } }, { [raw((alias: string) => `lower(${alias}.display_name)`)]: { $like: pattern } }] });
    }
    if (filter.role) where.push({ roles: { $contains: [filter.role] } });
    if (filter.status) where.push({ status: filter.status });
    const rows = await em.find(UserEntity, { $and: where }, { orderBy: { createdAt: 'asc', id: 'asc' }, limit });
    return rows.map((u) => toUser(u));
  },

  /** Inserts a user (flushed: a taken email surfaces here as a unique violation). */
  async insert(em: Em, u: NewUser): Promise<User> {
    const record = em.create(UserEntity, { ...u, status: 'ACTIVE', lockedUntil: null, lastLoginAt: null });
    await em.flush();
    return toUser(record);
  },

  /** The user row locked for update (concurrent edits of one user queue), or null. */
  async lock(em: Em, id: string): Promise<UserRecord | null> {
    return em.findOne(UserEntity, { id }, { lockMode: LockMode.PESSIMISTIC_WRITE });
  },

  /** Applies the changes to a locked user and flushes (a taken email surfaces as a unique violation). */
  async update(em: Em, record: UserRecord, changes: UserChanges): Promise<User> {
    const { passwordHash, ...fields } = changes;
    em.assign(record, Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)));
    if (passwordHash !== undefined) {
      record.passwordHash = passwordHash;
      record.lockedUntil = null;
    }
    record.updatedAt = new Date();
    await em.flush();
    return toUser(record);
  },

  /**
   * Seed: inserts the user if the email is free in the tenant, atomically (two replicas may seed at
   * once), never changing an existing one. Returns whether it was created.
   */
  async insertIfAbsent(em: Em, u: Omit<NewUser, 'phone'>): Promise<boolean> {
    const rows = await em.execute<{ id: string }[]>(
      `insert into users (id, tenant_id, email, display_name, roles, password_hash) values (?, ?, ?, ?, ${TEXT_ARRAY_PARAM}, ?) on conflict (tenant_id, email) do nothing returning id`,
      [u.id, u.tenantId, u.email, u.displayName, jsonParam(u.roles), u.passwordHash],
    );
    return rows.length > 0;
  },
};
