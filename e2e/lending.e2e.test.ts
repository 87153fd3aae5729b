/**
 * Lending's journey through the gateway: a tenant admin creates a product, another admin approves
 * its publication, an anonymous visitor simulates, staff book a credit for a borrower, the borrower
 * reads `me { credits { schedule nextInstallment } }`, and a payment is registered.
 */
import { waitFor } from '@imagy/platform/testing';
import { CREATE_TENANT, CREATE_USER, DEV_PASSWORD, startPlatform, type Platform } from './harness';

const TERMS = { minAmount: '1000', maxAmount: '50000', minTerm: 3, maxTerm: 24, frequency: 'MONTHLY', interestMethod: 'DECLINING_EQUAL_INSTALLMENTS', annualNominalRate: '12', installmentMultipleOf: '1' };

describe('lending, end to end through the gateway', () => {
  let p: Platform;
  beforeAll(async () => { p = await startPlatform({ label: 'e2elend' }); });
  afterAll(async () => { await p?.stop(); });

  test('product, maker-checker publication, public simulation, booking, the borrower\'s portal view and a payment', async () => {
    const platformAdmin = await p.login('platform', 'admin@platform.localhost', DEV_PASSWORD);
    const t = await p.call(CREATE_TENANT, { input: { slug: 'presta', name: 'Presta', hostnames: ['presta.example.test'], currency: 'MXN' } }, platformAdmin.accessToken);
    expect(t.data.createTenant.userErrors).toEqual([]);
    const tenantId = t.data.createTenant.tenant.id;
    const maker = await p.call(CREATE_USER, { input: { tenantId, email: 'maker@presta.test', displayName: 'Maker', roles: ['tenant_admin'], password: 'maker-password-1' } }, platformAdmin.accessToken);
    expect(maker.data.createUser.userErrors).toEqual([]);
    const makerSession = await p.login('presta', 'maker@presta.test', 'maker-password-1');
    await p.call(CREATE_USER, { input: { email: 'checker@presta.test', displayName: 'Checker', roles: ['tenant_admin'], password: 'checker-password-1' } }, makerSession.accessToken);
    const borrower = await p.call(CREATE_USER, { input: { email: 'ana@presta.test', displayName: 'Ana', roles: ['borrower'], password: 'borrower-password-1' } }, makerSession.accessToken);
    const borrowerId = borrower.data.createUser.user.id;
    const checkerSession = await p.login('presta', 'checker@presta.test', 'checker-password-1');

    const created = await p.call(`mutation($input: CreateCreditProductInput!) { createCreditProduct(input: $input) { product { id code } version { id status } userErrors { code message } } }`,
      { input: { code: 'PERSONAL', name: 'Personal', currency: 'MXN', terms: TERMS } }, makerSession.accessToken);
    expect(created.errors).toBeUndefined();
    expect(created.data.createCreditProduct.userErrors).toEqual([]);
    const productId = created.data.createCreditProduct.product.id;
    const requested = await p.call(`mutation($input: RequestPublicationInput!) { requestPublication(input: $input) { changeRequest { id status } userErrors { code } } }`,
      { input: { versionId: created.data.createCreditProduct.version.id } }, makerSession.accessToken);
    const crId = requested.data.requestPublication.changeRequest.id;
    const APPROVE = `mutation($input: ApproveChangeRequestInput!) { approveChangeRequest(input: $input) { changeRequest { status version { status } } userErrors { code } } }`;
    expect((await p.call(APPROVE, { input: { id: crId } }, makerSession.accessToken)).data.approveChangeRequest.userErrors).toEqual([{ code: 'SELF_APPROVAL' }]);
    const approved = await p.call(APPROVE, { input: { id: crId } }, checkerSession.accessToken);
    expect(approved.data.approveChangeRequest).toEqual({ changeRequest: { status: 'APPROVED', version: { status: 'PUBLISHED' } }, userErrors: [] });

    // Anonymous: lending learnt the tenant's slug from identity's event.
    const SIM = `query($input: SimulateCreditInput!) { simulateCredit(input: $input) { simulation { installment cat rows { number total } totals { interest } } userErrors { code } } }`;
    const sim = await waitFor(async () => {
      const r = await p.call(SIM, { input: { tenantSlug: 'presta', productCode: 'PERSONAL', amount: '5000', term: 18 } });
      return r.data?.simulateCredit.simulation ? r.data.simulateCredit : null;
    }, 20_000, 200);
    expect(sim.simulation).toMatchObject({ installment: '305.00', totals: { interest: '488.22' } });
    expect(sim.simulation.rows).toHaveLength(18);
    // A quote for a disbursement 30 days ahead, with both CAT figures (no VAT here: equal).
    const ahead = new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10);
    const dated = await p.call(`query($input: SimulateCreditInput!) { simulateCredit(input: $input) { simulation { disbursementDate catWithoutVat catWithVat } userErrors { code field } } }`,
      { input: { tenantSlug: 'presta', productCode: 'PERSONAL', amount: '5000', term: 18, disbursementDate: ahead } });
    expect(dated.data.simulateCredit.userErrors).toEqual([]);
    expect(dated.data.simulateCredit.simulation.disbursementDate).toBe(ahead);
    expect(dated.data.simulateCredit.simulation.catWithoutVat).toBe(dated.data.simulateCredit.simulation.catWithVat);

    // Lending learns the borrower from identity's identity.user.created event: until it has, the
    // booking is refused (BORROWER_NOT_FOUND, nothing written) and the retry uses the same key.
    const booked = await waitFor(async () => {
      const r = await p.call(`mutation($input: BookCreditInput!) { bookCredit(input: $input) { credit { id status borrower { id displayName } } userErrors { code message } } }`,
        { input: { productId, borrowerId, principal: '5000', term: 18, disbursedAt: '2025-01-15', idempotencyKey: 'e2e-book-1' } }, makerSession.accessToken);
      return r.data?.bookCredit.userErrors[0]?.code === 'BORROWER_NOT_FOUND' ? null : r;
    }, 20_000, 200);
    expect(booked.errors).toBeUndefined();
    expect(booked.data.bookCredit.userErrors).toEqual([]);
    // The borrower entity is resolved by identity through the gateway.
    expect(booked.data.bookCredit.credit.borrower).toEqual({ id: borrowerId, displayName: 'Ana' });
    const creditId = booked.data.bookCredit.credit.id;

    const borrowerSession = await p.login('presta', 'ana@presta.test', 'borrower-password-1');
    const ME = `{ me { id displayName credits { id status principal schedule { number dueDate totalDue status } nextInstallment { number dueDate totalDue } payments { amount interest principal } } } }`;
    const mine = await p.call(ME, {}, borrowerSession.accessToken);
    expect(mine.errors).toBeUndefined();
    expect(mine.data.me.credits).toHaveLength(1);
    expect(mine.data.me.credits[0]).toMatchObject({ id: creditId, status: 'ACTIVE', principal: '5000.00', nextInstallment: { number: 1, dueDate: '2025-02-15', totalDue: '305.00' }, payments: [] });
    expect(mine.data.me.credits[0].schedule).toHaveLength(18);

    const paid = await p.call(`mutation($input: RegisterPaymentInput!) { registerPayment(input: $input) { payment { amount interest principal } userErrors { code } } }`,
      { input: { creditId, amount: '305.00', paidAt: '2025-02-15', channel: 'SPEI', externalReference: 'SPEI-1', idempotencyKey: 'e2e-pay-1' } }, makerSession.accessToken);
    expect(paid.data.registerPayment).toEqual({ payment: { amount: '305.00', interest: '50.00', principal: '255.00' }, userErrors: [] });
    const after = await p.call(ME, {}, borrowerSession.accessToken);
    expect(after.data.me.credits[0].payments).toEqual([{ amount: '305.00', interest: '50.00', principal: '255.00' }]);
    expect(after.data.me.credits[0].nextInstallment.number).toBe(2);

    // The borrower's payoff quote ten days after the payment: 4745.00 of principal and 10 days
    // (30E/360) at 1 % a month accrued on it; staff paying exactly that pays the credit off.
    const quoted = await p.call(`query($creditId: ID!, $date: Date!) { payoffQuote(creditId: $creditId, date: $date) { quote { accruedFrom principal accruedInterest total } userErrors { code } } }`,
      { creditId, date: '2025-02-25' }, borrowerSession.accessToken);
    expect(quoted.errors).toBeUndefined();
    expect(quoted.data.payoffQuote).toEqual({ quote: { accruedFrom: '2025-02-15', principal: '4745.00', accruedInterest: '15.82', total: '4760.82' }, userErrors: [] });
    const settled = await p.call(`mutation($input: RegisterPaymentInput!) { registerPayment(input: $input) { credit { status } userErrors { code } } }`,
      { input: { creditId, amount: '4760.82', paidAt: '2025-02-25', channel: 'SPEI', idempotencyKey: 'e2e-payoff-1' } }, makerSession.accessToken);
    expect(settled.data.registerPayment).toEqual({ credit: { status: 'PAID_OFF' }, userErrors: [] });

    // A borrower cannot register payments, nor read the portfolio.
    const denied = await p.call(`{ credits { edges { node { id } } } }`, {}, borrowerSession.accessToken);
    expect(denied.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });
});
