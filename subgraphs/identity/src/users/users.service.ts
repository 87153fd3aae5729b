/**
 * Users of a tenant: tenant admins create, edit and disable them; tenant staff read them.
 * Every query runs in a tenant-scoped transaction, so RLS keeps another tenant's users out of
 * reach even if a check here were wrong.
 */
import crypto from 'node:crypto';
import { hasRole, ROLES, type AuthContext } from '@imagy/platform/auth';
import { inTenantTx, isUuid, type Em, type Orm } from '@imagy/platform/db';
import type { Outbox } from '@imagy/platform/events';
import { BadInputError, decodeCursor, NotFoundError, pageSize, requireRole, requireUser, toConnection, type Connection } from '@imagy/platform/server';
import { actorOf, type Caller } from '@imagy/platform/server';
import { iso, isUniqueViolation, jsonParam, likeEscape, TEXT_ARRAY_PARAM, UUID_ARRAY_PARAM } from '../common/sql';
import { isE164, isEmail, normaliseEmail, passwordProblem, userError, type UserError } from '../common/validation';
import { hashPassword } from '../auth/passwords';
import type { TenantsService } from '../tenants/tenants.service';
import { PLATFORM_ROLES, TENANT_ROLES, USER_READERS } from './roles';

export type UserStatus = 'ACTIVE' | 'DISABLED';

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

export interface CreateUserInput {
  email: string;
  phone?: string | null;
  displayName: string;
  roles: string[];
  password: string;
  tenantId?: string | null;
}

export interface UpdateUserInput {
  id: string;
  email?: string | null;
  phone?: string | null;
  displayName?: string | null;
  roles?: string[] | null;
  status?: UserStatus | null;
  password?: string | null;
}

export interface UserFilter {
  search?: string | null;
  role?: string | null;
  status?: UserStatus | null;
}

export interface UserPayload {
  user: User | null;
  userErrors: UserError[];
}

export const USER_COLUMNS = `u.id, u.tenant_id, u.email, u.phone, u.display_name, u.roles, u.status,
  case when u.locked_until > now() then ${iso('u.locked_until')} end as locked_until,
  ${iso('u.last_login_at')} as last_login_at, ${iso('u.created_at')} as created_at`;

export interface UserRow {
  id: string; tenant_id: string; email: string; phone: string | null; display_name: string; roles: string[]; status: UserStatus;
  locked_until: string | null; last_login_at: string | null; created_at: string;
}

export const toUser = (r: UserRow): User => ({
  id: r.id, tenantId: r.tenant_id, email: r.email, phone: r.phone, displayName: r.display_name, roles: r.roles, status: r.status,
  lockedUntil: r.locked_until, lastLoginAt: r.last_login_at, createdAt: r.created_at,
});

class Rejected extends Error {
  constructor(readonly userErrors: UserError[]) { super('rejected'); }
}

/** Whether `auth` may read user `userId` of its own tenant (RLS already confines it to that tenant). */
export function canReadUser(auth: AuthContext, userId: string): boolean {
  if (auth.kind === 'anonymous' || !auth.tenantId) return false;
  return auth.userId === userId || hasRole(auth, ...USER_READERS);
}

export class UsersService {
  constructor(private readonly orm: Orm, private readonly outbox: Outbox, private readonly tenants: TenantsService) {}

  /**
   * DataLoader batch: one SQL statement for all ids, in the caller's tenant scope. Ids of other
   * tenants are invisible under RLS and come back null.
   */
  async byIds(tenantId: string | null, ids: readonly string[]): Promise<(User | null)[]> {
    const valid = ids.filter(isUuid);
    if (valid.length === 0 || !tenantId) return ids.map(() => null);
    const rows = await inTenantTx(this.orm, { tenantId }, (em) => em.execute<UserRow[]>(`select ${USER_COLUMNS} from users u where u.id = any(${UUID_ARRAY_PARAM})`, [jsonParam(valid)]));
    const byId = new Map(rows.map((r) => [r.id, toUser(r)]));
    return ids.map((id) => byId.get(id) ?? null);
  }

  async list(auth: AuthContext, args: { first?: number | null; after?: string | null; filter?: UserFilter | null }): Promise<Connection<User>> {
    const caller = requireRole(auth, ...USER_READERS);
    const limit = pageSize(args.first);
    const where: string[] = [];
    const params: unknown[] = [];
    const cursor = decodeCursor<[string, string]>(args.after);
    if (cursor) {
      if (!Array.isArray(cursor) || typeof cursor[0] !== 'string' || !isUuid(cursor[1])) throw new BadInputError('Invalid cursor', 'after');
      where.push('(u.created_at, u.id) > (?::timestamptz, ?::uuid)');
      params.push(cursor[0], cursor[1]);
    }
    const f = args.filter ?? {};
    if (f.search && f.search.trim()) {
      const pattern = `%${likeEscape(f.search.trim().toLowerCase())}%`;
      where.push(`(u.email like ? or lower(u.display_name) like ?)`);
      params.push(pattern, pattern);
    }
    if (f.role) { where.push('u.roles @> array[?]::text[]'); params.push(f.role); }
    if (f.status) { where.push('u.status = ?'); params.push(f.status); }
    const sql = `select ${USER_COLUMNS} from users u ${where.length ? `where ${where.join(' and ')}` : ''} order by u.created_at, u.id limit ?`;
    const rows = await inTenantTx(this.orm, { tenantId: caller.tenantId }, (em) => em.execute<UserRow[]>(sql, [...params, limit + 1]));
    return toConnection(rows.map(toUser), limit, (u) => [u.createdAt, u.id]);
  }

  async create(caller: Caller, input: CreateUserInput): Promise<UserPayload> {
    const auth = requireRole(caller.auth, ROLES.tenantAdmin, ROLES.platformAdmin);
    let tenantId = auth.tenantId;
    if (input.tenantId != null && input.tenantId !== auth.tenantId) {
      // Only a platform admin may create a user in another tenant (e.g. a new tenant's first admin).
      if (!hasRole(auth, ROLES.platformAdmin)) throw new NotFoundError('Tenant not found');
      const [tenant] = await this.tenants.byIds([input.tenantId]);
      if (!tenant) throw new NotFoundError('Tenant not found');
      tenantId = tenant.id;
    }

    const errors: UserError[] = [];
    const email = normaliseEmail(input.email);
    if (!isEmail(email)) errors.push(userError('INVALID_EMAIL', 'The email address is not valid', 'email'));
    const phone = input.phone == null || input.phone.trim() === '' ? null : input.phone.replace(/[\s()-]/g, '');
    if (phone !== null && !isE164(phone)) errors.push(userError('INVALID_PHONE', 'The phone must be in E.164 format, e.g. +525512345678', 'phone'));
    const displayName = input.displayName.trim();
    if (displayName.length < 1 || displayName.length > 120) errors.push(userError('INVALID_DISPLAY_NAME', 'The display name must have 1 to 120 characters', 'displayName'));
    const roles = this.checkRoles(input.roles, errors);
    const weak = passwordProblem(input.password);
    if (weak) errors.push(weak);
    if (errors.length) return { user: null, userErrors: errors };

    const passwordHash = await hashPassword(input.password);
    const id = crypto.randomUUID();
    return this.guarded(tenantId, async (em) => {
      const rows = await em.execute<{ id: string }[]>(
        `insert into users (id, tenant_id, email, phone, display_name, roles, password_hash) values (?, ?, ?, ?, ?, ${TEXT_ARRAY_PARAM}, ?)
         on conflict (tenant_id, email) do nothing returning id`,
        [id, tenantId, email, phone, displayName, jsonParam(roles), passwordHash],
      );
      if (rows.length === 0) throw new Rejected([userError('EMAIL_TAKEN', 'A user with this email already exists', 'email')]);
      await this.outbox.publish(em, 'identity.user.created', { userId: id, email, roles }, { tenantId, actor: actorOf(caller), requestId: caller.requestId });
      return (await this.reload(em, id))!;
    });
  }

  async update(caller: Caller, input: UpdateUserInput): Promise<UserPayload> {
    const auth = requireRole(caller.auth, ROLES.tenantAdmin);
    if (!isUuid(input.id)) throw new NotFoundError('User not found');
    const errors: UserError[] = [];
    const sets: string[] = [];
    const params: unknown[] = [];
    const changes: string[] = [];
    const set = (sql: string, field: string, ...values: unknown[]) => { sets.push(sql); params.push(...values); changes.push(field); };
    const self = input.id === auth.userId;

    if (input.email != null) {
      const email = normaliseEmail(input.email);
      if (!isEmail(email)) errors.push(userError('INVALID_EMAIL', 'The email address is not valid', 'email'));
      else set('email = ?', 'email', email);
    }
    if (input.phone !== undefined) {
      const phone = input.phone === null || input.phone.trim() === '' ? null : input.phone.replace(/[\s()-]/g, '');
      if (phone !== null && !isE164(phone)) errors.push(userError('INVALID_PHONE', 'The phone must be in E.164 format, e.g. +525512345678', 'phone'));
      else set('phone = ?', 'phone', phone);
    }
    if (input.displayName != null) {
      const displayName = input.displayName.trim();
      if (displayName.length < 1 || displayName.length > 120) errors.push(userError('INVALID_DISPLAY_NAME', 'The display name must have 1 to 120 characters', 'displayName'));
      else set('display_name = ?', 'displayName', displayName);
    }
    if (input.roles != null) {
      const roles = this.checkRoles(input.roles, errors);
      if (self && !roles.includes(ROLES.tenantAdmin)) errors.push(userError('CANNOT_DEMOTE_SELF', 'You cannot remove your own tenant_admin role', 'roles'));
      else set(`roles = ${TEXT_ARRAY_PARAM}`, 'roles', jsonParam(roles));
    }
    if (input.status != null) {
      if (self && input.status === 'DISABLED') errors.push(userError('CANNOT_DISABLE_SELF', 'You cannot disable your own account', 'status'));
      else set('status = ?', 'status', input.status);
    }
    if (input.password != null) {
      const weak = passwordProblem(input.password);
      if (weak) errors.push(weak);
      else set('password_hash = ?, failed_logins = 0, locked_until = null', 'password', await hashPassword(input.password));
    }
    if (errors.length) return { user: null, userErrors: errors };
    return this.applyUpdate(caller, auth.tenantId, input.id, sets, params, changes);
  }

  async disable(caller: Caller, id: string): Promise<UserPayload> {
    const auth = requireRole(caller.auth, ROLES.tenantAdmin);
    if (!isUuid(id)) throw new NotFoundError('User not found');
    if (id === auth.userId) return { user: null, userErrors: [userError('CANNOT_DISABLE_SELF', 'You cannot disable your own account', 'id')] };
    return this.applyUpdate(caller, auth.tenantId, id, ['status = ?'], ['DISABLED'], ['status']);
  }

  /** Loads the signed-in user (null for a token whose subject is not a local user, e.g. Keycloak). */
  async me(auth: AuthContext, load: (id: string) => Promise<User | null>): Promise<User | null> {
    const user = requireUser(auth);
    return load(user.userId);
  }

  /** Registry upsert for the seed: creates the user if the email is free in the tenant. */
  async ensure(em: Em, tenantId: string, spec: { email: string; displayName: string; roles: string[]; password: string }): Promise<{ user: User; created: boolean }> {
    const existing = await em.execute<UserRow[]>(`select ${USER_COLUMNS} from users u where u.email = ?`, [spec.email]);
    if (existing[0]) return { user: toUser(existing[0]), created: false };
    const id = crypto.randomUUID();
    const rows = await em.execute<{ id: string }[]>(
      `insert into users (id, tenant_id, email, display_name, roles, password_hash) values (?, ?, ?, ?, ${TEXT_ARRAY_PARAM}, ?) on conflict (tenant_id, email) do nothing returning id`,
      [id, tenantId, spec.email, spec.displayName, jsonParam(spec.roles), await hashPassword(spec.password)],
    );
    const user = await em.execute<UserRow[]>(`select ${USER_COLUMNS} from users u where u.email = ?`, [spec.email]);
    return { user: toUser(user[0]!), created: rows.length > 0 };
  }

  private async applyUpdate(caller: Caller, tenantId: string, id: string, sets: string[], params: unknown[], changes: string[]): Promise<UserPayload> {
    return this.guarded(tenantId, async (em) => {
      const found = await em.execute<{ id: string; status: UserStatus }[]>('select id, status from users where id = ? for update', [id]);
      if (found.length === 0) throw new NotFoundError('User not found');
      if (sets.length === 0) return (await this.reload(em, id))!;
      try {
        await em.execute(`update users set ${sets.join(', ')}, updated_at = date_trunc('milliseconds', clock_timestamp()) where id = ?`, [...params, id]);
      } catch (e) {
        if (isUniqueViolation(e)) throw new Rejected([userError('EMAIL_TAKEN', 'A user with this email already exists', 'email')]);
        throw e;
      }
      const user = (await this.reload(em, id))!;
      // A disabled user, or one whose password changed, loses every open session.
      if (user.status === 'DISABLED' || changes.includes('password')) {
        await em.execute(`update refresh_tokens set revoked_at = clock_timestamp(), revoke_reason = ? where user_id = ? and revoked_at is null`, [user.status === 'DISABLED' ? 'USER_DISABLED' : 'PASSWORD_CHANGED', id]);
      }
      await this.outbox.publish(em, 'identity.user.updated', { userId: id, changes }, { tenantId, actor: actorOf(caller), requestId: caller.requestId });
      return user;
    });
  }

  private checkRoles(raw: string[], errors: UserError[]): string[] {
    const roles = [...new Set(raw.map((r) => r.trim()))];
    if (roles.length === 0) errors.push(userError('INVALID_ROLE', 'A user needs at least one role', 'roles'));
    for (const r of roles) {
      if (PLATFORM_ROLES.includes(r)) errors.push(userError('INVALID_ROLE', `The role ${r} cannot be granted here`, 'roles'));
      else if (!TENANT_ROLES.includes(r)) errors.push(userError('INVALID_ROLE', `Unknown role ${r}; allowed: ${TENANT_ROLES.join(', ')}`, 'roles'));
    }
    return roles;
  }

  private async reload(em: Em, id: string): Promise<User | null> {
    const rows = await em.execute<UserRow[]>(`select ${USER_COLUMNS} from users u where u.id = ?`, [id]);
    return rows[0] ? toUser(rows[0]) : null;
  }

  private async guarded(tenantId: string, work: (em: Em) => Promise<User>): Promise<UserPayload> {
    try {
      return { user: await inTenantTx(this.orm, { tenantId }, work), userErrors: [] };
    } catch (e) {
      if (e instanceof Rejected) return { user: null, userErrors: e.userErrors };
      if (isUniqueViolation(e)) return { user: null, userErrors: [userError('EMAIL_TAKEN', 'A user with this email already exists', 'email')] };
      throw e;
    }
  }
}
