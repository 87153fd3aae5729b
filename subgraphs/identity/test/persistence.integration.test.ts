/**
 * The entity layer runs inside the tenant-scoped transaction: entity reads are filtered by RLS like
 * SQL, and entity writes commit or roll back with the transaction they were made in.
 */
import crypto from 'node:crypto';
import { inTenantTx } from '@imagy/platform/db';
import { usersStore } from '../src/users/users.store';
import { startHarness, type Harness } from './harness';

describe('identity: entities share the tenant-scoped transaction', () => {
  let h: Harness;
  let a: Awaited<ReturnType<Harness['newTenant']>>;
  let b: Awaited<ReturnType<Harness['newTenant']>>;

  beforeAll(async () => {
    h = await startHarness('idpersist');
    a = await h.newTenant('persist-a');
    b = await h.newTenant('persist-b');
  });
  afterAll(async () => { await h?.close(); });

  test('an entity query in tenant A\'s transaction runs on its connection, with its tenant set, and finds none of tenant B\'s users', async () => {
    const seen = await inTenantTx(h.identity.orm, { tenantId: a.tenantId }, async (em) => {
      const [setting] = await em.execute<{ tenant: string }[]>(`select current_setting('app.tenant_id', true) as tenant`);
      return { inTx: em.isInTransaction(), tenant: setting!.tenant, users: await usersStore.byIds(em, [a.adminId, b.adminId]) };
    });
    expect(seen.inTx).toBe(true);
    expect(seen.tenant).toBe(a.tenantId);
    expect(seen.users.map((u) => u.id)).toEqual([a.adminId]);
  });

  test('an entity written in a transaction that then fails is rolled back with it', async () => {
    const id = crypto.randomUUID();
    await expect(inTenantTx(h.identity.orm, { tenantId: a.tenantId }, async (em) => {
      await usersStore.insert(em, { id, tenantId: a.tenantId, email: 'rolled-back@example.test', phone: null, displayName: 'Gone', roles: ['staff'], passwordHash: 'x' });
      throw new Error('fails after the flush');
    })).rejects.toThrow('fails after the flush');
    expect(await h.adminSql('select id from identity.users where id = $1', [id])).toEqual([]);
  });

  test('RLS refuses an entity written with another tenant\'s id', async () => {
    const id = crypto.randomUUID();
    await expect(inTenantTx(h.identity.orm, { tenantId: a.tenantId }, (em) =>
      usersStore.insert(em, { id, tenantId: b.tenantId, email: 'smuggled@example.test', phone: null, displayName: 'Smuggled', roles: ['staff'], passwordHash: 'x' }))).rejects.toThrow(/row-level security/);
    expect(await h.adminSql('select id from identity.users where id = $1', [id])).toEqual([]);
  });
});
