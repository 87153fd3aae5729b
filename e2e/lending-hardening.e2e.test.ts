/**
 * Lending's hardening items through the gateway (issue 16): money with its currency at the minor
 * unit, bookCredit's borrower check and idempotency with users created in identity, and the
 * storage and date bounds as typed userErrors in the caller's language.
 */
import { gql, waitFor } from '@imagy/platform/testing';
import { CREATE_TENANT, CREATE_USER, DEV_PASSWORD, startPlatform, type Platform } from './harness';

const TERMS = { minAmount: '1000', maxAmount: '50000', minTerm: 3, maxTerm: 24, frequency: 'MONTHLY', interestMethod: 'DECLINING_EQUAL_INSTALLMENTS', annualNominalRate: '12', latePenalty: { kind: 'DAILY_RATE', rate: '0.1', graceDays: 0 } };
const CREATE_PRODUCT = `mutation($input: CreateCreditProductInput!) { createCreditProduct(input: $input) { product { id } version { id } userErrors { code message field } } }`;
const BOOK = `mutation($input: BookCreditInput!) { bookCredit(input: $input) { replayed credit { id currency principal borrower { id displayName } schedule { currency totalDue } } userErrors { code message field } } }`;
const RUN = `mutation($input: RunDelinquencyInput!) { runDelinquency(input: $input) { runs { businessDate penaltiesBooked penaltyTotals { currency amount } } userErrors { code field } } }`;

describe('lending hardening, end to end through the gateway', () => {
  let p: Platform;
  let admin: string;
  let productId: string;
  let borrowerId: string;
  const counts = async () => (await p.sql<{ credits: number; products: number; runs: number }>(
    `select (select count(*) from lending.credits)::int as credits, (select count(*) from lending.credit_products)::int as products, (select count(*) from lending.delinquency_runs)::int as runs`))[0]!;

  beforeAll(async () => {
    p = await startPlatform({ label: 'e2elendhard' });
    const platformAdmin = await p.login('platform', 'admin@platform.localhost', DEV_PASSWORD);
    const t = await p.call(CREATE_TENANT, { input: { slug: 'dura', name: 'Dura', hostnames: ['dura.example.test'], currency: 'CLP' } }, platformAdmin.accessToken);
    const tenantId = t.data.createTenant.tenant.id;
    await p.call(CREATE_USER, { input: { tenantId, email: 'maker@dura.test', displayName: 'Maker', roles: ['tenant_admin', 'portfolio_manager'], password: 'maker-password-1' } }, platformAdmin.accessToken);
    await p.call(CREATE_USER, { input: { tenantId, email: 'checker@dura.test', displayName: 'Checker', roles: ['tenant_admin'], password: 'checker-password-1' } }, platformAdmin.accessToken);
    admin = (await p.login('dura', 'maker@dura.test', 'maker-password-1')).accessToken;
    const checker = (await p.login('dura', 'checker@dura.test', 'checker-password-1')).accessToken;
    const created = await p.call(CREATE_PRODUCT, { input: { code: 'PESOS', name: 'Pesos', currency: 'CLP', terms: { ...TERMS, minAmount: '100000', maxAmount: '10000000' } } }, admin);
    expect(created.data.createCreditProduct.userErrors).toEqual([]);
    productId = created.data.createCreditProduct.product.id;
    const cr = await p.call(`mutation($input: RequestPublicationInput!) { requestPublication(input: $input) { changeRequest { id } } }`, { input: { versionId: created.data.createCreditProduct.version.id } }, admin);
    await p.call(`mutation($input: ApproveChangeRequestInput!) { approveChangeRequest(input: $input) { userErrors { code } } }`, { input: { id: cr.data.requestPublication.changeRequest.id } }, checker);
    const borrower = await p.call(CREATE_USER, { input: { email: 'ana@dura.test', displayName: 'Ana', roles: ['borrower'], password: 'borrower-password-1' } }, admin);
    borrowerId = borrower.data.createUser.user.id;
  });
  afterAll(async () => { await p?.stop(); });

  test('a borrower identity created is booked once however often the booking is retried; an id identity never issued is refused', async () => {
    const input = { productId, borrowerId, principal: '1200000', term: 12, disbursedAt: '2025-01-15', idempotencyKey: 'e2e-dura-1' };
    // Lending hears of the user through identity.user.created; until then the answer is BORROWER_NOT_FOUND and nothing is written.
    const first = await waitFor(async () => {
      const r = await p.call(BOOK, { input }, admin);
      return r.data?.bookCredit.userErrors[0]?.code === 'BORROWER_NOT_FOUND' ? null : r.data.bookCredit;
    }, 20_000, 200);
    expect(first.userErrors).toEqual([]);
    expect(first).toMatchObject({ replayed: false, credit: { currency: 'CLP', principal: '1200000', borrower: { id: borrowerId, displayName: 'Ana' } } });
    expect(first.credit.schedule.every((i: any) => i.currency === 'CLP' && /^\d+$/.test(i.totalDue))).toBe(true);
    const before = await counts();
    const retry = await p.call(BOOK, { input }, admin);
    expect(retry.data.bookCredit).toEqual({ ...first, replayed: true });
    const reused = await p.call(BOOK, { input: { ...input, term: 6 } }, admin);
    expect(reused.data.bookCredit.userErrors).toEqual([expect.objectContaining({ code: 'IDEMPOTENCY_KEY_REUSED', field: 'idempotencyKey' })]);
    const stranger = await p.call(BOOK, { input: { ...input, borrowerId: '6f1c2a4e-0000-4000-8000-000000000001', idempotencyKey: 'e2e-dura-2' } }, admin);
    expect(stranger.data.bookCredit.userErrors).toEqual([expect.objectContaining({ code: 'BORROWER_NOT_FOUND', field: 'borrowerId' })]);
    expect(await counts()).toEqual(before);

    // Penalties come back per currency at its minor unit (0 decimals for CLP), not "10.5200".
    const run = await p.call(RUN, { input: { businessDate: '2025-02-16' } }, admin);
    expect(run.errors).toBeUndefined();
    expect(run.data.runDelinquency.runs).toEqual([{ businessDate: '2025-02-16', penaltiesBooked: 1, penaltyTotals: [{ currency: 'CLP', amount: '107' }] }]);
  });

  test('storage and date bounds: typed userErrors naming the field, in Spanish too, and nothing written', async () => {
    const before = await counts();
    const huge = await p.call(CREATE_PRODUCT, { input: { code: 'HUGE', name: 'Huge', currency: 'CLP', terms: { ...TERMS, maxAmount: '99999999999999999999' } } }, admin);
    expect(huge.data.createCreditProduct.userErrors).toEqual([{ code: 'AMOUNT_OUT_OF_RANGE', field: 'terms.maxAmount', message: 'The amount must be between 1 and 1000000000000 CLP.' }]);
    const late = await p.call(BOOK, { input: { productId, borrowerId, principal: '1200000', term: 12, disbursedAt: '2025-01-15', firstDueDate: '2027-01-15', idempotencyKey: 'e2e-dura-3' } }, admin);
    expect(late.data.bookCredit.userErrors).toEqual([{ code: 'INVALID_DATE', field: 'firstDueDate', message: 'The date must be a real date YYYY-MM-DD from 2025-01-16 to 2025-04-15.' }]);
    // Values a scalar or lending's text check refuses (year 0001, JSON numbers, NUL) are answered by
    // lending with HTTP 400 and BAD_USER_INPUT: test/inputs.integration.test.ts and
    // test/limits.integration.test.ts prove it at the subgraph. Through this gateway they still
    // arrive as INTERNAL_SERVER_ERROR (it does not pass a subgraph's 4xx through), which is the
    // gateway's error-masking item of the same issue, not asserted here.
    expect(await counts()).toEqual(before);

    const es = await gql(p.gatewayUrl, CREATE_PRODUCT, { input: { code: 'HUGE', name: 'Huge', currency: 'CLP', terms: { ...TERMS, maxAmount: '99999999999999999999' } } }, { token: admin, headers: { 'accept-language': 'es' } });
    expect(es.data.createCreditProduct.userErrors).toEqual([{ code: 'AMOUNT_OUT_OF_RANGE', field: 'terms.maxAmount', message: 'El monto debe estar entre 1 y 1000000000000 CLP.' }]);
  });
});
