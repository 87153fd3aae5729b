/**
 * bookCredit hardening: the borrower must be a user of the tenant (lending's user directory, fed
 * by identity.user.created), and an idempotency key makes a retry return the first credit instead
 * of booking it twice.
 */
import { BOOK, publishedProduct, startHarness, uuid, type Harness } from './harness';

describe('lending: bookCredit refuses unknown borrowers and is idempotent', () => {
  let h: Harness;
  let tenantA: string;
  let tenantB: string;
  let productId: string;
  let staff: string;
  const counts = async () => (await h.adminSql<{ credits: number; installments: number; events: number }>(
    `select (select count(*) from lending.credits)::int as credits, (select count(*) from lending.installments)::int as installments,
            (select count(*) from lending.outbox where subject = 'lending.credit.disbursed')::int as events`))[0]!;
  const book = async (input: Record<string, unknown>) => {
    const r = await h.call(BOOK, { input: { productId, principal: '12000.00', term: 12, disbursedAt: '2025-01-15', ...input } }, staff);
    if (r.errors) throw new Error(JSON.stringify(r.errors));
    return r.data.bookCredit;
  };

  beforeAll(async () => {
    h = await startHarness('lendbook');
    tenantA = await h.tenant('book-a');
    tenantB = await h.tenant('book-b');
    productId = (await publishedProduct(h, tenantA, 'PERSONAL')).productId;
    staff = await h.token(tenantA, ['portfolio_manager']);
  });
  afterAll(async () => { await h?.close(); });

  test('a borrower lending never heard of, or a user of another tenant, is BORROWER_NOT_FOUND and nothing is written; once identity announces the user the same key books', async () => {
    const before = await counts();
    const key = uuid();
    const stranger = uuid();
    expect(await book({ borrowerId: stranger, idempotencyKey: key })).toEqual({ replayed: false, credit: null, userErrors: [expect.objectContaining({ code: 'BORROWER_NOT_FOUND', field: 'borrowerId' })] });
    const otherTenantsUser = await h.user(tenantB);
    expect((await book({ borrowerId: otherTenantsUser, idempotencyKey: uuid() })).userErrors).toEqual([expect.objectContaining({ code: 'BORROWER_NOT_FOUND', field: 'borrowerId' })]);
    expect(await counts()).toEqual(before);

    await h.user(tenantA, stranger);
    const booked = await book({ borrowerId: stranger, idempotencyKey: key });
    expect(booked.userErrors).toEqual([]);
    expect(booked).toMatchObject({ replayed: false, credit: { status: 'ACTIVE', principal: '12000.00' } });
  });

  test('the same key and input answer the first credit again (replayed), however the amount is written; nothing is booked or announced twice', async () => {
    const borrowerId = await h.user(tenantA);
    const key = `legacy-${uuid()}`;
    const first = await book({ borrowerId, idempotencyKey: key, externalReference: 'L-1' });
    expect(first.userErrors).toEqual([]);
    const after = await counts();
    const again = await book({ borrowerId, idempotencyKey: key, externalReference: 'L-1', principal: '12000' });
    expect(again).toEqual({ ...first, replayed: true });
    expect(await counts()).toEqual(after);
    const events = await h.adminSql(`select 1 from lending.outbox where subject = 'lending.credit.disbursed' and envelope->'data'->>'creditId' = $1`, [first.credit.id]);
    expect(events).toHaveLength(1);
  });

  test('the same key with other input is IDEMPOTENCY_KEY_REUSED, an empty key INVALID_IDEMPOTENCY_KEY, and neither writes anything', async () => {
    const borrowerId = await h.user(tenantA);
    const key = uuid();
    expect((await book({ borrowerId, idempotencyKey: key })).userErrors).toEqual([]);
    const before = await counts();
    expect((await book({ borrowerId, idempotencyKey: key, principal: '13000.00' })).userErrors).toEqual([expect.objectContaining({ code: 'IDEMPOTENCY_KEY_REUSED', field: 'idempotencyKey' })]);
    expect((await book({ borrowerId, idempotencyKey: key, term: 24 })).userErrors).toEqual([expect.objectContaining({ code: 'IDEMPOTENCY_KEY_REUSED', field: 'idempotencyKey' })]);
    expect((await book({ borrowerId, idempotencyKey: '  ' })).userErrors).toEqual([expect.objectContaining({ code: 'INVALID_IDEMPOTENCY_KEY', field: 'idempotencyKey' })]);
    expect((await book({ borrowerId, idempotencyKey: 'x'.repeat(201) })).userErrors).toEqual([expect.objectContaining({ code: 'INVALID_IDEMPOTENCY_KEY', field: 'idempotencyKey' })]);
    expect(await counts()).toEqual(before);
    // Keys are per tenant: tenant B may use the same key for its own booking.
    const productB = (await publishedProduct(h, tenantB, 'PERSONAL')).productId;
    const r = await h.call(BOOK, { input: { productId: productB, borrowerId: await h.user(tenantB), principal: '12000.00', term: 12, disbursedAt: '2025-01-15', idempotencyKey: key } }, await h.token(tenantB, ['portfolio_manager']));
    expect(r.data.bookCredit).toMatchObject({ replayed: false, userErrors: [] });
  });

  test('five parallel retries with one key book one credit and all answer it', async () => {
    const borrowerId = await h.user(tenantA);
    const before = await counts();
    const key = uuid();
    const answers = await Promise.all(Array.from({ length: 5 }, () => book({ borrowerId, idempotencyKey: key })));
    expect(answers.every((a) => a.userErrors.length === 0)).toBe(true);
    expect(new Set(answers.map((a) => a.credit.id)).size).toBe(1);
    expect(answers.filter((a) => !a.replayed)).toHaveLength(1);
    const after = await counts();
    expect(after).toEqual({ credits: before.credits + 1, installments: before.installments + 12, events: before.events + 1 });
  });

  test('the user directory keeps one row per user however often identity\'s event arrives, and only its tenant sees it', async () => {
    const userId = await h.user(tenantA);
    await h.user(tenantA, userId);
    expect(await h.adminSql('select tenant_id from lending.users where id = $1', [userId])).toEqual([{ tenant_id: tenantA }]);
    const asB = await h.call(BOOK, { input: { productId, borrowerId: userId, principal: '12000.00', term: 12, disbursedAt: '2025-01-15', idempotencyKey: uuid() } }, await h.token(tenantB, ['portfolio_manager']));
    // Tenant B cannot see tenant A's product either: the product check comes first.
    expect(asB.data.bookCredit.userErrors).toEqual([expect.objectContaining({ code: 'PRODUCT_NOT_FOUND' })]);
  });
});
