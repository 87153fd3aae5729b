/**
 * Hostile argument values give a typed BAD_USER_INPUT and write nothing (hardening, "Inputs"):
 * wrong JSON types and spaced decimals (the platform Decimal scalar), impossible and out-of-range
 * dates (the Date scalar, 1900-01-01..2999-12-31), and NUL or lone surrogates in any String
 * argument (lending's unstorable-text check), in variables and inline.
 */
import { BOOK, CREATE_PRODUCT, PAY, publishedProduct, startHarness, TERMS, uuid, type Harness } from './harness';

describe('lending inputs: hostile values are typed refusals that write nothing', () => {
  let h: Harness;
  let tenant: string;
  let admin: string;
  let productId: string;
  let creditId: string;
  let borrowerId: string;
  const written = async () => (await h.adminSql<Record<string, number>>(
    `select (select count(*) from lending.credit_products)::int as products, (select count(*) from lending.product_versions)::int as versions,
            (select count(*) from lending.change_requests)::int as requests, (select count(*) from lending.credits)::int as credits,
            (select count(*) from lending.payments)::int as payments, (select count(*) from lending.delinquency_runs)::int as runs,
            (select count(*) from lending.outbox)::int as events`))[0]!;
  const codeOf = (r: { status: number; errors?: { extensions?: { code?: string } }[] }) => ({ status: r.status, code: r.errors?.[0]?.extensions?.code });

  beforeAll(async () => {
    h = await startHarness('lendinputs');
    tenant = await h.tenant('inputs');
    admin = await h.token(tenant, ['tenant_admin', 'portfolio_manager']);
    productId = (await publishedProduct(h, tenant, 'PERSONAL')).productId;
    borrowerId = await h.user(tenant);
    const booked = await h.call(BOOK, { input: { productId, borrowerId, principal: '12000', term: 12, disbursedAt: '2025-01-15', idempotencyKey: uuid() } }, admin);
    creditId = booked.data.bookCredit.credit.id;
  });
  afterAll(async () => { await h?.close(); });

  const booking = (over: Record<string, unknown>) => ({ input: { productId, borrowerId, principal: '12000', term: 12, disbursedAt: '2025-01-15', idempotencyKey: uuid(), ...over } });
  const payment = (over: Record<string, unknown>) => ({ input: { creditId, amount: '100.00', paidAt: '2025-02-15', channel: 'SPEI', idempotencyKey: uuid(), ...over } });

  test('amounts that are JSON numbers, booleans, objects or spaced, and impossible or out-of-range dates, in variables: BAD_USER_INPUT, nothing written', async () => {
    const before = await written();
    const cases: [string, Record<string, unknown>][] = [
      [BOOK, booking({ principal: 12000 })], [BOOK, booking({ principal: true })], [BOOK, booking({ principal: { amount: '1' } })], [BOOK, booking({ principal: ' 12000' })],
      [BOOK, booking({ disbursedAt: '0000-01-01' })], [BOOK, booking({ disbursedAt: '0001-01-01' })], [BOOK, booking({ disbursedAt: '2025-02-30' })], [BOOK, booking({ disbursedAt: 20250115 })],
      [BOOK, booking({ firstDueDate: '10000-01-01' })], [BOOK, booking({ term: '12' })],
      [PAY, payment({ amount: 100 })], [PAY, payment({ amount: '100.00 ' })], [PAY, payment({ paidAt: '2025-13-01' })], [PAY, payment({ paidAt: '1899-12-31' })],
      [CREATE_PRODUCT, { input: { code: 'NUM', name: 'Num', currency: 'MXN', terms: { ...TERMS, maxAmount: 100000 } } }],
      [CREATE_PRODUCT, { input: { code: 'NUM', name: 'Num', currency: 'MXN', terms: { ...TERMS, annualNominalRate: 12.5 } } }],
      [`mutation($input: RunDelinquencyInput!) { runDelinquency(input: $input) { runs { businessDate } } }`, { input: { businessDate: '0001-01-01' } }],
    ];
    for (const [query, variables] of cases) {
      const r = await h.call(query, variables, admin);
      expect({ variables, ...codeOf(r) }).toEqual({ variables, status: 400, code: 'BAD_USER_INPUT' });
      expect(r.errors?.[0]?.message).toMatch(/\$input/);
    }
    expect(await written()).toEqual(before);
  });

  test('the same values inline in the query are refused at validation, typed, nothing written', async () => {
    const before = await written();
    for (const literal of [`principal: 12000`, `principal: " 12000"`, `disbursedAt: "0001-01-01"`, `disbursedAt: 20250115`]) {
      const q = `mutation { bookCredit(input: { productId: "${productId}", borrowerId: "${borrowerId}", term: 12, idempotencyKey: "${uuid()}",
        ${literal.startsWith('principal') ? literal : 'principal: "12000"'}, ${literal.startsWith('disbursedAt') ? literal : 'disbursedAt: "2025-01-15"'} }) { credit { id } } }`;
      const r = await h.call(q, {}, admin);
      expect({ literal, status: r.status, code: r.errors?.[0]?.extensions?.code }).toEqual({ literal, status: 400, code: 'GRAPHQL_VALIDATION_FAILED' });
    }
    expect(await written()).toEqual(before);
  });

  test('control characters, line breaks, direction overrides and invisible characters in free text (names, reasons, references, keys) are INVALID_TEXT naming the field, nothing written', async () => {
    // The fuzz found a payment reversed with the reason "evil\u202Etxt.exe".
    const before = await written();
    const paid = await h.call(PAY, payment({}), admin);
    expect(paid.data.registerPayment.userErrors).toEqual([]);
    const paymentId = paid.data.registerPayment.payment.id;
    const afterPayment = await written();
    const REVERSE = `mutation($input: ReversePaymentInput!) { reversePayment(input: $input) { userErrors { code field } } }`;
    const REJECT = `mutation($input: RejectChangeRequestInput!) { rejectChangeRequest(input: $input) { userErrors { code field } } }`;
    const payloadOf = (r: { data?: any }) => Object.values(r.data ?? {})[0] as { userErrors: { code: string; field: string }[] };
    for (const text of ['evil\u202Etxt.exe', 'red\u001b[31mtext', 'two\nlines', '\u0007bell', 'zero\u200Bwidth', '\u2066rtl\u2069']) {
      const cases: [string, Record<string, unknown>, string, string][] = [
        [REVERSE, { input: { paymentId, reason: text } }, 'INVALID_TEXT', 'reason'],
        [REJECT, { input: { id: uuid(), reason: text } }, 'INVALID_TEXT', 'reason'],
        [CREATE_PRODUCT, { input: { code: 'TEXT', name: text, currency: 'MXN', terms: TERMS } }, 'INVALID_TEXT', 'name'],
        [CREATE_PRODUCT, { input: { code: 'TEXT', name: 'Ok', currency: 'MXN', terms: { ...TERMS, delinquencyBuckets: [{ name: text, minDays: 1 }] } } }, 'INVALID_TERMS', 'terms.delinquencyBuckets.0.name'],
        [BOOK, booking({ externalReference: text }), 'INVALID_TEXT', 'externalReference'],
        [BOOK, booking({ idempotencyKey: text }), 'INVALID_TEXT', 'idempotencyKey'],
        [PAY, payment({ externalReference: text }), 'INVALID_TEXT', 'externalReference'],
        [PAY, payment({ idempotencyKey: text }), 'INVALID_TEXT', 'idempotencyKey'],
      ];
      for (const [query, variables, code, field] of cases) {
        const r = await h.call(query, variables, admin);
        expect({ text, field, errors: r.errors, userErrors: payloadOf(r).userErrors }).toEqual({ text, field, errors: undefined, userErrors: [expect.objectContaining({ code, field })] });
      }
    }
    expect(await written()).toEqual(afterPayment);
    expect(afterPayment.payments).toBe(before.payments + 1);
  });

  test('NUL and lone surrogates in any String argument, in variables or inline, of mutations and queries: BAD_USER_INPUT naming the argument, nothing written', async () => {
    const before = await written();
    const nul = 'A\u0000B';
    const lone = 'A\uD800B';
    const cases: [string, Record<string, unknown>, string][] = [
      [CREATE_PRODUCT, { input: { code: 'NUL', name: nul, currency: 'MXN', terms: TERMS } }, 'input.name'],
      [CREATE_PRODUCT, { input: { code: 'NUL', name: lone, currency: 'MXN', terms: TERMS } }, 'input.name'],
      [CREATE_PRODUCT, { input: { code: 'NUL', name: 'Ok', currency: 'MXN', terms: { ...TERMS, delinquencyBuckets: [{ name: nul, minDays: 1 }] } } }, 'input.terms.delinquencyBuckets.0.name'],
      [BOOK, booking({ externalReference: nul }), 'input.externalReference'],
      [BOOK, booking({ idempotencyKey: nul }), 'input.idempotencyKey'],
      [PAY, payment({ channel: nul }), 'input.channel'],
      [PAY, payment({ externalReference: lone }), 'input.externalReference'],
      [`mutation($input: RejectChangeRequestInput!) { rejectChangeRequest(input: $input) { userErrors { code } } }`, { input: { id: uuid(), reason: nul } }, 'input.reason'],
      [`query($input: SimulateCreditInput!) { simulateCredit(input: $input) { userErrors { code } } }`, { input: { tenantSlug: 'inputs', productCode: nul, amount: '5000', term: 12 } }, 'input.productCode'],
      [`query($f: CreditFilter) { credits(filter: $f) { totals { count } } }`, { f: { bucket: nul } }, 'f.bucket'],
      [`query($code: String!) { simulatorConfig(productCode: $code, host: "inputs.example.test") { currency } }`, { code: nul }, 'code'],
    ];
    for (const [query, variables, field] of cases) {
      const r = await h.call(query, variables, admin);
      expect({ field, ...codeOf(r), reported: r.errors?.[0]?.extensions?.field }).toEqual({ field, status: 400, code: 'BAD_USER_INPUT', reported: field });
    }
    const inline = await h.call(`{ simulatorConfig(productCode: "A\\u0000B", tenantSlug: "inputs") { currency } }`);
    expect(codeOf(inline)).toEqual({ status: 400, code: 'BAD_USER_INPUT' });
    expect(await written()).toEqual(before);
    // Ordinary non-ASCII text is fine.
    const ok = await h.call(CREATE_PRODUCT, { input: { code: 'NOMINA', name: 'Crédito de nómina 🇲🇽', currency: 'MXN', terms: TERMS } }, admin);
    expect(ok.data.createCreditProduct.userErrors).toEqual([]);
  });
});
