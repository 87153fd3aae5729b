/**
 * Users of a tenant: tenant admins create, edit and disable them; tenant staff read them.
 * Every query runs in a tenant-scoped transaction, so RLS keeps another tenant's users out of
 * reach even if a check here were wrong.
 */
import crypto from 'node:crypto';
import { hasRole, ROLES, type AuthContext } from '@imagy/platform/auth';
import { inTenantTx, isUuid, type Em, type Orm } from '@imagy/platform/db';
import type { CreateUserInput, UpdateUserInput, UserFilter } from '../__generated__/graphql';
import type { Outbox } from '@imagy/platform/events';
import { BadInputError, NotFoundError, pageSize, requireRole, requireUser, toConnection, type Connection } from '@imagy/platform/server';
import { unstorableText } from '@imagy/platform/graphql';
import { actorOf, type Caller } from '@imagy/platform/server';
import { keysetAfter } from '../common/keyset';
import { payload, reject, userError, type Payload, type UserError } from '../common/user-error';
import { hashPassword } from '../auth/passwords';
import { refreshTokensStore, throttleStore } from '../auth/auth.store';
import { accountKey } from '../auth/throttle.rules';
import type { TenantsService } from '../tenants/tenants.service';
import { PLATFORM_ROLES, TENANT_ROLES, USER_READERS } from './roles';
import { displayNameOf, isE164, isEmail, MAX_DISPLAY_NAME_LENGTH, normaliseEmail, normalisePhone, passwordProblem } from './users.rules';
import { usersStore, type User, type UserChanges, type UserStatus } from './users.store';

export type { User, UserStatus } from './users.store';

export type UserPayload = Payload<{ user: User | null }>;

const emailTaken = () => userError('EMAIL_TAKEN', { field: 'email' });
const invalidDisplayName = () => userError('INVALID_DISPLAY_NAME', { field: 'displayName', params: { max: MAX_DISPLAY_NAME_LENGTH } });
const invalidPhone = () => userError('INVALID_PHONE', { field: 'phone' });

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
    const valid = [...new Set(ids.filter(isUuid))];
    if (valid.length === 0 || !tenantId) return ids.map(() => null);
    const found = await inTenantTx(this.orm, { tenantId }, (em) => usersStore.byIds(em, valid));
    const byId = new Map(found.map((u) => [u.id, u]));
    return ids.map((id) => byId.get(id) ?? null);
  }

  async list(auth: AuthContext, args: { first?: number | null; after?: string | null; filter?: UserFilter | null }): Promise<Connection<User>> {
    const caller = requireRole(auth, ...USER_READERS);
    const limit = pageSize(args.first);
    const position = keysetAfter(args.after);
    const f = args.filter ?? {};
    // Filter text goes into SQL parameters: text PostgreSQL cannot store (NUL, lone surrogates) is refused here.
    if (f.search && unstorableText(f.search)) throw new BadInputError('The search text contains a NUL character or invalid Unicode', 'filter.search');
    if (f.role && unstorableText(f.role)) throw new BadInputError('The role contains a NUL character or invalid Unicode', 'filter.role');
    const search = f.search?.trim().toLowerCase();
    const filter = { search: search || undefined, role: f.role || undefined, status: f.status ?? undefined };
    const rows = await inTenantTx(this.orm, { tenantId: caller.tenantId }, (em) => usersStore.page(em, position, filter, limit + 1));
    return toConnection(rows, limit, (u) => [u.createdAt, u.id]);
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
    if (!isEmail(email)) errors.push(userError('INVALID_EMAIL', { field: 'email' }));
    const phone = normalisePhone(input.phone);
    if (phone !== null && !isE164(phone)) errors.push(invalidPhone());
    const displayName = displayNameOf(input.displayName);
    if (displayName === null) errors.push(invalidDisplayName());
    const roles = this.checkRoles(input.roles, errors);
    const weak = passwordProblem(input.password);
    if (weak) errors.push(weak);
    if (errors.length || displayName === null) return { user: null, userErrors: errors };

    const passwordHash = await hashPassword(input.password);
    const id = crypto.randomUUID();
    return this.guarded(tenantId, async (em) => {
      if (await usersStore.byEmail(em, email)) reject('EMAIL_TAKEN', { field: 'email' });
      const user = await usersStore.insert(em, { id, tenantId, email, phone, displayName, roles, passwordHash });
      await this.outbox.publish(em, 'identity.user.created', { userId: id, email, roles }, { tenantId, actor: actorOf(caller), requestId: caller.requestId });
      return user;
    });
  }

  async update(caller: Caller, input: UpdateUserInput): Promise<UserPayload> {
    const auth = requireRole(caller.auth, ROLES.tenantAdmin);
    if (!isUuid(input.id)) throw new NotFoundError('User not found');
    const errors: UserError[] = [];
    const next: UserChanges = {};
    // In the order the fields are checked: the event lists them so.
    const changes: string[] = [];
    const self = input.id === auth.userId;

    if (input.email != null) {
      const email = normaliseEmail(input.email);
      if (!isEmail(email)) errors.push(userError('INVALID_EMAIL', { field: 'email' }));
      else { next.email = email; changes.push('email'); }
    }
    if (input.phone !== undefined) {
      const phone = normalisePhone(input.phone);
      if (phone !== null && !isE164(phone)) errors.push(invalidPhone());
      else { next.phone = phone; changes.push('phone'); }
    }
    if (input.displayName != null) {
      const displayName = displayNameOf(input.displayName);
      if (displayName === null) errors.push(invalidDisplayName());
      else { next.displayName = displayName; changes.push('displayName'); }
    }
    if (input.roles != null) {
      const roles = this.checkRoles(input.roles, errors);
      if (self && !roles.includes(ROLES.tenantAdmin)) errors.push(userError('CANNOT_DEMOTE_SELF', { field: 'roles' }));
      else { next.roles = roles; changes.push('roles'); }
    }
    if (input.status != null) {
      if (self && input.status === 'DISABLED') errors.push(userError('CANNOT_DISABLE_SELF', { field: 'status' }));
      else { next.status = input.status; changes.push('status'); }
    }
    if (input.password != null) {
      const weak = passwordProblem(input.password);
      if (weak) errors.push(weak);
      else { next.passwordHash = await hashPassword(input.password); changes.push('password'); }
    }
    if (errors.length) return { user: null, userErrors: errors };
    return this.applyUpdate(caller, auth.tenantId, input.id, next, changes);
  }

  async disable(caller: Caller, id: string): Promise<UserPayload> {
    const auth = requireRole(caller.auth, ROLES.tenantAdmin);
    if (!isUuid(id)) throw new NotFoundError('User not found');
    if (id === auth.userId) return { user: null, userErrors: [userError('CANNOT_DISABLE_SELF', { field: 'id' })] };
    return this.applyUpdate(caller, auth.tenantId, id, { status: 'DISABLED' }, ['status']);
  }

  /** Loads the signed-in user (null for a token whose subject is not a local user, e.g. Keycloak). */
  async me(auth: AuthContext, load: (id: string) => Promise<User | null>): Promise<User | null> {
    const user = requireUser(auth);
    return load(user.userId);
  }

  /** Registry upsert for the seed: creates the user if the email is free in the tenant. */
  async ensure(em: Em, tenantId: string, spec: { email: string; displayName: string; roles: string[]; password: string }): Promise<{ user: User; created: boolean }> {
    const existing = await usersStore.byEmail(em, spec.email);
    if (existing) return { user: existing, created: false };
    const created = await usersStore.insertIfAbsent(em, {
      id: crypto.randomUUID(), tenantId, email: spec.email, displayName: spec.displayName, roles: spec.roles, passwordHash: await hashPassword(spec.password),
    });
    return { user: (await usersStore.byEmail(em, spec.email))!, created };
  }

  private async applyUpdate(caller: Caller, tenantId: string, id: string, next: UserChanges, changes: string[]): Promise<UserPayload> {
    return this.guarded(tenantId, async (em) => {
      const record = await usersStore.lock(em, id);
      if (!record) throw new NotFoundError('User not found');
      if (changes.length === 0) return (await usersStore.byId(em, id))!;
      const user = await usersStore.update(em, record, next);
      // A disabled user, or one whose password changed, loses every open session.
      if (user.status === 'DISABLED' || changes.includes('password')) {
        await refreshTokensStore.revokeAllOfUser(em, id, user.status === 'DISABLED' ? 'USER_DISABLED' : 'PASSWORD_CHANGED');
      }
      // A new password set by an admin lifts the sign-in lock of the user's e-mail.
      if (changes.includes('password')) await throttleStore.clearAccount(em, tenantId, accountKey(user.email));
      await this.outbox.publish(em, 'identity.user.updated', { userId: id, changes, status: user.status }, { tenantId, actor: actorOf(caller), requestId: caller.requestId });
      return user;
    });
  }

  private checkRoles(raw: string[], errors: UserError[]): string[] {
    const roles = [...new Set(raw.map((r) => r.trim()))];
    // Platform roles exist only on the platform tenant's seeded users: never granted here.
    if (roles.length === 0 || roles.some((r) => PLATFORM_ROLES.includes(r) || !TENANT_ROLES.includes(r))) {
      errors.push(userError('INVALID_ROLE', { field: 'roles', params: { allowed: TENANT_ROLES.join(', ') } }));
    }
    return roles;
  }

  /** Runs a user write; a Rejected (or a unique race on the email) rolls everything back and becomes userErrors. */
  private guarded(tenantId: string, work: (em: Em) => Promise<User>): Promise<UserPayload> {
    return payload(async () => ({ user: await inTenantTx(this.orm, { tenantId }, work) }), { user: null }, { onUniqueViolation: emailTaken });
  }
}
