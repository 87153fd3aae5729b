import { withSqlClient } from '@imagy/platform/testing';
import { withUser } from '@imagy/platform/db';
import { BOOK, PAY, publishedProduct, startHarness, TERMS, uuid, type Harness } from './harness';

const money = (s: string) => Math.round(Number(s) * 100);
const sumOf = (xs: string[]) => xs.reduce((s, x) => s + money(x), 0);

describe('lending: credits, payments and delinquency through GraphQL', () => {
  let h: Harness;
  let tenantA: string;
  let tenantB: string;
  let product: { productId: string; versionId: string; maker: string };
  let staff: string;
  const borrower = uuid();

  const book = async (input: Record<string, unknown>, token = staff) => {
    const r = await h.call(BOOK, { input: { productId: product.productId, borrowerId: borrower, principal: '12000.00', term: 12, disbursedAt: '2025-01-15', idempotencyKey: uuid(), ...input } }, token);
    if (r.errors) throw new Error(JSON.stringify(r.errors));
    return r.data.bookCredit;
  };
  const pay = async (creditId: string, amount: string, paidAt: string, key: string = uuid(), token = staff) => {
    const r = await h.call(PAY, { input: { creditId, amount, paidAt, channel: 'spei', externalReference: `ref-${key}`, idempotencyKey: key } }, token);
    if (r.errors) throw new Error(JSON.stringify(r.errors));
    return r.data.registerPayment;
  };

  beforeAll(async () => {
    h = await startHarness('lendcred');
    tenantA = await h.tenant('cred-a');
    tenantB = await h.tenant('cred-b');
    product = await publishedProduct(h, tenantA, 'PERSONAL');
    staff = await h.token(tenantA, ['portfolio_manager']);
    await h.user(tenantA, borrower);
  });
  afterAll(async () => { await h?.close(); });

  test('staff book a credit pinned to the published version, with its schedule, and lending.credit.disbursed is announced', async () => {
    const r = await book({ externalReference: 'legacy-001' });
    expect(r.userErrors).toEqual([]);
    const c = r.credit;
    expect(c).toMatchObject({ status: 'ACTIVE', principal: '12000.00', currency: 'MXN', numberOfInstallments: 12, installmentAmount: '1066.19', disbursedAt: '2025-01-15', version: { id: product.versionId, number: 1 } });
    expect(c.schedule[0]).toMatchObject({ number: 1, dueDate: '2025-02-15', interestDue: '120.00', principalDue: '946.19', totalDue: '1066.19' });
    expect(sumOf(c.schedule.map((i: any) => i.principalDue))).toBe(1200000);
    const rows = await h.adminSql(`select principal_due::text from lending.installments where credit_id = $1 and number = 1`, [c.id]);
    expect(rows[0].principal_due).toBe('946.1900');
    const events = await h.adminSql(`select envelope->'data' as data from lending.outbox where subject = 'lending.credit.disbursed'`);
    expect(events.map((e) => e.data)).toContainEqual(expect.objectContaining({ creditId: c.id, borrowerId: borrower, principal: '12000.00', currency: 'MXN', source: 'BOOKED' }));
  });

  test('bad bookings get userErrors and write nothing; borrowers cannot book', async () => {
    const before = await h.adminSql('select (select count(*) from lending.credits)::int as c, (select count(*) from lending.installments)::int as i');
    const r = await book({ principal: '12000.001', term: 99, disbursedAt: '2999-01-01' });
    expect(r.userErrors.map((e: any) => `${e.code}:${e.field}`).sort()).toEqual(['INVALID_AMOUNT:principal', 'INVALID_DATE:disbursedAt', 'TERM_OUT_OF_RANGE:term']);
    expect((await book({ principal: '999999' })).userErrors.map((e: any) => e.code)).toEqual(['AMOUNT_OUT_OF_RANGE']);
    expect((await book({ principal: '-5' })).userErrors.map((e: any) => e.code)).toEqual(['INVALID_AMOUNT']);
    const borrowerToken = await h.token(tenantA, ['borrower'], borrower);
    const forbidden = await h.call(BOOK, { input: { productId: product.productId, borrowerId: borrower, principal: '5000', term: 12, disbursedAt: '2025-01-15', idempotencyKey: uuid() } }, borrowerToken);
    expect(forbidden.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(await h.adminSql('select (select count(*) from lending.credits)::int as c, (select count(*) from lending.installments)::int as i')).toEqual(before);
  });

  test('an installment payment, a partial payment, a prepayment that shortens the term and a payoff, then nothing more', async () => {
    const { credit } = await book({});
    const first = await pay(credit.id, '1066.19', '2025-02-15');
    expect(first.userErrors).toEqual([]);
    expect(first.payment).toMatchObject({ amount: '1066.19', interest: '120.00', principal: '946.19', prepaidPrincipal: '0.00', status: 'APPLIED' });
    expect(first.credit.schedule[0]).toMatchObject({ status: 'PAID', outstanding: '0.00' });

    const partial = await pay(credit.id, '500.00', '2025-03-15');
    expect(partial.payment).toMatchObject({ interest: '110.54', principal: '389.46' });
    expect(partial.credit.schedule[1]).toMatchObject({ interestPaid: '110.54', principalPaid: '389.46', outstanding: '566.19' });

    const prepay = await pay(credit.id, '2566.19', '2025-03-20');
    expect(prepay.userErrors).toEqual([]);
    expect(prepay.payment).toMatchObject({ prepaidPrincipal: '2000.00', principal: '2566.19' });
    const s = prepay.credit.schedule;
    expect(prepay.credit.numberOfInstallments).toBeLessThan(12);
    expect(prepay.credit.installmentAmount).toBe('1066.19');
    expect(s[2]).toMatchObject({ number: 3, dueDate: '2025-04-15' });
    const outstandingPrincipal = prepay.credit.outstanding.principal;
    expect(money(outstandingPrincipal)).toBe(1200000 - 94619 - 94619 - 200000 + (94619 - (106619 - 11054)));
    expect(sumOf(s.map((i: any) => i.principalDue))).toBe(1200000 - 200000);

    // The payoff on 2025-03-25 is the principal plus 10 days (30E/360) of interest accrued since the
    // last due date (2025-03-15): the payoff quote's total.
    const QUOTE = `query($creditId: ID!, $date: Date!) { payoffQuote(creditId: $creditId, date: $date) { quote { principal accruedInterest accruedFrom total } userErrors { code } } }`;
    const quote = (await h.call(QUOTE, { creditId: credit.id, date: '2025-03-25' }, staff)).data.payoffQuote.quote;
    expect(quote.principal).toBe(outstandingPrincipal);
    expect(quote.accruedFrom).toBe('2025-03-15');
    expect(money(quote.accruedInterest)).toBe(Math.round(money(outstandingPrincipal) * 0.01 * 10 / 30));
    expect(money(quote.total)).toBe(money(outstandingPrincipal) + money(quote.accruedInterest));
    const principalOnly = await pay(credit.id, outstandingPrincipal, '2025-03-25');
    expect(principalOnly.userErrors.map((e: any) => e.code)).toEqual(['PAYOFF_AMOUNT_REQUIRED']);
    const tooMuch = await pay(credit.id, (Number(quote.total) + 0.01).toFixed(2), '2025-03-25');
    expect(tooMuch.userErrors.map((e: any) => e.code)).toEqual(['AMOUNT_EXCEEDS_PAYOFF']);
    const payoff = await pay(credit.id, quote.total, '2025-03-25');
    expect(payoff.userErrors).toEqual([]);
    expect(payoff.credit).toMatchObject({ status: 'PAID_OFF', outstanding: { principal: '0.00', total: '0.00' } });
    const after = await pay(credit.id, '10.00', '2025-03-26');
    expect(after.userErrors.map((e: any) => e.code)).toEqual(['CREDIT_PAID_OFF']);
    const events = await h.adminSql(`select subject from lending.outbox where envelope->'data'->>'creditId' = $1 order by created_at`, [credit.id]);
    expect(events.map((e) => e.subject)).toEqual(['lending.credit.disbursed', 'lending.payment.received', 'lending.payment.received', 'lending.payment.received', 'lending.payment.received', 'lending.credit.paid_off']);
  });

  test('REDUCE_INSTALLMENT keeps the number of installments and lowers the installment', async () => {
    const p = await publishedProduct(h, tenantA, 'REDUCE-EMI', { ...TERMS, prepaymentRule: 'REDUCE_INSTALLMENT' });
    const r = await h.call(BOOK, { input: { productId: p.productId, borrowerId: borrower, principal: '12000', term: 12, disbursedAt: '2025-01-15', idempotencyKey: uuid() } }, staff);
    const credit = r.data.bookCredit.credit;
    const paid = await pay(credit.id, '3066.19', '2025-02-15');
    expect(paid.payment.prepaidPrincipal).toBe('2000.00');
    expect(paid.credit.numberOfInstallments).toBe(12);
    expect(money(paid.credit.installmentAmount)).toBeLessThan(106619);
    expect(sumOf(paid.credit.schedule.map((i: any) => i.principalDue))).toBe(1200000 - 200000);
  });

  test('the same idempotency key applies once and returns the first result; another payload with it is refused', async () => {
    const { credit } = await book({});
    const key = `key-${uuid()}`;
    const a = await pay(credit.id, '300.00', '2025-02-15', key);
    const b = await pay(credit.id, '300.00', '2025-02-15', key);
    expect(a.replayed).toBe(false);
    expect(b.replayed).toBe(true);
    expect(b.payment.id).toBe(a.payment.id);
    const c = await pay(credit.id, '301.00', '2025-02-15', key);
    expect(c.userErrors.map((e: any) => e.code)).toEqual(['IDEMPOTENCY_KEY_REUSED']);
    const same = await Promise.all(Array.from({ length: 5 }, () => pay(credit.id, '50.00', '2025-02-15', 'parallel-key')));
    expect(new Set(same.map((x) => x.payment.id)).size).toBe(1);
    const rows = await h.adminSql(`select amount::text from lending.payments where credit_id = $1 order by seq`, [credit.id]);
    expect(rows.map((r) => r.amount)).toEqual(['300.0000', '50.0000']);
  });

  test('ten parallel payments on one credit through GraphQL: every cent counted once', async () => {
    const { credit } = await book({});
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => pay(credit.id, '100.00', '2025-02-15', `par-${credit.id}-${i}`)));
    expect(results.every((r) => r.userErrors.length === 0)).toBe(true);
    const payments = await h.adminSql(`select seq, amount from lending.payments where credit_id = $1 order by seq`, [credit.id]);
    expect(payments.map((p) => p.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    const [sums] = await h.adminSql(`select sum(principal_paid + interest_paid + fee_paid + tax_paid + penalty_paid)::text as paid from lending.installments where credit_id = $1`, [credit.id]);
    expect(sums.paid).toBe('1000.0000');
    const [alloc] = await h.adminSql(`select sum(a.principal + a.interest + a.fee + a.tax + a.penalty)::text as s from lending.payment_allocations a join lending.payments p on p.id = a.payment_id where p.credit_id = $1`, [credit.id]);
    expect(alloc.s).toBe('1000.0000');
  });

  test('bad amounts and dates get userErrors and write nothing; another tenant\'s credit is NOT_FOUND', async () => {
    const { credit } = await book({});
    const before = await h.adminSql('select count(*)::int as n from lending.payments');
    for (const amount of ['100.001', '0', '-5.00', 'abc']) {
      expect((await pay(credit.id, amount, '2025-02-15')).userErrors.map((e: any) => `${e.code}:${e.field}`)).toEqual(['INVALID_AMOUNT:amount']);
    }
    expect((await pay(credit.id, '10.00', '2999-01-01')).userErrors.map((e: any) => e.code)).toEqual(['INVALID_DATE']);
    expect((await pay(credit.id, '10.00', '2025-01-01')).userErrors.map((e: any) => e.code)).toEqual(['INVALID_DATE']);
    const otherStaff = await h.token(tenantB, ['tenant_admin']);
    const other = await h.call(PAY, { input: { creditId: credit.id, amount: '10.00', paidAt: '2025-02-15', channel: 'CASH', idempotencyKey: uuid() } }, otherStaff);
    expect(other.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const float = await h.call(PAY, { input: { creditId: credit.id, amount: 10.5, paidAt: '2025-02-15', channel: 'CASH', idempotencyKey: uuid() } }, staff);
    expect(float.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(await h.adminSql('select count(*)::int as n from lending.payments')).toEqual(before);
  });

  test('reversing the latest payment restores balances and a prepayment\'s schedule; earlier ones must wait', async () => {
    const { credit } = await book({});
    const original = credit.schedule.map((i: any) => [i.number, i.dueDate, i.principalDue, i.interestDue]);
    const p1 = await pay(credit.id, '1066.19', '2025-02-15');
    const p2 = await pay(credit.id, '3066.19', '2025-03-15');
    expect(p2.payment.prepaidPrincipal).toBe('2000.00');
    const REVERSE = `mutation($input: ReversePaymentInput!) { reversePayment(input: $input) { payment { status reversalReason } credit { status numberOfInstallments outstanding { principal } schedule { number dueDate principalDue interestDue principalPaid interestPaid } } userErrors { code } } }`;
    const early = await h.call(REVERSE, { input: { paymentId: p1.payment.id, reason: 'bounced' } }, staff);
    expect(early.data.reversePayment.userErrors.map((e: any) => e.code)).toEqual(['NOT_LATEST_PAYMENT']);
    const r2 = await h.call(REVERSE, { input: { paymentId: p2.payment.id, reason: 'duplicate transfer' } }, staff);
    expect(r2.data.reversePayment.userErrors).toEqual([]);
    expect(r2.data.reversePayment.payment).toEqual({ status: 'REVERSED', reversalReason: 'duplicate transfer' });
    expect(r2.data.reversePayment.credit.schedule.map((i: any) => [i.number, i.dueDate, i.principalDue, i.interestDue])).toEqual(original);
    expect(r2.data.reversePayment.credit.outstanding.principal).toBe((12000 - 946.19).toFixed(2));
    const again = await h.call(REVERSE, { input: { paymentId: p2.payment.id, reason: 'again' } }, staff);
    expect(again.data.reversePayment.userErrors.map((e: any) => e.code)).toEqual(['ALREADY_REVERSED']);
    const r1 = await h.call(REVERSE, { input: { paymentId: p1.payment.id, reason: 'bounced' } }, staff);
    expect(r1.data.reversePayment.credit.outstanding.principal).toBe('12000.00');
    expect(r1.data.reversePayment.credit.schedule.every((i: any) => i.principalPaid === '0.00' && i.interestPaid === '0.00')).toBe(true);
  });

  test('delinquency: days past due, buckets, daily penalties booked once per date, catch-up, and default past the threshold', async () => {
    const p = await publishedProduct(h, tenantA, 'LATE', { ...TERMS, latePenalty: { kind: 'DAILY_RATE', rate: '0.1', graceDays: 0 }, defaultThresholdDays: 30 });
    const r = await h.call(BOOK, { input: { productId: p.productId, borrowerId: borrower, principal: '12000', term: 12, disbursedAt: '2025-01-15', idempotencyKey: uuid() } }, staff);
    const credit = r.data.bookCredit.credit;
    const RUN = `mutation($input: RunDelinquencyInput!) { runDelinquency(input: $input) { runs { businessDate creditsEvaluated penaltiesBooked penaltyTotals { currency amount } defaulted alreadyRun } userErrors { code } } }`;
    const CREDIT = `query($id: ID!) { credit(id: $id) { status daysPastDue bucket defaultedAt outstanding { penalty } schedule { number penaltyDue } } }`;
    const d1 = await h.call(RUN, { input: { businessDate: '2025-02-16' } }, staff);
    expect(d1.errors).toBeUndefined();
    expect(d1.data.runDelinquency.runs).toEqual([expect.objectContaining({ businessDate: '2025-02-16', alreadyRun: false, penaltyTotals: [{ currency: 'MXN', amount: '1.07' }] })]);
    let c = (await h.call(CREDIT, { id: credit.id }, staff)).data.credit;
    expect(c).toMatchObject({ status: 'ACTIVE', daysPastDue: 1, bucket: '1-30', outstanding: { penalty: '1.07' } });
    const twice = await h.call(RUN, { input: { businessDate: '2025-02-16' } }, staff);
    expect(twice.data.runDelinquency.runs).toEqual([expect.objectContaining({ alreadyRun: true, penaltyTotals: [{ currency: 'MXN', amount: '1.07' }] })]);
    c = (await h.call(CREDIT, { id: credit.id }, staff)).data.credit;
    expect(c.outstanding.penalty).toBe('1.07');
    const catchUp = await h.call(RUN, { input: { businessDate: '2025-02-20' } }, staff);
    expect(catchUp.data.runDelinquency.runs.map((x: any) => x.businessDate)).toEqual(['2025-02-17', '2025-02-18', '2025-02-19', '2025-02-20']);
    c = (await h.call(CREDIT, { id: credit.id }, staff)).data.credit;
    expect(c).toMatchObject({ daysPastDue: 5, outstanding: { penalty: (1.07 * 5).toFixed(2) } });
    const charges = await h.adminSql(`select count(*)::int as n, count(distinct business_date)::int as d from lending.penalty_charges pc join lending.installments i on i.id = pc.installment_id where i.credit_id = $1`, [credit.id]);
    expect(charges[0]).toEqual({ n: 5, d: 5 });

    // A payment pays the penalty first (default order), then the installment.
    const paid = await pay(credit.id, '100.00', '2025-02-20');
    expect(paid.payment.penalty).toBe('5.35');

    const late = await h.call(RUN, { input: { businessDate: '2025-03-18' } }, staff);
    expect(late.data.runDelinquency.runs.at(-1)).toMatchObject({ businessDate: '2025-03-18' });
    c = (await h.call(CREDIT, { id: credit.id }, staff)).data.credit;
    // dpd reached the 30-day threshold on 03-17: that run defaulted it.
    expect(c).toMatchObject({ status: 'DEFAULTED', daysPastDue: 31, bucket: '31-60', defaultedAt: '2025-03-17' });
    const defaulted = await h.adminSql(`select envelope->'data' as data from lending.outbox where subject = 'lending.credit.defaulted' and envelope->'data'->>'creditId' = $1`, [credit.id]);
    expect(defaulted).toHaveLength(1);
    expect(defaulted[0].data).toMatchObject({ daysPastDue: 30, businessDate: '2025-03-17', currency: 'MXN' });
    expect(h.bus.signer.verify((await h.adminSql(`select envelope from lending.outbox where subject = 'lending.credit.defaulted'`))[0].envelope)).toBe(true);
  });

  test('a per-period penalty is charged once per overdue period after the grace days', async () => {
    const tenant = await h.tenant('late-period');
    const p = await publishedProduct(h, tenant, 'PERIOD', { ...TERMS, latePenalty: { kind: 'PERCENT_OF_OVERDUE_PER_PERIOD', rate: '5', graceDays: 5 } });
    const mgr = await h.token(tenant, ['portfolio_manager']);
    const r = await h.call(BOOK, { input: { productId: p.productId, borrowerId: await h.user(tenant), principal: '12000', term: 12, disbursedAt: '2025-01-15', idempotencyKey: uuid() } }, mgr);
    const RUN = `mutation($input: RunDelinquencyInput!) { runDelinquency(input: $input) { runs { businessDate penaltiesBooked } } }`;
    await h.call(RUN, { input: { businessDate: '2025-02-15' } }, mgr);
    const runs = (await h.call(RUN, { input: { businessDate: '2025-03-24' } }, mgr)).data.runDelinquency.runs;
    const charged = runs.filter((x: any) => x.penaltiesBooked > 0).map((x: any) => x.businessDate);
    // Installment 1 (due 02-15): day 6 = 02-21, day 36 = 03-23; installment 2 (due 03-15): day 6 = 03-21.
    expect(charged).toEqual(['2025-02-21', '2025-03-21', '2025-03-23']);
    const credit = (await h.call(`query($id: ID!) { credit(id: $id) { schedule { number penaltyDue } } }`, { id: r.data.bookCredit.credit.id }, mgr)).data.credit;
    expect(credit.schedule[0].penaltyDue).toBe('106.62');
    expect(credit.schedule[1].penaltyDue).toBe('53.31');
  });

  test('portfolio search with filters and totals; a page of credits costs one batch per relation', async () => {
    const tenant = await h.tenant('portfolio');
    const p = await publishedProduct(h, tenant, 'PORT');
    const mgr = await h.token(tenant, ['portfolio_manager']);
    for (let i = 0; i < 6; i++) {
      await h.call(BOOK, { input: { productId: p.productId, borrowerId: await h.user(tenant), principal: `${1000 * (i + 1)}.00`, term: 6, disbursedAt: i < 3 ? '2025-01-10' : '2025-02-10', idempotencyKey: uuid() } }, mgr);
    }
    const spies = [
      jest.spyOn(h.lending.services.credits, 'installmentsByCreditIds'),
      jest.spyOn(h.lending.services.payments, 'byCreditIds'),
      jest.spyOn(h.lending.services.products, 'versionsByIds'),
      jest.spyOn(h.lending.services.products, 'productsByIds'),
    ];
    const LIST = `query($filter: CreditFilter, $first: Int, $after: String) { credits(filter: $filter, first: $first, after: $after) {
      edges { node { id principal version { number } product { code } schedule { number } payments { id } nextInstallment { number } } }
      pageInfo { hasNextPage endCursor } totals { count outstandingPrincipal { currency amount } } } }`;
    const page = await h.call(LIST, { first: 4 }, mgr);
    expect(page.errors).toBeUndefined();
    expect(page.data.credits.edges).toHaveLength(4);
    expect(page.data.credits.totals).toEqual({ count: 6, outstandingPrincipal: [{ currency: 'MXN', amount: '21000.00' }] });
    for (const s of spies) { expect(s).toHaveBeenCalledTimes(1); s.mockRestore(); }
    const next = await h.call(LIST, { first: 4, after: page.data.credits.pageInfo.endCursor }, mgr);
    expect(next.data.credits.edges).toHaveLength(2);
    expect(next.data.credits.pageInfo.hasNextPage).toBe(false);
    const feb = await h.call(LIST, { filter: { disbursedFrom: '2025-02-01', status: 'ACTIVE', productId: p.productId } }, mgr);
    expect(feb.data.credits.totals).toEqual({ count: 3, outstandingPrincipal: [{ currency: 'MXN', amount: '15000.00' }] });
    const none = await h.call(LIST, { filter: { bucket: '91-120' } }, mgr);
    expect(none.data.credits.totals.count).toBe(0);
  });

  test('User.credits: a borrower sees only their own, staff of the tenant any, other tenants nothing', async () => {
    const alice = await h.user(tenantA);
    const bob = await h.user(tenantA);
    await book({ borrowerId: alice });
    await book({ borrowerId: bob });
    const Q = `query($r: [_Any!]!) { _entities(representations: $r) { ... on User { id credits { id borrower { id } schedule { number } nextInstallment { number dueDate } } } } }`;
    const reps = { r: [{ __typename: 'User', id: alice }, { __typename: 'User', id: bob }] };
    const asAlice = await h.call(Q, reps, await h.token(tenantA, ['borrower'], alice));
    expect(asAlice.errors).toBeUndefined();
    expect(asAlice.data._entities[0].credits).toHaveLength(1);
    expect(asAlice.data._entities[0].credits[0]).toMatchObject({ borrower: { id: alice }, nextInstallment: { number: 1, dueDate: '2025-02-15' } });
    expect(asAlice.data._entities[1].credits).toEqual([]);
    const asStaff = await h.call(Q, reps, await h.token(tenantA, ['staff']));
    expect(asStaff.data._entities.map((u: any) => u.credits.length)).toEqual([1, 1]);
    const asOtherTenant = await h.call(Q, reps, await h.token(tenantB, ['tenant_admin']));
    expect(asOtherTenant.data._entities.map((u: any) => u.credits.length)).toEqual([0, 0]);
    const aliceCredit = asAlice.data._entities[0].credits[0].id;
    const bobToken = await h.token(tenantA, ['borrower'], bob);
    expect((await h.call(`query($id: ID!) { credit(id: $id) { id } }`, { id: aliceCredit }, bobToken)).data.credit).toBeNull();
    expect((await h.call(`{ credits { edges { node { id } } } }`, {}, bobToken)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  test('RLS: tenant B reads none of tenant A\'s credits or payments, and the app role without a tenant sees no rows', async () => {
    const { credit } = await book({});
    await pay(credit.id, '100.00', '2025-02-15');
    const adminB = await h.token(tenantB, ['tenant_admin']);
    expect((await h.call(`query($id: ID!) { credit(id: $id) { id } }`, { id: credit.id }, adminB)).data.credit).toBeNull();
    expect((await h.call(`{ credits { edges { node { id } } totals { count } } }`, {}, adminB)).data.credits).toEqual({ edges: [], totals: { count: 0 } });
    await withSqlClient(withUser(h.db.adminUrl, 'imagy_lending'), async (client) => {
      for (const t of ['credits', 'installments', 'payments', 'payment_allocations', 'delinquency_runs', 'penalty_charges']) {
        expect((await client.query(`select count(*)::int as n from lending.${t}`)).rows[0].n).toBe(0);
      }
      await expect(client.query(`insert into lending.payments (id, tenant_id, credit_id, seq, amount, currency, paid_at, channel, idempotency_key, request_hash, principal, interest, fee, tax, penalty, prepaid_principal, status_before)
        values ($1, $2, $3, 99, 1, 'MXN', '2025-02-15', 'X', 'k', 'h', 0, 0, 0, 0, 0, 0, 'ACTIVE')`, [uuid(), tenantA, credit.id])).rejects.toThrow(/row-level security/);
    });
  });
});
