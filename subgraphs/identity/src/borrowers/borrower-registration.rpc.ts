/**
 * `identity.borrower.register` (platform events/rpc.ts): lending's origination pipeline creates the
 * applicant's account here (USER_REGISTRATION step), because only identity writes identity's
 * tables. The call is signed with the installation's key and carries its tenant; the account gets
 * the role `borrower` and nothing else, in that tenant only, under the same rules as createUser
 * (e-mail, phone, display name, password strength) and the same identity.user.created event.
 */
import crypto from 'node:crypto';
import { inTenantTx, isUniqueViolation, type Orm } from '@imagy/platform/db';
import { rpcMethod, type Outbox, type RpcResult, type RpcServerSpec } from '@imagy/platform/events';
import { hashPassword } from '../auth/passwords';
import type { TenantsService } from '../tenants/tenants.service';
import { usersStore } from '../users/users.store';
import { displayNameOf, isE164, isEmail, normaliseEmail, normalisePhone, passwordProblem } from '../users/users.rules';

type Request = { email: string; displayName: string; password: string; phone: string | null };
const isObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);
const refuse = (code: string, field: string | null): RpcResult<'identity.borrower.register'> => ({ ok: false, code, field });

export function borrowerRegistrationRpc(orm: Orm, outbox: Outbox, tenants: TenantsService): RpcServerSpec[] {
  return [rpcMethod({
    method: 'identity.borrower.register',
    accepts: (d): d is Request => isObject(d) && typeof d.email === 'string' && typeof d.displayName === 'string' && typeof d.password === 'string'
      && (d.phone === null || typeof d.phone === 'string') && d.email.length <= 1000 && d.displayName.length <= 1000 && d.password.length <= 2048,
    handler: async (d, call) => {
      const [tenant] = await tenants.byIds([call.tenantId]);
      if (!tenant || tenant.status !== 'ACTIVE') return refuse('TENANT_INACTIVE', null);
      const email = normaliseEmail(d.email);
      if (!isEmail(email)) return refuse('INVALID_EMAIL', 'email');
      const phone = normalisePhone(d.phone);
      if (phone !== null && !isE164(phone)) return refuse('INVALID_PHONE', 'phone');
      const displayName = displayNameOf(d.displayName);
      if (displayName === null) return refuse('INVALID_DISPLAY_NAME', 'displayName');
      const weak = passwordProblem(d.password);
      if (weak) return refuse(weak.code, 'password');
      const passwordHash = await hashPassword(d.password);
      const id = crypto.randomUUID();
      try {
        return await inTenantTx(orm, { tenantId: tenant.id }, async (em) => {
          if (await usersStore.byEmail(em, email)) return refuse('EMAIL_TAKEN', 'email');
          await usersStore.insert(em, { id, tenantId: tenant.id, email, phone, displayName, roles: ['borrower'], passwordHash });
          await outbox.publish(em, 'identity.user.created', { userId: id, email, roles: ['borrower'] }, { tenantId: tenant.id, actor: call.actor, requestId: call.requestId });
          return { ok: true as const, data: { userId: id, email } };
        });
      } catch (e) {
        if (isUniqueViolation(e)) return refuse('EMAIL_TAKEN', 'email');
        throw e;
      }
    },
  })];
}
