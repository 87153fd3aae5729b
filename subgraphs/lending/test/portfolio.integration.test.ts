import { BOOK, PAY, publishedProduct, startHarness, uuid, type Harness } from './harness';

const SUMMARY = `query($currency: String, $from: Date!, $to: Date!) { portfolioSummary(currency: $currency) { currency byBucket { bucket currency credits outstandingPrincipal } monthly(from: $from, to: $to) { months { month currency disbursed disbursedCount collected paymentsCount } userErrors { code field message } } } }`;
const RUN = `mutation($input: RunDelinquencyInput!) { runDelinquency(input: $input) { userErrors { code field } } }`;
const REVERSE = `mutation($input: ReversePaymentInput!) { reversePayment(input: $input) { userErrors { code } } }`;
const CREDITS = `{ credits(first: 100) { edges { node { id currency bucket status outstanding { principal } } } } }`;
const cents = (s: string) => Math.round(Number(s) * 100);

describe('lending: portfolio figures (balance by bucket, disbursements and collections per month)', () => {
  let h: Harness;
  let a: string;
  let b: string;
  let staffA: string;
  let staffB: string;

  const book = async (tenantId: string, token: string, productId: string, principal: string, disbursedAt: string) => {
    const borrower = await h.user(tenantId);
    const r = await h.call(BOOK, { input: { productId, borrowerId: borrower, principal, term: 12, disbursedAt, idempotencyKey: uuid() } }, token);
    if (r.errors || r.data.bookCredit.userErrors.length) throw new Error(JSON.stringify(r.errors ?? r.data.bookCredit.userErrors));
    return r.data.bookCredit.credit.id as string;
  };
  const pay = async (token: string, creditId: string, amount: string, paidAt: string) => {
    const r = await h.call(PAY, { input: { creditId, amount, paidAt, channel: 'SPEI', idempotencyKey: uuid() } }, token);
    if (r.errors || r.data.registerPayment.userErrors.length) throw new Error(JSON.stringify(r.errors ?? r.data.registerPayment.userErrors));
    return r.data.registerPayment.payment.id as string;
  };
  const summary = async (token: string, from: string, to: string, currency?: string | null) => h.call(SUMMARY, { from, to, currency }, token);

  beforeAll(async () => {
    h = await startHarness('lendport', { now: () => new Date('2025-05-20T18:00:00Z') });
    a = await h.tenant('port-a', { timezone: 'America/Mexico_City' });
    b = await h.tenant('port-b');
    const mxn = await publishedProduct(h, a, 'PERSONAL');
    const usd = await publishedProduct(h, a, 'DOLLARS', undefined, 'USD');
    const inB = await publishedProduct(h, b, 'PERSONAL');
    staffA = await h.token(a, ['portfolio_manager']);
    staffB = await h.token(b, ['portfolio_manager']);
    // Tenant A: two MXN credits and one USD credit; payments in February and March, one of them reversed.
    const c1 = await book(a, staffA, mxn.productId, '12000.00', '2025-01-15');
    const c2 = await book(a, staffA, mxn.productId, '5000.00', '2025-03-10');
    const c3 = await book(a, staffA, usd.productId, '3000.00', '2025-03-31');
    await pay(staffA, c1, '1066.19', '2025-02-15');
    await pay(staffA, c1, '500.00', '2025-03-15');
    await pay(staffA, c3, '100.00', '2025-04-01');
    await pay(staffA, c2, '250.00', '2025-04-10');
    const dup = await pay(staffA, c2, '250.00', '2025-04-11');
    const reversed = await h.call(REVERSE, { input: { paymentId: dup, reason: 'duplicate transfer' } }, staffA);
    expect(reversed.data.reversePayment.userErrors).toEqual([]);
    // Tenant B: a credit and a payment in the same months, never in A's figures.
    const cb = await book(b, staffB, inB.productId, '7000.00', '2025-01-20');
    await pay(staffB, cb, '700.00', '2025-02-20');
    // Delinquency on A's business date puts its overdue credits in buckets.
    const run = await h.call(RUN, { input: { businessDate: '2025-05-20' } }, staffA);
    expect(run.data.runDelinquency.userErrors).toEqual([]);
  });
  afterAll(async () => { await h?.close(); });

  test('disbursements and collections per month: exact sums and counts, zeros for quiet months, reversed payments left out, per currency', async () => {
    const r = await summary(staffA, '2024-12-05', '2025-05-02');
    expect(r.errors).toBeUndefined();
    expect(r.data.portfolioSummary.monthly.userErrors).toEqual([]);
    expect(r.data.portfolioSummary.monthly.months).toEqual([
      { month: '2024-12', currency: 'MXN', disbursed: '0.00', disbursedCount: 0, collected: '0.00', paymentsCount: 0 },
      { month: '2024-12', currency: 'USD', disbursed: '0.00', disbursedCount: 0, collected: '0.00', paymentsCount: 0 },
      { month: '2025-01', currency: 'MXN', disbursed: '12000.00', disbursedCount: 1, collected: '0.00', paymentsCount: 0 },
      { month: '2025-01', currency: 'USD', disbursed: '0.00', disbursedCount: 0, collected: '0.00', paymentsCount: 0 },
      { month: '2025-02', currency: 'MXN', disbursed: '0.00', disbursedCount: 0, collected: '1066.19', paymentsCount: 1 },
      { month: '2025-02', currency: 'USD', disbursed: '0.00', disbursedCount: 0, collected: '0.00', paymentsCount: 0 },
      { month: '2025-03', currency: 'MXN', disbursed: '5000.00', disbursedCount: 1, collected: '500.00', paymentsCount: 1 },
      { month: '2025-03', currency: 'USD', disbursed: '3000.00', disbursedCount: 1, collected: '0.00', paymentsCount: 0 },
      { month: '2025-04', currency: 'MXN', disbursed: '0.00', disbursedCount: 0, collected: '250.00', paymentsCount: 1 },
      { month: '2025-04', currency: 'USD', disbursed: '0.00', disbursedCount: 0, collected: '100.00', paymentsCount: 1 },
      { month: '2025-05', currency: 'MXN', disbursed: '0.00', disbursedCount: 0, collected: '0.00', paymentsCount: 0 },
      { month: '2025-05', currency: 'USD', disbursed: '0.00', disbursedCount: 0, collected: '0.00', paymentsCount: 0 },
    ]);
    const usd = await summary(staffA, '2025-03-01', '2025-04-30', 'USD');
    expect(usd.data.portfolioSummary.monthly.months.map((m: any) => [m.month, m.currency, m.disbursed, m.collected])).toEqual([['2025-03', 'USD', '3000.00', '0.00'], ['2025-04', 'USD', '0.00', '100.00']]);
    // A currency without activity still has its months, as zeros.
    const eur = await summary(staffA, '2025-01-01', '2025-02-28', 'EUR');
    expect(eur.data.portfolioSummary.monthly.months).toEqual([
      { month: '2025-01', currency: 'EUR', disbursed: '0.00', disbursedCount: 0, collected: '0.00', paymentsCount: 0 },
      { month: '2025-02', currency: 'EUR', disbursed: '0.00', disbursedCount: 0, collected: '0.00', paymentsCount: 0 },
    ]);
  });

  test('balance by bucket: open credits grouped by the bucket the delinquency run gave them, sums equal to the credits\' own balances', async () => {
    const r = await summary(staffA, '2025-01-01', '2025-01-31');
    const buckets = r.data.portfolioSummary.byBucket as { bucket: string | null; currency: string; credits: number; outstandingPrincipal: string }[];
    const credits = (await h.call(CREDITS, {}, staffA)).data.credits.edges.map((e: any) => e.node).filter((c: any) => c.status !== 'PAID_OFF');
    expect(credits.length).toBe(3);
    expect(credits.some((c: any) => c.bucket !== null)).toBe(true);
    const expected = new Map<string, { credits: number; cents: number }>();
    for (const c of credits) {
      const k = `${c.bucket}|${c.currency}`;
      const e = expected.get(k) ?? { credits: 0, cents: 0 };
      expected.set(k, { credits: e.credits + 1, cents: e.cents + cents(c.outstanding.principal) });
    }
    expect(new Map(buckets.map((x) => [`${x.bucket}|${x.currency}`, { credits: x.credits, cents: cents(x.outstandingPrincipal) }]))).toEqual(expected);
    expect(buckets.reduce((s, x) => s + x.credits, 0)).toBe(3);
    expect(buckets.filter((x) => x.currency === 'USD').map((x) => x.credits)).toEqual([1]);
    const only = await summary(staffA, '2025-01-01', '2025-01-31', 'USD');
    expect(only.data.portfolioSummary.byBucket.map((x: any) => x.currency)).toEqual(['USD']);
  });

  test('tenant isolation: B sees only its own credit and payment, A never counts them', async () => {
    const r = await summary(staffB, '2025-01-01', '2025-03-31');
    expect(r.data.portfolioSummary.monthly.months).toEqual([
      { month: '2025-01', currency: 'MXN', disbursed: '7000.00', disbursedCount: 1, collected: '0.00', paymentsCount: 0 },
      { month: '2025-02', currency: 'MXN', disbursed: '0.00', disbursedCount: 0, collected: '700.00', paymentsCount: 1 },
      { month: '2025-03', currency: 'MXN', disbursed: '0.00', disbursedCount: 0, collected: '0.00', paymentsCount: 0 },
    ]);
    expect(r.data.portfolioSummary.byBucket.reduce((s: number, x: any) => s + x.credits, 0)).toBe(1);
    const inA = await summary(staffA, '2025-01-01', '2025-02-28', 'MXN');
    expect(inA.data.portfolioSummary.monthly.months.map((m: any) => [m.month, m.disbursed, m.collected])).toEqual([['2025-01', '12000.00', '0.00'], ['2025-02', '0.00', '1066.19']]);
  });

  test('a range over 36 months or ending before it starts is a userError naming `to`; a bad currency and a borrower are refused', async () => {
    const ok = await summary(staffA, '2022-06-30', '2025-05-01', 'MXN');
    expect(ok.data.portfolioSummary.monthly.months).toHaveLength(36);
    const long = await summary(staffA, '2022-05-31', '2025-05-01', 'MXN');
    expect(long.data.portfolioSummary.monthly).toEqual({ months: [], userErrors: [{ code: 'PORTFOLIO_RANGE_TOO_LONG', field: 'to', message: 'The range may cover at most 36 months.' }] });
    const backwards = await summary(staffA, '2025-03-01', '2025-02-28');
    expect(backwards.data.portfolioSummary.monthly.userErrors.map((e: any) => `${e.code}:${e.field}`)).toEqual(['PORTFOLIO_RANGE_INVALID:to']);
    const badDate = await summary(staffA, '2025-02-30', '2025-03-01');
    expect(badDate.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const badCurrency = await summary(staffA, '2025-01-01', '2025-02-01', 'pesos');
    expect(badCurrency.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'currency' });
    const borrower = await summary(await h.token(a, ['borrower'], uuid()), '2025-01-01', '2025-02-01');
    expect(borrower.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });
});
