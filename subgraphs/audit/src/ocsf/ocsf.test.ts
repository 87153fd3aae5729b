import crypto from 'node:crypto';
import { ocsfProblems } from '../../test/ocsf-validator';
import { auditIdForEvent, columnsOf, crudActivityOfVerb, fromEnvelope, fromRecord, maskText, PLATFORM_TENANT, redact, storableEnvelope, uuidV5, type AuditedEnvelope } from './index';

const tenant = crypto.randomUUID();
const envelope = (subject: string, data: Record<string, unknown>, over: Partial<AuditedEnvelope> = {}): AuditedEnvelope => ({
  id: crypto.randomUUID(), subject, tenantId: tenant, occurredAt: '2025-03-04T05:06:07.089Z',
  actor: { kind: 'system', userId: null }, requestId: 'req-12345678', data, ...over,
});
const map = (e: AuditedEnvelope) => fromEnvelope(e, { loggedAt: 1_741_000_000_000 });

describe('OCSF mapping of domain events', () => {
  test('a successful login becomes an Authentication Logon with status Success, performed by that user', () => {
    const userId = crypto.randomUUID();
    const o = map(envelope('identity.user.login_succeeded', { userId, email: 'ana@bank.test', ip: '10.1.2.3', userAgent: 'Mozilla/5.0' }));
    expect(o).toMatchObject({ class_uid: 3002, category_uid: 3, activity_id: 1, type_uid: 300201, status_id: 1, status: 'Success', time: Date.parse('2025-03-04T05:06:07.089Z') });
    expect(o.user).toMatchObject({ uid: userId, email_addr: 'ana@bank.test' });
    expect(o.actor.user?.uid).toBe(userId);
    expect(o.src_endpoint).toEqual({ ip: '10.1.2.3' });
    expect(o.metadata).toMatchObject({ version: '1.8.0', product: { name: 'Imagy', uid: 'imagy-identity' }, tenant_uid: tenant, correlation_uid: 'req-12345678' });
    expect(ocsfProblems(o)).toEqual([]);
  });

  test('a failed login is a Logon with status Failure and the reason as status detail', () => {
    const o = map(envelope('identity.user.login_failed', { email: 'eve@bank.test', userId: null, reason: 'BAD_CREDENTIALS', ip: null, userAgent: null }));
    expect(o).toMatchObject({ class_uid: 3002, activity_id: 1, status_id: 2, status: 'Failure', status_detail: 'BAD_CREDENTIALS' });
    expect(ocsfProblems(o)).toEqual([]);
  });

  test('a logout is an Authentication Logoff', () => {
    const o = map(envelope('identity.user.logged_out', { userId: crypto.randomUUID() }, { actor: { kind: 'user', userId: crypto.randomUUID() } }));
    expect(o).toMatchObject({ class_uid: 3002, activity_id: 2, type_uid: 300202 });
    expect(ocsfProblems(o)).toEqual([]);
  });

  test('user creation and lockout are Account Change Create and Lock with OCSF 1.x activity ids', () => {
    const created = map(envelope('identity.user.created', { userId: crypto.randomUUID(), email: 'bo@bank.test', roles: ['staff'] }));
    const locked = map(envelope('identity.user.locked', { userId: crypto.randomUUID(), email: 'bo@bank.test', until: '2025-03-04T06:00:00Z' }));
    expect(created).toMatchObject({ class_uid: 3001, activity_id: 1, type_uid: 300101 });
    expect(locked).toMatchObject({ class_uid: 3001, activity_id: 9, type_uid: 300109, severity_id: 3 });
    expect(ocsfProblems(created)).toEqual([]);
    expect(ocsfProblems(locked)).toEqual([]);
  });

  test('disabling and re-enabling a user are Account Change Disable and Enable, never an Entity Management update', () => {
    const userId = crypto.randomUUID();
    const admin = { actor: { kind: 'user' as const, userId: crypto.randomUUID() } };
    const disabled = map(envelope('identity.user.updated', { userId, changes: ['status'], status: 'DISABLED' }, admin));
    const enabled = map(envelope('identity.user.updated', { userId, changes: ['status'], status: 'ACTIVE' }, admin));
    const disabledSubject = map(envelope('identity.user.disabled', { userId, email: 'bo@bank.test' }, admin));
    const enabledSubject = map(envelope('identity.user.enabled', { userId, email: 'bo@bank.test' }, admin));
    for (const o of [disabled, disabledSubject]) {
      expect(o).toMatchObject({ class_uid: 3001, class_name: 'Account Change', activity_id: 5, activity_name: 'Disable', type_uid: 300105, type_name: 'Account Change: Disable', status_id: 1, user: { uid: userId } });
    }
    for (const o of [enabled, enabledSubject]) expect(o).toMatchObject({ class_uid: 3001, activity_id: 2, activity_name: 'Enable', type_uid: 300102 });
    for (const o of [disabled, enabled, disabledSubject, enabledSubject]) expect(ocsfProblems(o)).toEqual([]);
    // Resource columns point at the account, so a search by the user finds its disabling.
    expect(columnsOf(disabled)).toMatchObject({ classUid: 3001, activityId: 5, resourceType: 'user', resourceId: userId });
  });

  test('a disable that changed other fields in the same call is still a Disable, naming the other changes', () => {
    const o = map(envelope('identity.user.updated', { userId: crypto.randomUUID(), changes: ['displayName', 'status', 'password'], status: 'DISABLED' }));
    expect(o).toMatchObject({ class_uid: 3001, activity_id: 5 });
    expect(o.message).toContain('also changed: displayName, password');
    expect(ocsfProblems(o)).toEqual([]);
  });

  test('a status change whose new status is not given is an Account Change (Other), not an entity update', () => {
    const o = map(envelope('identity.user.updated', { userId: crypto.randomUUID(), changes: ['status'] }));
    expect(o).toMatchObject({ class_uid: 3001, activity_id: 99, activity_name: 'Other', type_uid: 300199, unmapped: { changes: ['status'] } });
    expect(ocsfProblems(o)).toEqual([]);
  });

  test('a lockout is Account Change Lock (9) and a failed logon of a locked account stays an Authentication failure', () => {
    const locked = map(envelope('identity.user.locked', { userId: crypto.randomUUID(), email: 'bo@bank.test', until: '2025-03-04T06:00:00Z' }));
    expect(locked).toMatchObject({ class_uid: 3001, activity_id: 9, activity_name: 'Lock', type_name: 'Account Change: Lock' });
    const refused = map(envelope('identity.user.login_failed', { email: 'bo@bank.test', userId: crypto.randomUUID(), reason: 'LOCKED', ip: null, userAgent: null }));
    expect(refused).toMatchObject({ class_uid: 3002, activity_id: 1, status_id: 2, status_detail: 'LOCKED' });
    for (const o of [locked, refused]) expect(ocsfProblems(o)).toEqual([]);
  });

  test('other user updates stay Entity Management updates', () => {
    const o = map(envelope('identity.user.updated', { userId: crypto.randomUUID(), changes: ['displayName', 'roles'] }));
    expect(o).toMatchObject({ class_uid: 3004, activity_id: 3 });
    expect(ocsfProblems(o)).toEqual([]);
  });

  test('the validator refuses an activity name that is not the published OCSF caption of its id', () => {
    const o = map(envelope('identity.user.locked', { userId: crypto.randomUUID(), email: 'bo@bank.test', until: '2025-03-04T06:00:00Z' }));
    expect(ocsfProblems({ ...o, activity_id: 8, type_uid: 300108 })).toEqual(expect.arrayContaining([expect.stringContaining('activity_name "Lock" != "Detach Policy"')]));
  });

  test('a user actor claims the event\'s tenant as organisation only when known to be one of its users', () => {
    const actor = { actor: { kind: 'user' as const, userId: crypto.randomUUID() } };
    const e = envelope('lending.product.created', { productId: 'p-1' }, actor);
    expect(fromEnvelope(e, { loggedAt: 1, actorInTenant: true }).actor.user).toEqual({ uid: actor.actor.userId, type_id: 1, type: 'User', org: { uid: tenant } });
    // A platform admin acting in the tenant is not of the tenant: no organisation rather than a wrong one.
    expect(fromEnvelope(e, { loggedAt: 1 }).actor.user).toEqual({ uid: actor.actor.userId, type_id: 1, type: 'User' });
    expect(ocsfProblems(fromEnvelope(e, { loggedAt: 1 }))).toEqual([]);
  });

  test('tenant events are Entity Management of a tenant entity, stored under that tenant even without an envelope tenant', () => {
    const tenantId = crypto.randomUUID();
    const o = map(envelope('identity.tenant.created', { tenantId, slug: 'acme', name: 'Acme Bank' }, { tenantId: null }));
    expect(o).toMatchObject({ class_uid: 3004, activity_id: 1, entity: { uid: tenantId, type: 'tenant', name: 'Acme Bank' }, metadata: { tenant_uid: tenantId } });
    expect(ocsfProblems(o)).toEqual([]);
  });

  test("a tenant's branding change is an Update of the tenant entity under that tenant", () => {
    const tenantId = crypto.randomUUID();
    const o = map(envelope('identity.tenant.branding_updated', { tenantId, slug: 'acme', changes: ['primaryColor', 'logoUrl'] }, { tenantId }));
    expect(o).toMatchObject({ class_uid: 3004, activity_id: 3, type_uid: 300403, entity: { uid: tenantId, type: 'tenant', name: 'acme' }, metadata: { tenant_uid: tenantId, event_code: 'identity.tenant.branding_updated' } });
    expect(o.message).toBe('Tenant acme branding updated (primaryColor, logoUrl)');
    expect(ocsfProblems(o)).toEqual([]);
  });

  test('unknown subjects map by their past-tense verb into Entity Management with the aggregate as entity type', () => {
    const id = crypto.randomUUID();
    const created = map(envelope('lending.application.created', { applicationId: id, amount: '1000.00' }));
    expect(created).toMatchObject({ class_uid: 3004, activity_id: 1, entity: { uid: id, type: 'application' }, metadata: { product: { uid: 'imagy-lending' } } });
    expect(map(envelope('sign.document.removed', { id })).activity_id).toBe(4);
    expect(map(envelope('flow.execution.updated', { id })).activity_id).toBe(3);
    const other = map(envelope('flow.execution.completed', { executionId: id }));
    expect(other).toMatchObject({ activity_id: 99, type_uid: 300499, activity_name: 'Other' });
    const failed = map(envelope('lending.payment.failed', { paymentId: id }));
    expect(failed.status_id).toBe(2);
    for (const o of [created, other, failed]) expect(ocsfProblems(o)).toEqual([]);
  });

  test('another producer\'s event with NUL or lone surrogates is still recorded, those characters replaced', () => {
    const e = storableEnvelope(envelope('lending.product.created', { productId: 'p\u0000-1', name: 'Plan \ud800 A', tags: ['x\u0000'], ['k\u0000']: 1 }, { requestId: 'req\u0000' }));
    const text = JSON.stringify(map(e));
    expect(text).not.toMatch(/\\u0000|\\ud800/i);
    expect(map(e)).toMatchObject({ entity: { uid: 'p\ufffd-1', name: 'Plan \ufffd A' }, metadata: { correlation_uid: 'req\ufffd' } });
  });

  test('events of no tenant are stored under the platform tenant', () => {
    expect(map(envelope('billing.plan.created', { planId: 'p1' }, { tenantId: null })).metadata.tenant_uid).toBe(PLATFORM_TENANT);
  });

  test('the verb table maps created, updated, deleted and removed to CRUD activities and anything else to Other', () => {
    expect(['created', 'updated', 'deleted', 'removed', 'read', 'approved'].map(crudActivityOfVerb)).toEqual([1, 3, 4, 4, 2, 99]);
  });
});

describe('explicit records', () => {
  const caller = { tenantId: tenant, userId: crypto.randomUUID(), kind: 'user' as const, roles: ['staff'], requestId: 'req-abcdefgh', ip: '192.0.2.10', userAgent: 'curl/8' };
  test('an API call record is a valid API Activity with actor, api.operation and src_endpoint', () => {
    const o = fromRecord({ kind: 'API_ACTIVITY', activity: 'READ', operation: 'exportBorrowerData', resourceType: 'borrower', resourceId: 'b-1' }, caller, { uid: crypto.randomUUID(), time: Date.now(), loggedAt: Date.now() });
    expect(o).toMatchObject({ class_uid: 6003, category_uid: 6, activity_id: 2, type_uid: 600302, api: { operation: 'exportBorrowerData' }, src_endpoint: { ip: '192.0.2.10' }, actor: { user: { uid: caller.userId } } });
    expect(ocsfProblems(o)).toEqual([]);
  });

  test('an entity change record is a valid Entity Management event whose data has secrets removed', () => {
    const o = fromRecord({ kind: 'ENTITY_MANAGEMENT', activity: 'UPDATE', operation: 'changeLimits', resourceType: 'product', resourceId: 'p-9', data: { apiKey: 'sk_live_abc', documentNumber: '12345678', note: 'ok' } }, caller, { uid: crypto.randomUUID(), time: Date.now(), loggedAt: Date.now() });
    expect(o.entity).toMatchObject({ uid: 'p-9', type: 'product', data: { apiKey: '[redacted]', documentNumber: '****5678', note: 'ok' } });
    expect(ocsfProblems(o)).toEqual([]);
  });
});

describe('masking', () => {
  test('tokens, passwords and id numbers in free text are masked while ids, dates, IPs and e-mails stay readable', () => {
    const jwt = 'eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.c2lnbmF0dXJlLXNpZ25hdHVyZQ';
    const id = crypto.randomUUID();
    const text = maskText(`user ana@bank.test from 10.0.0.1 at 2025-03-04T05:06:07Z sent ${jwt} password=hunter2 dni 12345678 card 4111 1111 1111 1111 about ${id}`);
    expect(text).not.toContain('hunter2');
    expect(text).not.toContain(jwt);
    expect(text).not.toContain('12345678');
    expect(text).not.toContain('4111 1111 1111 1111');
    expect(text).toContain('****5678');
    expect(text).toContain('****1111');
    for (const kept of ['ana@bank.test', '10.0.0.1', '2025-03-04T05:06:07Z', id]) expect(text).toContain(kept);
  });

  test('secret-looking keys are redacted at any depth', () => {
    expect(redact({ a: { password: 'x', nested: [{ refreshToken: 'y', ok: 1 }] } })).toEqual({ a: { password: '[redacted]', nested: [{ refreshToken: '[redacted]', ok: 1 }] } });
  });

  test('a login event never stores a bearer token found in its user agent', () => {
    const o = map(envelope('identity.user.login_succeeded', { userId: crypto.randomUUID(), email: 'a@b.test', ip: null, userAgent: 'bot Bearer abc.def.ghi' }));
    expect(JSON.stringify(o)).not.toContain('abc.def.ghi');
  });
});

describe('ids and columns', () => {
  test('audit ids derive deterministically from event ids as version 5 UUIDs', () => {
    const id = crypto.randomUUID();
    expect(auditIdForEvent(id)).toBe(auditIdForEvent(id.toUpperCase()));
    expect(auditIdForEvent(id)).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    // RFC 4122 appendix test vector: v5 of "www.example.com" in the DNS namespace.
    expect(uuidV5('www.example.com', '6ba7b810-9dad-11d1-80b4-00c04fd430c8')).toBe('2ed6657d-e927-568b-95e1-2665a8aea6a2');
  });

  test('filter columns come from the OCSF event: actor, resource and searchable words', () => {
    const userId = crypto.randomUUID();
    const c = columnsOf(map(envelope('identity.user.created', { userId, email: 'zoe@bank.test', roles: [] }, { actor: { kind: 'user', userId: 'admin-1' } })));
    expect(c).toMatchObject({ classUid: 3001, actorUserId: 'admin-1', resourceType: 'user', resourceId: userId });
    expect(c.searchText).toContain('zoe bank test');
  });
});
