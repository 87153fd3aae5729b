/**
 * Bounds that keep lending's data storable and its jobs runnable (hardening): amounts beyond what
 * the money columns hold, a first due date years after disbursement, and a delinquency run for a
 * date so old that every later run would be refused as too long a catch-up.
 */
import { APPROVE, BOOK, CREATE_PRODUCT, PAY, publishedProduct, REQUEST_PUBLICATION, startHarness, TERMS, uuid, type Harness } from './harness';

// The tenants of this file keep their books in UTC, so their business date is the UTC date whatever
// the hour (with the default America/Mexico_City, 'today in UTC' is a refused future date from 00:00
// to 06:00 UTC: seen in CI).
const todayUtc = () => new Date().toISOString().slice(0, 10);
const addDays = (d: string, n: number) => new Date(Date.parse(`${d}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
const RUN = `mutation($input: RunDelinquencyInput!) { runDelinquency(input: $input) { runs { businessDate alreadyRun } userErrors { code message field } } }`;
const TERMS_Q = `query($id: ID!) { creditProduct(id: $id) { versions { id terms { maxAmount maxDaysToFirstDue } } } }`;

describe('lending limits: storable amounts, first due dates, delinquency dates', () => {
  let h: Harness;
  let tenant: string;
  let admin: string;
  const written = async () => (await h.adminSql<{ p: number; v: number; c: number; pay: number; runs: number }>(
    `select (select count(*) from lending.credit_products)::int as p, (select count(*) from lending.product_versions)::int as v, (select count(*) from lending.credits)::int as c,
            (select count(*) from lending.payments)::int as pay, (select count(*) from lending.delinquency_runs)::int as runs`))[0]!;
  const create = async (code: string, terms: Record<string, unknown>) => (await h.call(CREATE_PRODUCT, { input: { code, name: code, currency: 'MXN', terms } }, admin)).data.createCreditProduct;

  beforeAll(async () => {
    h = await startHarness('lendlimits');
    tenant = await h.tenant('limits', { timezone: 'UTC' });
    admin = await h.token(tenant, ['tenant_admin', 'portfolio_manager']);
  });
  afterAll(async () => { await h?.close(); });

  test('a product may not offer more than 1000000000000: the field is named, the bound given, and nothing is written', async () => {
    const before = await written();
    const tooMuch = await create('HUGE', { ...TERMS, maxAmount: '99999999999999999999' });
    expect(tooMuch.userErrors).toEqual([{ code: 'AMOUNT_OUT_OF_RANGE', field: 'terms.maxAmount', message: 'The amount must be between 0.01 and 1000000000000.00 MXN.' }]);
    expect((await create('HUGE', { ...TERMS, minAmount: '1000000000000.01', maxAmount: '1000000000000.01' })).userErrors.map((e: any) => `${e.code}:${e.field}`))
      .toEqual(['AMOUNT_OUT_OF_RANGE:terms.minAmount', 'AMOUNT_OUT_OF_RANGE:terms.maxAmount']);
    expect((await create('HUGE', { ...TERMS, fees: [{ code: 'BIG', kind: 'FIXED', value: '90000000000000000000', charge: 'FINANCED' }] })).userErrors.map((e: any) => `${e.code}:${e.field}`))
      .toEqual(['INVALID_FEE:terms.fees.0.value']);
    expect((await create('HUGE', { ...TERMS, installmentMultipleOf: '90000000000000000000' })).userErrors.map((e: any) => `${e.code}:${e.field}`))
      .toEqual(['INVALID_TERMS:terms.installmentMultipleOf']);
    expect(await written()).toEqual(before);
    const atTheBound = await create('LARGEST', { ...TERMS, maxAmount: '1000000000000' });
    expect(atTheBound.userErrors).toEqual([]);
  });

  test('a version saved before the bound cannot book or simulate more than it: a typed userError, never an overflow', async () => {
    // A draft whose stored terms predate the bound (drafts may be edited in SQL; published terms may not).
    const created = await create('OLDBIG', { ...TERMS, latePenalty: { kind: 'DAILY_RATE', rate: '100', graceDays: 0 } });
    await h.adminSql(`update lending.product_versions set terms = terms || '{"maxAmount": "99999999999999999999"}' where id = $1`, [created.version.id]);
    const cr = await h.call(REQUEST_PUBLICATION, { input: { versionId: created.version.id } }, admin);
    await h.call(APPROVE, { input: { id: cr.data.requestPublication.changeRequest.id } }, await h.token(tenant, ['product_checker']));
    const before = await written();
    const borrowerId = await h.user(tenant);
    const booked = await h.call(BOOK, { input: { productId: created.product.id, borrowerId, principal: '99999999999999999999', term: 12, disbursedAt: '2025-01-15', idempotencyKey: uuid() } }, admin);
    expect(booked.errors).toBeUndefined();
    expect(booked.data.bookCredit.userErrors).toEqual([{ code: 'AMOUNT_OUT_OF_RANGE', field: 'principal', message: 'The amount must be between 1000.00 and 1000000000000.00 MXN.' }]);
    const sim = await h.call(`query($input: SimulateCreditInput!) { simulateCredit(input: $input) { userErrors { code field } } }`,
      { input: { tenantSlug: 'limits', productCode: 'OLDBIG', amount: '99999999999999999999', term: 12 } });
    expect(sim.data.simulateCredit.userErrors).toEqual([{ code: 'AMOUNT_OUT_OF_RANGE', field: 'amount' }]);
    expect(await written()).toEqual(before);

    // The largest loan books, and a payment of 24 digits is refused as more than the payoff.
    const largest = await h.call(BOOK, { input: { productId: created.product.id, borrowerId, principal: '1000000000000', term: 12, disbursedAt: '2025-01-15', idempotencyKey: uuid() } }, admin);
    expect(largest.data.bookCredit.userErrors).toEqual([]);
    const paid = await h.call(PAY, { input: { creditId: largest.data.bookCredit.credit.id, amount: '999999999999999999999999', paidAt: '2025-02-15', channel: 'SPEI', idempotencyKey: uuid() } }, admin);
    expect(paid.errors).toBeUndefined();
    expect(paid.data.registerPayment.userErrors.map((e: any) => `${e.code}:${e.field}`)).toEqual(['AMOUNT_EXCEEDS_PAYOFF:amount']);

    // An installment whose outstanding reached 10^15 stops accruing penalties (the daily 100 % would
    // overflow numeric(20,4) and fail the tenant's whole run); the others keep accruing.
    const creditId = largest.data.bookCredit.credit.id;
    await h.adminSql(`update lending.installments set penalty_due = 9999900000000000 where credit_id = $1 and number = 1`, [creditId]);
    const run = await h.call(RUN, { input: { businessDate: todayUtc() } }, admin);
    expect(run.data.runDelinquency.userErrors).toEqual([]);
    const rows = await h.adminSql(`select number, penalty_due::text as penalty from lending.installments where credit_id = $1 and number in (1, 2) order by number`, [creditId]);
    expect(rows[0].penalty).toBe('9999900000000000.0000');
    expect(Number(rows[1].penalty)).toBeGreaterThan(0);
  });

  test('a first due date is at most the product\'s maxDaysToFirstDue after disbursement (default 90)', async () => {
    const { productId } = await publishedProduct(h, tenant, 'FIRSTDUE');
    const shown = await h.call(TERMS_Q, { id: productId }, admin);
    expect(shown.data.creditProduct.versions[0].terms.maxDaysToFirstDue).toBe(90);
    const borrowerId = await h.user(tenant);
    const before = await written();
    const book = (firstDueDate: string) => h.call(BOOK, { input: { productId, borrowerId, principal: '12000', term: 12, disbursedAt: '2025-01-15', firstDueDate, idempotencyKey: uuid() } }, admin);
    for (const late of ['2025-04-16', '2031-01-15']) {
      const r = await book(late);
      expect(r.data.bookCredit.userErrors).toEqual([{ code: 'INVALID_DATE', field: 'firstDueDate', message: 'The date must be a real date YYYY-MM-DD from 2025-01-16 to 2025-04-15.' }]);
    }
    expect((await book('2025-01-15')).data.bookCredit.userErrors.map((e: any) => e.code)).toEqual(['INVALID_DATE']);
    expect(await written()).toEqual(before);
    const ok = await book('2025-04-15');
    expect(ok.data.bookCredit.userErrors).toEqual([]);
    expect(ok.data.bookCredit.credit.schedule[0].dueDate).toBe('2025-04-15');

    const strict = await publishedProduct(h, tenant, 'STRICT', { ...TERMS, maxDaysToFirstDue: 40 });
    const r = await h.call(BOOK, { input: { productId: strict.productId, borrowerId, principal: '12000', term: 12, disbursedAt: '2025-01-15', firstDueDate: '2025-02-25', idempotencyKey: uuid() } }, admin);
    expect(r.data.bookCredit.userErrors).toEqual([expect.objectContaining({ code: 'INVALID_DATE', field: 'firstDueDate', message: 'The date must be a real date YYYY-MM-DD from 2025-01-16 to 2025-02-24.' })]);
    for (const days of [10, 367]) {
      expect((await create('BADDUE', { ...TERMS, maxDaysToFirstDue: days })).userErrors.map((e: any) => `${e.code}:${e.field}`)).toEqual(['INVALID_TERMS:terms.maxDaysToFirstDue']);
    }
    // A version saved before the setting existed reads (and books) with the default.
    const draft = await create('LEGACY', TERMS);
    await h.adminSql(`update lending.product_versions set terms = terms - 'maxDaysToFirstDue' where id = $1`, [draft.version.id]);
    const legacy = await h.call(TERMS_Q, { id: draft.product.id }, admin);
    expect(legacy.data.creditProduct.versions[0].terms.maxDaysToFirstDue).toBe(90);
  });

  test('runDelinquency for year 0001 is refused and writes nothing; a run years back does not make later runs a refused catch-up', async () => {
    const fresh = await h.tenant('limits-dq', { timezone: 'UTC' });
    const mgr = await h.token(fresh, ['portfolio_manager']);
    const before = await written();
    const year1 = await h.call(RUN, { input: { businessDate: '0001-01-01' } }, mgr);
    expect(year1.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(year1.data).toBeUndefined();
    expect(await written()).toEqual(before);

    // The oldest date the scalar lets through, as a first run: nothing is overdue then, and the next
    // normal run starts where something can happen instead of refusing 46,000 days of catch-up.
    const today = todayUtc();
    expect((await h.call(RUN, { input: { businessDate: '1900-01-02' } }, mgr)).data.runDelinquency).toEqual({ runs: [{ businessDate: '1900-01-02', alreadyRun: false }], userErrors: [] });
    expect((await h.call(RUN, { input: {} }, mgr)).data.runDelinquency).toEqual({ runs: [{ businessDate: today, alreadyRun: false }], userErrors: [] });
    expect((await h.call(RUN, { input: {} }, mgr)).data.runDelinquency).toEqual({ runs: [{ businessDate: today, alreadyRun: true }], userErrors: [] });

    // With a credit overdue since its first due date, the catch-up covers exactly the days since then.
    const other = await h.tenant('limits-dq2', { timezone: 'UTC' });
    const staff = await h.token(other, ['portfolio_manager', 'tenant_admin']);
    const { productId } = await publishedProduct(h, other, 'DQ', { ...TERMS, latePenalty: { kind: 'DAILY_RATE', rate: '0.1', graceDays: 0 } });
    const booked = await h.call(BOOK, { input: { productId, borrowerId: await h.user(other), principal: '12000', term: 12, disbursedAt: addDays(today, -45), idempotencyKey: uuid() } }, staff);
    const firstDue: string = booked.data.bookCredit.credit.schedule[0].dueDate;
    expect((await h.call(RUN, { input: { businessDate: '1900-01-02' } }, staff)).data.runDelinquency.userErrors).toEqual([]);
    const caught = (await h.call(RUN, { input: {} }, staff)).data.runDelinquency;
    expect(caught.userErrors).toEqual([]);
    expect(caught.runs.map((r: any) => r.businessDate)).toEqual(Array.from({ length: Math.round((Date.parse(today) - Date.parse(firstDue)) / 86_400_000) }, (_, i) => addDays(firstDue, i + 1)));
  });
});
