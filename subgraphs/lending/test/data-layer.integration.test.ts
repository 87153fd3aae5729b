/**
 * The products store uses MikroORM entities and the unit of work: these tests prove that what the
 * ORM sends runs on the tenant-scoped transaction `inTenantTx` opened (same connection, same
 * `app.tenant_id`), so RLS holds for entities exactly as for the hand-written SQL of the other stores.
 */
import { inTenantTx } from '@imagy/platform/db';
import * as products from '../src/products/products.store';
import { startHarness, TERMS, type Harness } from './harness';
import { normaliseTerms } from '../src/products/terms';

describe('lending data layer: entities run inside the tenant transaction', () => {
  let h: Harness;
  let tenantA: string;
  let tenantB: string;
  const terms = () => {
    const n = normaliseTerms({ ...TERMS, frequency: 'MONTHLY', interestMethod: 'DECLINING_EQUAL_INSTALLMENTS', dayCount: 'THIRTY_360' }, 'MXN');
    if (!n.terms) throw new Error(JSON.stringify(n.userErrors));
    return n.terms;
  };
  beforeAll(async () => {
    h = await startHarness('lenddata');
    tenantA = await h.tenant('data-a');
    tenantB = await h.tenant('data-b');
  });
  afterAll(async () => { await h?.close(); });

  test('an entity flushed in the transaction is visible to its raw SQL at once, to nobody else before commit, and rolls back with it', async () => {
    const orm = h.lending.orm;
    let seenOutside: unknown[] = ['not checked'];
    await expect(inTenantTx(orm, { tenantId: tenantA }, async (em) => {
      const created = await products.insertProduct(em, { tenantId: tenantA, code: 'UOW', name: 'Unit of work', currency: 'MXN', terms: terms(), userId: tenantA });
      expect(created?.product).toMatchObject({ code: 'UOW', status: 'ACTIVE' });
      // Same connection and tenant setting: the raw statement sees the uncommitted row the ORM inserted.
      const raw = await em.execute<{ code: string; tenant: string }[]>(`select code, current_setting('app.tenant_id') as tenant from credit_products where id = ?`, [created!.product.id]);
      expect(raw).toEqual([{ code: 'UOW', tenant: tenantA }]);
      seenOutside = await h.adminSql('select id from lending.credit_products where id = $1', [created!.product.id]);
      throw new Error('roll back');
    })).rejects.toThrow('roll back');
    expect(seenOutside).toEqual([]);
    expect(await h.adminSql(`select id from lending.credit_products where code = 'UOW'`)).toEqual([]);
  });

  test('RLS applies to entity reads and writes: another tenant finds nothing and cannot write the row; no tenant sees nothing', async () => {
    const orm = h.lending.orm;
    const created = await inTenantTx(orm, { tenantId: tenantA }, (em) => products.insertProduct(em, { tenantId: tenantA, code: 'MINE', name: 'Mine', currency: 'MXN', terms: terms(), userId: tenantA }));
    const id = created!.product.id;
    expect(await inTenantTx(orm, { tenantId: tenantA }, (em) => products.productsByIds(em, [id]))).toHaveLength(1);
    expect(await inTenantTx(orm, { tenantId: tenantB }, (em) => products.productsByIds(em, [id]))).toEqual([]);
    expect(await inTenantTx(orm, { tenantId: null }, (em) => products.listProducts(em, null, 100))).toEqual([]);
    expect(await inTenantTx(orm, { tenantId: tenantB }, (em) => products.versionsOfProducts(em, [id]))).toEqual([]);
    // Tenant B writing a row that claims tenant A: the policy's WITH CHECK refuses the ORM's insert.
    await expect(inTenantTx(orm, { tenantId: tenantB }, (em) => products.insertProduct(em, { tenantId: tenantA, code: 'PLANT', name: 'Plant', currency: 'MXN', terms: terms(), userId: tenantB })))
      .rejects.toThrow(/row-level security/);
    expect(await h.adminSql(`select id from lending.credit_products where code = 'PLANT'`)).toEqual([]);
  });
});
