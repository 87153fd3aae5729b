/**
 * Operation limits with the real supergraph (@cost/@listSize composed from the subgraph SDL): a
 * page of 50 credits with their schedules and payments is answered through the gateway, an
 * abusive nested query is refused by cost, and each subgraph called directly refuses what the
 * gateway refuses.
 */
import { CREATE_TENANT, CREATE_USER, DEV_PASSWORD, startPlatform, type Platform } from './harness';
import { gql } from '@imagy/platform/testing';

const TERMS = { minAmount: '1000', maxAmount: '50000', minTerm: 3, maxTerm: 24, frequency: 'MONTHLY', interestMethod: 'DECLINING_EQUAL_INSTALLMENTS', annualNominalRate: '12', installmentMultipleOf: '1' };

const PAGE = `query Page($first: Int) {
  credits(first: $first) {
    edges {
      cursor
      node {
        id status principal currency disbursedAt numberOfInstallments daysPastDue
        outstanding { principal interest total }
        product { code name }
        borrower { id displayName }
        schedule { number dueDate principalDue interestDue totalDue totalPaid status }
        payments { id amount paidAt channel status principal interest }
        nextInstallment { number dueDate totalDue }
      }
    }
    pageInfo { hasNextPage endCursor }
    totals { count }
  }
}`;

// Every credit's borrower with all their credits' schedules and payments: 100 * (1 + 10 * 73) objects.
const ABUSIVE = `{ credits(first: 100) { edges { node { borrower { credits { schedule { number } payments { id } } } } } } }`;

describe('operation limits on the real supergraph', () => {
  let p: Platform;
  let staff: string;
  beforeAll(async () => {
    p = await startPlatform({ label: 'e2elimits' });
    const platformAdmin = await p.login('platform', 'admin@platform.localhost', DEV_PASSWORD);
    const t = await p.call(CREATE_TENANT, { input: { slug: 'cuesta', name: 'Cuesta', hostnames: ['cuesta.example.test'], currency: 'MXN' } }, platformAdmin.accessToken);
    const tenantId = t.data.createTenant.tenant.id;
    for (const who of ['maker', 'checker']) {
      const u = await p.call(CREATE_USER, { input: { tenantId, email: `${who}@cuesta.test`, displayName: who, roles: ['tenant_admin'], password: `${who}-password-1` } }, platformAdmin.accessToken);
      expect(u.data.createUser.userErrors).toEqual([]);
    }
    staff = (await p.login('cuesta', 'maker@cuesta.test', 'maker-password-1')).accessToken;
    const checker = (await p.login('cuesta', 'checker@cuesta.test', 'checker-password-1')).accessToken;
    const borrower = await p.call(CREATE_USER, { input: { email: 'eva@cuesta.test', displayName: 'Eva', roles: ['borrower'], password: 'borrower-password-1' } }, staff);
    const borrowerId = borrower.data.createUser.user.id;
    const created = await p.call(`mutation($input: CreateCreditProductInput!) { createCreditProduct(input: $input) { product { id } version { id } userErrors { code } } }`,
      { input: { code: 'PERSONAL', name: 'Personal', currency: 'MXN', terms: TERMS } }, staff);
    const productId = created.data.createCreditProduct.product.id;
    const requested = await p.call(`mutation($input: RequestPublicationInput!) { requestPublication(input: $input) { changeRequest { id } } }`,
      { input: { versionId: created.data.createCreditProduct.version.id } }, staff);
    const approved = await p.call(`mutation($input: ApproveChangeRequestInput!) { approveChangeRequest(input: $input) { userErrors { code } } }`,
      { input: { id: requested.data.requestPublication.changeRequest.id } }, checker);
    expect(approved.data.approveChangeRequest.userErrors).toEqual([]);

    const BOOK = `mutation($input: BookCreditInput!) { bookCredit(input: $input) { credit { id } userErrors { code message } } }`;
    const PAY = `mutation($input: RegisterPaymentInput!) { registerPayment(input: $input) { payment { id } userErrors { code message } } }`;
    for (let batch = 0; batch < 10; batch++) {
      await Promise.all(Array.from({ length: 5 }, async (_, i) => {
        const n = batch * 5 + i;
        const booked = await p.call(BOOK, { input: { productId, borrowerId, principal: String(2000 + n * 10), term: 12, disbursedAt: '2025-01-15', idempotencyKey: `book-${n}` } }, staff);
        expect(booked.errors).toBeUndefined();
        expect(booked.data.bookCredit.userErrors).toEqual([]);
        const paid = await p.call(PAY, { input: { creditId: booked.data.bookCredit.credit.id, amount: '100.00', paidAt: '2025-02-10', channel: 'SPEI', idempotencyKey: `pay-${n}` } }, staff);
        expect(paid.errors).toBeUndefined();
        expect(paid.data.registerPayment.userErrors).toEqual([]);
      }));
    }
  }, 300_000);
  afterAll(async () => { await p?.stop(); });

  it('answers a page of 50 credits with schedules and payments through the gateway', async () => {
    const res = await p.call(PAGE, { first: 50 }, staff);
    expect(res.errors).toBeUndefined();
    expect(res.status).toBe(200);
    expect(res.data.credits.edges).toHaveLength(50);
    expect(res.data.credits.totals.count).toBe(50);
    for (const { node } of res.data.credits.edges) {
      expect(node.schedule).toHaveLength(12);
      expect(node.payments).toHaveLength(1);
      expect(node.borrower.displayName).toBe('Eva');
    }
  });

  it('refuses an abusive nested query by cost at the gateway and at lending', async () => {
    const refused = await p.call(ABUSIVE, undefined, staff);
    expect(refused.status).toBe(400);
    expect(refused.data).toBeUndefined();
    expect(refused.errors?.[0]?.extensions).toMatchObject({ code: 'OPERATION_LIMIT_EXCEEDED', limit: 'maxCost', max: 5000 });
    // Lending alone: a page of 100 with schedules and payments, 1 + 100 * (2 + 36 + 36) = 7401.
    const direct = await gql(p.lendingUrl, '{ credits(first: 100) { edges { node { schedule { number } payments { id } } } } }', undefined, { token: staff });
    expect(direct.status).toBe(400);
    expect(direct.errors?.[0]?.extensions).toMatchObject({ code: 'OPERATION_LIMIT_EXCEEDED', limit: 'maxCost', actual: 7401 });
  });

  it('refuses 10 000 duplicate fields at the gateway and straight at every subgraph, and answers a normal query there', async () => {
    const flood = `{ ${'__typename '.repeat(10_000)}}`;
    for (const url of [p.gatewayUrl, p.identityUrl, p.lendingUrl, p.auditUrl, p.notificationsUrl]) {
      const refused = await gql(url, flood, undefined, { token: staff });
      expect({ url, status: refused.status }).toEqual({ url, status: 400 });
      expect(refused.errors).toHaveLength(1);
      expect(refused.errors![0].extensions).toMatchObject({ code: 'OPERATION_LIMIT_EXCEEDED', limit: 'maxTokens', max: 2000 });
      const repeated = await gql(url, `{ __schema { ${'__typename '.repeat(500)}} }`, undefined, { token: staff });
      expect(repeated.errors?.[0]?.extensions).toMatchObject({ code: 'OPERATION_LIMIT_EXCEEDED', limit: 'maxRepeatedFields' });
      const ok = await gql(url, '{ __typename }', undefined, { token: staff });
      expect(ok.errors).toBeUndefined();
      expect(ok.data).toEqual({ __typename: 'Query' });
    }
  });
});
